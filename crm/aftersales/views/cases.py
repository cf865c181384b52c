"""The case library 案例库: the list (kind, tag, title words; keyset pages), a case, and its
edit and withdraw dialogs for editors of its customer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.errors import PreconditionFailed
from crm.core.forms import apply_errors
from crm.customers.models import Customer
from crm.pipeline.business_forms import ChangeReasonForm

from .. import selectors, services
from ..choices import CaseKind
from ..forms import (
    CaseFilterForm,
    CaseForm,
    ReasonForm,
)
from ..models import Case
from .card import (
    DIALOG,
    _actor,
    _changed,
    _int,
    _posted,
    _stale,
    _user,
)

CASES_PAGE = selectors.CASES_PAGE


def _case_rows(user: User, filters: dict[str, Any]) -> tuple[list[Case], int | None]:
    """A page of cases, newest first, and the next page's cursor (keyset on id, no COUNT);
    the customer is named only to those who may see it."""
    qs = Case.objects.visible_to(user).select_related("customer")
    scope = policy.customer_scope(user)
    seen = Customer.objects.filter(scope, pk=OuterRef("customer_id"))
    qs = qs.annotate(customer_seen=Exists(seen) if scope else Value(True))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if tag := " ".join((filters.get("tag") or "").split()):
        qs = qs.filter(tag_index__contains=f"|{tag}|")
    if words := " ".join((filters.get("q") or "").split()):
        qs = qs.filter(title__icontains=words)
    if filters.get("before"):
        qs = qs.filter(pk__lt=filters["before"])
    rows = list(qs.order_by("-pk")[: CASES_PAGE + 1])
    if len(rows) <= CASES_PAGE:
        return rows, None
    return rows[:CASES_PAGE], rows[CASES_PAGE - 1].pk


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """案例库: filter by kind, tag and words of the title; 下一页 by cursor."""
    form = CaseFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows, cursor = _case_rows(_user(request), filters)
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "cases": rows,
        "next_cursor": cursor,
        "query": query.urlencode(),
        "paged": bool(filters.get("before")),
        "kinds": CaseKind.choices,
    }
    return render(request, "aftersales/case_list.html", context)


def _case_context(user: User, case: Case) -> dict[str, Any]:
    seen = Customer.objects.visible_to(user).with_permissions(user).filter(pk=case.customer_id)
    found = seen.values_list("can_edit", flat=True).first()
    return {"case": case, "customer_seen": found is not None, "can_edit": bool(found)}


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = services.get_case(_actor(request), pk)
    return render(request, "aftersales/case_detail.html", _case_context(_user(request), case))


def _editable_case(request: HttpRequest, pk: int) -> Case:
    case = services.get_case(_actor(request), pk)  # missing: 404
    policy.require_edit_customer(_user(request), case.customer)  # not an editor: 403
    return case


CASE_INITIAL = ("kind", "title", "story", "lessons")


def _case_refreshed(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    context = {**_case_context(_user(request), case), "oob": True, "message": message}
    return render(request, "aftersales/_case_refresh.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor, case = _actor(request), _editable_case(request, pk)
    initial: dict[str, Any] = {n: getattr(case, n) for n in CASE_INITIAL}
    initial["tags"] = " ".join(case.tags or [])
    data = _posted(request)
    form, note, version = CaseForm(data, initial=initial), ChangeReasonForm(data), case.version
    if data is not None:
        version = _int(data.get("version")) or 0
    if data is not None and form.is_valid() and note.is_valid():
        try:
            saved = services.update_case(
                actor, case, expected_version=version, **form.cleaned_data, **note.cleaned_data
            )
        except PreconditionFailed as exc:
            _stale(form, _("案例"))
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _changed(saved, version, _("已修改案例「%(t)s」") % {"t": saved.title})
            return _case_refreshed(request, saved, message)
    context = {"customer": case.customer, "form": form, "note": note, "version": version}
    context.update(title=_("修改案例"), submit=_("保存修改"), action=request.path)
    return render(request, DIALOG, context)


@login_required
@require_http_methods(["GET", "POST"])
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤下案例 with a reason; the audit row keeps what it said. Back to the library."""
    actor, case = _actor(request), _editable_case(request, pk)
    form = ReasonForm(_posted(request), label=_("撤下原因"))
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_case(actor, case, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已撤下案例「%(t)s」") % {"t": case.title})
            return HttpResponseClientRedirect(reverse("aftersales:cases"))
    context = {"customer": case.customer, "form": form, "version": None, "summary": case.title}
    context.update(title=_("撤下案例"), submit=_("撤下"), danger=True, action=request.path)
    return render(request, DIALOG, context)
