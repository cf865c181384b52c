"""Record cards and to-dos in the web app: the customer page's cards, the filing dialog, the
to-do dialogs and 我的待办 (/agenda/).

Thin adapters over crm.records.services: GET renders a dialog into #crm-dialog-body; a refused
write re-renders it with the service's Chinese messages and everything typed (to-do rows too);
a done write closes it and swaps the changed parts out of band: on the customer page the
records card, the to-dos card, the timeline and the messages; on 我的待办 its sections.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.accounts import policy
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import PreconditionFailed
from crm.core.forms import apply_errors
from crm.customers.models import Customer
from crm.customers.views.archive import timeline_context
from crm.discipline import selectors as discipline

from . import selectors, services
from .choices import RecordKind
from .forms import (
    DATETIME_LOCAL,
    RecordForm,
    RecordVoidForm,
    TaskCancelForm,
    TaskResultForm,
    now_local,
    task_rows,
    task_specs,
)
from .models import Record, Task


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


TEAM_VIEW_MEMBERS = 200  # an admin's team view lists at most this many people


def _from_agenda(request: HttpRequest) -> bool:
    return request.GET.get("origin") == "agenda"


# --- the customer page's cards ----------------------------------------------------------------


def records_context(user: User, customer: Customer, cursor: str = "") -> dict[str, Any]:
    rows, next_cursor = selectors.records_page(user, customer, cursor)
    if getattr(customer, "can_edit", None) is None:  # asked once, not once per row
        customer.can_edit = policy.can_edit_customer(user, customer)  # type: ignore[attr-defined]
    for record in rows:  # 修改 / 作废 on the row
        record.can_change = not record.voided and policy.can_change_record(  # type: ignore[attr-defined]
            user, record.maintainer_id, record.created_by_id, customer
        )
    return {
        "customer": customer,
        "records": rows,
        "records_cursor": next_cursor,
        "can_file": policy.can_file_record(user, customer, RecordKind.SERVICE),
    }


def tasks_context(user: User, customer: Customer, *, every: bool = False) -> dict[str, Any]:
    limit = None if every else selectors.TASKS_SHOWN
    tasks, total = selectors.open_tasks(user, customer, limit)
    editable = {customer.pk} if policy.can_edit_customer(user, customer) else set()
    selectors.mark_task_actions(user, tasks, editable)
    return {"customer": customer, "tasks": tasks, "tasks_total": total}


@login_required
@require_GET
def customer_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    """The to-do card with every open to-do (显示全部)."""
    customer = services.get_visible_customer(_actor(request), pk)
    context = tasks_context(_user(request), customer, every=True)
    return render(request, "records/_tasks_card.html", context)


@login_required
@require_GET
def customer_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The next page of the records card (加载更多)."""
    customer = services.get_visible_customer(_actor(request), pk)
    context = records_context(_user(request), customer, request.GET.get("before", ""))
    return render(request, "records/_record_rows.html", context)


def _refreshed(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """Close the dialog; swap what changed on the page the dialog was opened from."""
    user = _user(request)
    if _from_agenda(request):
        return render(
            request,
            "records/_refresh_agenda.html",
            {**_agenda_context(request, user), "message": message},
        )
    context = {
        **timeline_context(user, customer, None),
        **tasks_context(user, customer),
        **records_context(user, customer),
        "oob": True,
        "message": message,
    }
    return render(request, "records/_refresh.html", context)


# --- filing a card ------------------------------------------------------------------------------


def _kinds(user: User, customer: Customer) -> list[tuple[str, Any]]:
    kinds = [
        (k, label) for k, label in RecordKind.choices if policy.can_file_record(user, customer, k)
    ]
    if not kinds:
        raise PermissionDenied(_("您没有为该客户填写维护记录的权限"))
    return kinds


def _owners(user: User, customer: Customer) -> list[User]:
    """Who a to-do can be given to: the actor, the customer's owner and collaborators, and the
    actor's teammates."""
    scope = Q(pk__in=[user.pk, customer.owner_id]) | Q(collaborating_customers=customer)
    if user.team_id:
        scope |= Q(team_id=user.team_id)
    people = User.objects.filter(scope, is_active=True)
    return list(people.distinct().order_by("full_name", "username"))


@login_required
@require_http_methods(["GET", "POST"])
def file_record(request: HttpRequest, pk: int) -> HttpResponse:
    actor, user = _actor(request), _user(request)
    customer = services.get_visible_customer(actor, pk)
    kinds = _kinds(user, customer)
    contacts = [(c.pk, c.name) for c in customer.contacts.order_by("-is_primary", "id")]
    initial = {"occurred_at": now_local(), "kind": kinds[0][0]}
    initial["channel"] = customer.preferred_channel or "phone"
    data = request.POST if request.method == "POST" else None
    form = RecordForm(data, kinds=kinds, contacts=contacts, initial=initial)
    owners = _owners(user, customer)
    rows = task_rows(data, str(user.pk))
    if data is not None:
        specs = task_specs(rows, {str(o.pk): o for o in owners})
        if form.is_valid() and specs is not None:
            fields = form.service_fields()
            try:
                record = services.file_record(actor, customer=customer, tasks=specs, **fields)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                message = _("已填写维护记录")
                if specs:
                    message = _("已填写维护记录,并添加 %(n)d 项待办") % {"n": len(specs)}
                if record.is_late:
                    message += _("(超过 24 小时,已标记为补录)")
                return _refreshed(request, customer, message)
    context = {
        "customer": customer,
        "form": form,
        "rows": rows,
        "selected_contacts": [str(v) for v in (form["contacts"].value() or [])],
        "owners": [(o.pk, str(o)) for o in owners],
        "default_owner": user.pk,
        "title": _("填写维护记录"),
        "action": request.get_full_path(),
    }
    return render(request, "records/dialogs/file.html", context)


# --- correcting and voiding a card -----------------------------------------------------------


def _changeable_record(request: HttpRequest, pk: int) -> Record:
    user = _user(request)
    record = services.get_visible_record(_actor(request), pk)
    allowed = policy.can_change_record(
        user, record.maintainer_id, record.created_by_id, record.customer
    )
    if not allowed:
        raise PermissionDenied(_("只有维护人、填写人或客户负责人可以修改这条维护记录"))
    if record.voided:
        raise PermissionDenied(_("已作废的维护记录不能修改"))
    return record


def _record_initial(record: Record) -> dict[str, Any]:
    names = [name for name in RecordForm.base_fields if name != "contacts"]
    initial: dict[str, Any] = {name: getattr(record, name) for name in names}
    initial["occurred_at"] = timezone.localtime(record.occurred_at).strftime(DATETIME_LOCAL)
    initial["contacts"] = [str(c.pk) for c in record.contacts.all()]
    initial["next_contact_on"] = record.next_contact_on or ""
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def edit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a card (修改): the service audits each changed field; a card someone else
    saved meanwhile is refused once, keeping what was typed (save again to overwrite)."""
    actor, user = _actor(request), _user(request)
    record = _changeable_record(request, pk)
    customer = record.customer
    kinds = _kinds(user, customer)
    if record.kind not in dict(kinds):  # keep the card's own kind on offer
        kinds.append((record.kind, record.get_kind_display()))
    contacts = [(c.pk, c.name) for c in customer.contacts.order_by("-is_primary", "id")]
    data = request.POST if request.method == "POST" else None
    form = RecordForm(data, kinds=kinds, contacts=contacts, initial=_record_initial(record))
    # a missing or tampered version counts as stale: refused once, never a silent overwrite
    version = (_int(request.POST.get("version")) or 0) if data is not None else record.version
    reason = (request.POST.get("reason", "") if data is not None else "")[:500]
    if data is not None and form.is_valid():
        fields = form.service_fields()
        shown = timezone.localtime(record.occurred_at).replace(second=0, microsecond=0)
        if fields["occurred_at"] == shown:  # the input holds minutes: seconds are no change
            del fields["occurred_at"]
        try:
            services.update_record(actor, record, expected_version=version, reason=reason, **fields)
        except PreconditionFailed as exc:
            form.add_error(
                None,
                _("这条维护记录刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。"),
            )
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _refreshed(request, customer, _("已修改维护记录"))
    context = {
        "customer": customer,
        "form": form,
        "editing": True,
        "version": version,
        "reason": reason,
        "selected_contacts": [str(v) for v in (form["contacts"].value() or [])],
        "title": _("修改维护记录"),
        "action": request.get_full_path(),
    }
    return render(request, "records/dialogs/file.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def void_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a card (作废) with a reason: it stays on the page, struck through, never deleted."""
    record = _changeable_record(request, pk)
    form = RecordVoidForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_record(_actor(request), record, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _refreshed(request, record.customer, _("已作废维护记录"))
    context = {
        "customer": record.customer,
        "record": record,
        "form": form,
        "title": _("作废维护记录"),
        "action": request.get_full_path(),
    }
    return render(request, "records/dialogs/void.html", context)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- closing a to-do ----------------------------------------------------------------------------


def _task(request: HttpRequest, pk: int) -> Task:
    return services.get_visible_task(_actor(request), pk)


def _task_dialog(
    request: HttpRequest, template: str, task: Task, form: Any, title: str
) -> HttpResponse:
    context = {
        "customer": task.customer,
        "task": task,
        "form": form,
        "title": title,
        "action": request.get_full_path(),
    }
    return render(request, template, context)


def _close_task(request: HttpRequest, pk: int, *, complete: bool) -> HttpResponse:
    actor, user = _actor(request), _user(request)
    task = _task(request, pk)
    allowed = (
        policy.can_close_task(user, task.owner_id, task.collaborator_id, task.customer)
        if complete
        else policy.can_change_task(user, task.owner_id, task.created_by_id, task.customer)
    )
    if not allowed:
        raise PermissionDenied(_("只有负责人、协办人或客户负责人可以处理这条待办"))
    form: Any = (TaskResultForm if complete else TaskCancelForm)(
        request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            if complete:
                services.complete_task(actor, task, form.cleaned_data["result"])
            else:
                services.cancel_task(actor, task, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            done = _("已完成待办“%(task)s”") if complete else _("已取消待办“%(task)s”")
            return _refreshed(request, task.customer, done % {"task": task.description})
    if complete:
        return _task_dialog(request, "records/dialogs/complete.html", task, form, _("完成待办"))
    return _task_dialog(request, "records/dialogs/cancel.html", task, form, _("取消待办"))


@login_required
@require_http_methods(["GET", "POST"])
def complete_task(request: HttpRequest, pk: int) -> HttpResponse:
    return _close_task(request, pk, complete=True)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_task(request: HttpRequest, pk: int) -> HttpResponse:
    return _close_task(request, pk, complete=False)


# --- 我的待办 ---------------------------------------------------------------------------------


def _agenda_context(request: HttpRequest, viewer: User) -> dict[str, Any]:
    """The agenda of ?user=<id> (the viewer's own by default) and, for managers and admins,
    the team view with each member's counts."""
    target = discipline.agenda_user(viewer, request.GET.get("user"))
    today = timezone.localdate()
    members: list[User] = []
    if viewer.is_admin or viewer.role == Role.SALES_MANAGER:
        members = list(
            discipline.agenda_members(viewer)
            .select_related("team")
            .order_by("team_id", "full_name", "pk")[:TEAM_VIEW_MEMBERS]
        )
    query = "" if target.pk == viewer.pk else f"&user={target.pk}"
    return {
        "agenda": discipline.agenda(viewer, target, today),
        "target": target,
        "is_self": target.pk == viewer.pk,
        "members": discipline.member_counts(viewer, members, today),
        "origin": f"?origin=agenda{query}",
    }


@login_required
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    context = _agenda_context(request, _user(request))
    return render(request, "records/agenda.html", context)
