"""Needs analyses and demand changes on the customer page: the 需求分析 card and its dialogs.

Thin adapters over crm.needs.services: a refused write re-renders the dialog with the service's
Chinese messages and what was typed; a done write closes it and swaps the card, the timeline
and the messages out of band.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.accounts import policy
from crm.core.actor import Actor
from crm.core.errors import PreconditionFailed
from crm.core.forms import apply_errors
from crm.customers import services as customer_services
from crm.customers.models import Customer
from crm.customers.services.related import editable_customer
from crm.customers.views.archive import timeline_context
from crm.records.forms import DATETIME_LOCAL, now_local

from . import rules, selectors, services
from .forms import ROLE_CHOICES, AnalysisForm, ChangeForm, chain_rows, chain_specs
from .models import DemandChange, NeedsAnalysis


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def needs_context(user: Any, customer: Customer) -> dict[str, Any]:
    analysis = selectors.latest_analysis(user, customer)
    changes = selectors.recent_changes(user, customer)
    budget = ""
    if analysis is not None:
        budget = rules.budget_label(
            analysis.budget_min, analysis.budget_max, analysis.budget_negotiable
        )
    return {
        "customer": customer,
        "analysis": analysis,
        "budget": budget,
        "changes": changes[: selectors.CHANGES_SHOWN],
        "more_changes": len(changes) > selectors.CHANGES_SHOWN,
        "can_edit_needs": policy.can_edit_customer(user, customer),
    }


@login_required
@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """The 需求分析 card the customer page's shell loads once the page is shown."""
    customer = customer_services.get_visible(_actor(request), pk)
    return render(request, "needs/_needs_card.html", needs_context(request.user, customer))


def _refreshed(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    user = request.user
    context = {
        **timeline_context(user, customer, None),
        **needs_context(user, customer),
        "oob": True,
        "message": message,
    }
    return render(request, "needs/_refresh.html", context)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _joined(items: list[str]) -> str:
    return "\n".join(items)


def _analysis_initial(analysis: NeedsAnalysis | None) -> dict[str, Any]:
    if analysis is None:
        return {"interviewed_at": now_local()}
    initial: dict[str, Any] = {name: getattr(analysis, name) for name in services.ANALYSIS_FIELDS}
    for name in services.LIST_FIELDS:
        initial[name] = _joined(initial[name])
    initial["interviewed_at"] = timezone.localtime(analysis.interviewed_at).strftime(DATETIME_LOCAL)
    return initial


def _analysis_dialog(
    request: HttpRequest, customer: Customer, analysis: NeedsAnalysis | None
) -> HttpResponse:
    actor = _actor(request)
    data = request.POST if request.method == "POST" else None
    record = request.GET.get("record") or (data.get("record") if data else None)
    form = AnalysisForm(data, initial=_analysis_initial(analysis))
    members = {m.contact_id: (m.role, m.concerns) for m in analysis.chain.all()} if analysis else {}
    rows = chain_rows(data, list(customer.contacts.order_by("-is_primary", "pk")), members)
    version = (
        (_int(data.get("version")) or 0) if data is not None else getattr(analysis, "version", 0)
    )
    reason = (data.get("reason", "") if data is not None else "")[:500]
    if data is not None and form.is_valid():
        fields, chain = form.service_fields(), chain_specs(rows)
        try:
            if analysis is None:
                services.file_analysis(
                    actor, customer=customer, record=record, chain=chain, **fields
                )
                return _refreshed(request, customer, _("已填写需求分析,意向等级已更新"))
            services.update_analysis(
                actor, analysis, expected_version=version, reason=reason, chain=chain, **fields
            )
            return _refreshed(request, customer, _("已修改需求分析"))
        except PreconditionFailed as exc:
            form.add_error(
                None,
                _("这份需求分析刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。"),
            )
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
            for message in exc.message_dict.get("chain", []) if hasattr(exc, "error_dict") else []:
                form.add_error(None, message)
    context = {
        "customer": customer,
        "form": form,
        "rows": rows,
        "roles": ROLE_CHOICES,
        "record": record or "",
        "editing": analysis is not None,
        "version": version,
        "reason": reason,
        "title": _("修改需求分析") if analysis else _("填写需求分析"),
        "action": request.get_full_path(),
    }
    return render(request, "needs/dialogs/analysis.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def file_analysis(request: HttpRequest, pk: int) -> HttpResponse:
    customer = editable_customer(_actor(request), pk)
    return _analysis_dialog(request, customer, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit_analysis(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    analysis = services.get_visible_analysis(actor, pk)
    customer = editable_customer(actor, analysis.customer_id)
    return _analysis_dialog(request, customer, analysis)


def _change_initial(request: HttpRequest, customer: Customer, change: DemandChange | None) -> Any:
    if change is not None:
        return {name: getattr(change, name) for name in services.CHANGE_FIELDS}
    latest = selectors.latest_analysis(request.user, customer)
    original = "、".join(latest.explicit_needs)[:300] if latest else ""
    return {"original_need": original, "priority": "medium", "changed_on": timezone.localdate()}


def _change_dialog(
    request: HttpRequest, customer: Customer, change: DemandChange | None
) -> HttpResponse:
    actor = _actor(request)
    data = request.POST if request.method == "POST" else None
    record = request.GET.get("record") or (data.get("record") if data else None)
    form = ChangeForm(data, initial=_change_initial(request, customer, change))
    version = (
        (_int(data.get("version")) or 0) if data is not None else getattr(change, "version", 0)
    )
    if data is not None and form.is_valid():
        try:
            if change is None:
                services.record_change(
                    actor, customer=customer, record=record, **form.service_fields()
                )
                return _refreshed(request, customer, _("已记录需求变化"))
            services.update_change(actor, change, expected_version=version, **form.service_fields())
            return _refreshed(request, customer, _("已修改需求变化"))
        except PreconditionFailed as exc:
            form.add_error(
                None,
                _("这条需求变化刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。"),
            )
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
    context = {
        "customer": customer,
        "form": form,
        "record": record or "",
        "editing": change is not None,
        "version": version,
        "title": _("修改需求变化") if change else _("记录需求变化"),
        "action": request.get_full_path(),
    }
    return render(request, "needs/dialogs/change.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_change(request: HttpRequest, pk: int) -> HttpResponse:
    customer = editable_customer(_actor(request), pk)
    return _change_dialog(request, customer, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit_change(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    change = services.get_visible_change(actor, pk)
    customer = editable_customer(actor, change.customer_id)
    return _change_dialog(request, customer, change)
