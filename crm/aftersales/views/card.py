"""The 售后服务 card (loaded by the customer page's shell) and what its dialogs share: the
refresh after a done write and the dialog runner (validation, the service call, a stale
version refused once)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import NotFound, PreconditionFailed
from crm.core.forms import apply_errors
from crm.customers import selectors as customer_selectors
from crm.customers.models import Customer
from crm.customers.views.archive import page_context, timeline_context

from .. import selectors, services
from ..choices import RiskStatus
from ..models import Case, Delivery, DeliveryProgress, Feedback, Referral, Risk, Survey

SHOWN = 10  # rows of each section the card shows (the newest) before 显示全部
ALL_CAP = 500  # 显示全部 stops here (the newest)
NOTES_SHOWN = 3  # progress notes shown under a delivery
CHOICES_CAP = 200  # contracts / deliveries / owners offered in a dialog's select
DIALOG = "aftersales/dialogs/form.html"
Save = Callable[[dict[str, Any]], str]


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _late(due: datetime.date | None, done: Any, today: datetime.date) -> bool:
    """An open clock past its due date (已超期)."""
    return due is not None and not done and due < today


# --- the card ---------------------------------------------------------------------------------


def _card_customer(user: User, pk: Any) -> Customer:
    qs = Customer.objects.visible_to(user).with_permissions(user).select_related("owner")
    customer = qs.filter(pk=_int(pk) or 0).first()
    if customer is None:
        raise NotFound()
    return customer


def _deliveries(user: User, customer: Customer, limit: int, today: datetime.date) -> list[Any]:
    notes = DeliveryProgress.objects.select_related("author").order_by("-noted_on", "-pk")
    qs = Delivery.objects.visible_to(user).filter(customer_id=customer.pk).order_by("-id")
    qs = qs.select_related("contract").prefetch_related(Prefetch("progress", queryset=notes))
    rows = list(qs[:limit])
    for d in rows:
        d.acceptance_late = _late(d.acceptance_due_on, d.accepted_on, today)
        d.survey_late = _late(d.survey_due_on, d.surveyed_on, today)
        d.notes_shown = list(d.progress.all())[:NOTES_SHOWN]
    return rows


def _surveys(user: User, customer: Customer, limit: int, today: datetime.date) -> list[Any]:
    qs = Survey.objects.visible_to(user).filter(customer_id=customer.pk)
    rows = list(qs.select_related("delivery").order_by("-surveyed_on", "-pk")[:limit])
    for row in rows:
        row.plan_late = _late(row.improvement_due_on, row.improvement_planned_on, today)
    return rows


def _feedback(user: User, customer: Customer, limit: int, today: datetime.date) -> list[Any]:
    rows: list[Any] = list(selectors.feedback(user, customer)[:limit])
    for row in rows:
        row.plan_late = _late(row.improvement_due_on, row.improvement_planned_on, today)
    return rows


def _referrals(user: User, customer: Customer, limit: int, _today: datetime.date) -> list[Any]:
    return list(selectors.referrals(user, customer)[:limit])


def _risks(user: User, customer: Customer, limit: int, today: datetime.date) -> list[Any]:
    # open ones first (the selector sorts by the status code, which puts 已关闭 first)
    qs = selectors.risks(user, customer).order_by("-status", "due_on", "pk")
    rows: list[Any] = list(qs[:limit])
    for risk in rows:
        risk.overdue = risk.status == RiskStatus.OPEN and risk.due_on < today
    return rows


def _cases(user: User, customer: Customer, limit: int, _today: datetime.date) -> list[Any]:
    cases = Case.objects.visible_to(user).filter(customer_id=customer.pk).order_by("-pk")
    return list(cases.only("pk", "kind", "title")[:limit])


Rows = Callable[[User, Customer, int, datetime.date], list[Any]]
SECTIONS: dict[str, tuple[Rows, type[models.Model]]] = {
    "deliveries": (_deliveries, Delivery),
    "surveys": (_surveys, Survey),
    "feedback": (_feedback, Feedback),
    "referrals": (_referrals, Referral),
    "risks": (_risks, Risk),
    "cases": (_cases, Case),
}


def _totals(customer: Customer) -> dict[str, int]:
    """How many rows each section has, in one query (the rows of a customer the user sees are
    all visible to them, and every case is)."""

    def count(model: type[models.Model]) -> Any:
        rows = model._default_manager.filter(customer_id=OuterRef("pk")).order_by()
        counted = rows.values("customer_id").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted[:1]), 0)

    values = {f"n_{name}": count(model) for name, (_rows, model) in SECTIONS.items()}
    found: Any = Customer.objects.filter(pk=customer.pk).values(**values).first() or {}
    return {name: int(found.get(f"n_{name}", 0)) for name in SECTIONS}


def card_context(user: User, customer: Customer) -> dict[str, Any]:
    """The card's sections, each its newest SHOWN rows, and their totals (for 显示全部): one
    query each whatever the data."""
    today = timezone.localdate()
    sections = {name: rows(user, customer, SHOWN, today) for name, (rows, _m) in SECTIONS.items()}
    return {
        "customer": customer,
        "today": today,
        **sections,
        "core": selectors.core_membership(user, customer),
        "totals": _totals(customer),
        "can_edit": policy.can_edit_customer(user, customer),
        "can_approve": services.can_approve(user, customer),
        "shown": SHOWN,
    }


@login_required
@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """The 售后服务 card the customer page's shell loads."""
    user = _user(request)
    context = card_context(user, _card_customer(user, pk))
    return render(request, "aftersales/_card.html", context)


@login_required
@require_GET
def card_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """显示全部: one section of the card with every row (the newest ALL_CAP at most)."""
    if section not in SECTIONS:
        raise Http404()
    user = _user(request)
    customer = _card_customer(user, pk)
    rows = SECTIONS[section][0](user, customer, ALL_CAP + 1, timezone.localdate())
    context = {
        "customer": customer,
        section: rows[:ALL_CAP],
        "every": True,
        "capped": len(rows) > ALL_CAP,
        "cap": ALL_CAP,
        "can_edit": policy.can_edit_customer(user, customer),
        "can_approve": section == "referrals" and services.can_approve(user, customer),
    }
    return render(request, f"aftersales/sections/_{section}.html", context)


def _refreshed(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """Close the dialog; swap the card, the header, the timeline and the messages."""
    user = _user(request)
    fresh = customer_selectors.customer_detail(user, customer.pk)
    context = {
        **timeline_context(user, fresh, None),
        **page_context(user, fresh),
        **card_context(user, fresh),
        "oob": True,
        "message": message,
    }
    return render(request, "aftersales/_refresh.html", context)


# --- dialogs ----------------------------------------------------------------------------------


def _stale(form: forms.Form, label: str) -> None:
    form.add_error(
        None,
        _("该%(label)s刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。")
        % {"label": label},
    )


def _version(request: HttpRequest, row: Any) -> int:
    """The version the dialog was opened at; a missing or tampered one counts as stale."""
    if request.method == "POST":
        return _int(request.POST.get("version")) or 0
    return int(row.version)


def _dialog(
    request: HttpRequest,
    customer: Customer,
    form: forms.Form,
    save: Save,
    *,
    label: str = "",
    version: int | None = None,
    rename: dict[str, str] | None = None,
    note: forms.Form | None = None,
    **shown: Any,
) -> HttpResponse:
    """Run a dialog: on a valid POST `save(cleaned_data)` calls the service and answers the
    message; a refusal shows on the form (a stale version once, with the current version)."""
    if request.method == "POST" and form.is_valid() and (note is None or note.is_valid()):
        extra = dict(note.cleaned_data) if note is not None else {}
        try:
            message = save({**form.cleaned_data, **extra})
        except PreconditionFailed as exc:
            _stale(form, label)
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc, rename)
        else:
            return _refreshed(request, customer, message)
    context = {
        "customer": customer,
        "form": form,
        "note": note,
        "version": version,
        "action": request.get_full_path(),
        **shown,
    }
    return render(request, DIALOG, context)


def _editable[T](request: HttpRequest, getter: Callable[[Actor, Any], T], pk: int) -> T:
    """A row of a customer the user may edit: hidden or missing 404, read only 403."""
    row: Any = getter(_actor(request), pk)
    policy.require_edit_customer(_user(request), row.customer)
    return row  # type: ignore[no-any-return]


def _changed(saved: Any, version: int, message: str) -> str:
    return message if saved.version != version else _("没有需要保存的修改")
