"""The one write path for record cards 维护记录 and to-dos 待办事项.

Rules (crm.records.rules) and permissions (crm.accounts.policy):
- whoever may edit the customer files sales cards; service staff and customer success file
  service cards on any customer they can see; service staff see service cards only;
- a card is never deleted: it is corrected (update_record, audited before/after, filed_at kept)
  or voided with a reason (void_record); its to-dos live on;
- filed_at is set here, never typed; is_late = filed more than 24 h after occurred_at (recomputed
  against the original filed_at when occurred_at is corrected);
- occurred_at may not lie in the future (5 min clock tolerance) nor more than 90 days back
  (source "import" may backfill);
- a to-do ends with a result (complete_task) or a reason (cancel_task); reopen_task puts a closed
  to-do back to open with a reason (the earlier result stays in the audit trail).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.audit import services as audit
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.errors import NotFound, PreconditionFailed
from crm.customers.models import Customer
from crm.discipline import engine as discipline

from . import rules
from .choices import RecordKind, TaskStatus
from .models import Record, Task

RECORD_FIELDS = (
    "occurred_at",
    "channel",
    "maintainer",
    "purpose",
    "content",
    "feedback",
    "sentiment",
    "next_contact_on",
    "next_channel",
    "next_focus",
    "notes",
    "kind",
)
TASK_FIELDS = ("description", "owner", "collaborator", "due")


# --- reads that authorise -------------------------------------------------------------------


def _pk(value: Any) -> int:
    return int(value.pk if hasattr(value, "pk") else value)


def get_visible_record(actor: Actor, pk: Any) -> Record:
    try:
        return Record.objects.visible_to(actor.user).select_related("customer").get(pk=_pk(pk))
    except (Record.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


def get_visible_task(actor: Actor, pk: Any) -> Task:
    try:
        return Task.objects.visible_to(actor.user).select_related("customer").get(pk=_pk(pk))
    except (Task.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


def get_visible_customer(actor: Actor, customer: Any) -> Customer:
    try:
        return Customer.objects.visible_to(actor.user).get(pk=_pk(customer))
    except (Customer.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


# --- validation helpers ---------------------------------------------------------------------


def _reject_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"不能直接修改的字段: {', '.join(sorted(unknown))}")


def _contacts(customer: Customer, contacts: Iterable[Any]) -> list[Contact]:
    try:
        ids = {_pk(c) for c in contacts}
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"contacts": "联系人无效"}) from exc
    found = list(Contact.objects.filter(customer=customer, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"contacts": "所选联系人不属于该客户"})
    return found


def _users(users: Iterable[Any], field: str) -> list[User]:
    try:
        ids = {_pk(u) for u in users}
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: "用户无效"}) from exc
    found = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(ids):
        raise ValidationError({field: "所选用户不存在或已停用"})
    return found


def _require_active(user: User | None, field: str, label: str) -> None:
    if user is not None and not user.is_active:
        raise ValidationError({field: f"{label}账号已停用"})


def _aware(value: Any) -> Any:
    """A moment in UTC (naive ones are Shanghai time), as the database gives it back: so the
    same instant typed as 08:00+08:00 is no change against a stored 00:00 UTC in the audit."""
    if not isinstance(value, datetime.datetime):
        return value
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC)


def _check_record(actor: Actor, record: Record, *, check_time: bool) -> None:
    """full_clean plus the card's rules; every problem at once, per field."""
    record.content = (record.content or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        record.full_clean(exclude=["customer"])
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if "content" not in errors and rules.is_filler(record.content):
        errors["content"] = [rules.CONTENT_MESSAGE]
    if check_time and "occurred_at" not in errors:
        problem = rules.occurred_at_error(
            record.occurred_at, timezone.now(), backfill=actor.source == "import"
        )
        if problem:
            errors["occurred_at"] = [problem]
    occurred = record.occurred_at
    if isinstance(occurred, datetime.datetime):
        occurred = timezone.localtime(occurred)
    next_on = record.next_contact_on
    if next_on and isinstance(occurred, datetime.datetime) and next_on < occurred.date():
        errors.setdefault("next_contact_on", []).append("下次沟通时间不能早于本次维护日期")
    if errors:
        raise ValidationError(errors)
    _require_active(record.maintainer, "maintainer", "维护人")


def _snapshot(record: Record, contacts: list[Contact], participants: list[User]) -> dict[str, Any]:
    data = audit.snapshot(record, RECORD_FIELDS)
    data["contacts"] = sorted(c.name for c in contacts)
    data["participants"] = sorted(str(u) for u in participants)
    data["is_late"] = record.is_late
    return data


def _touch_customer(customer_id: int, occurred_at: datetime.datetime) -> None:
    """Move the customer's last_contacted_at forward to this interaction, never back.

    A single conditional UPDATE, deliberately outside update_customer: last_contacted_at is
    derived from cards (not archive data typed by a person), so it neither bumps the
    customer's version (an open edit form or If-Match stays valid) nor its updated_at, and
    needs no customer audit row (the card's own event is on the customer timeline). Voiding
    or correcting a card never moves it back.
    """
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=occurred_at)
    ).update(last_contacted_at=occurred_at)


# --- record cards ---------------------------------------------------------------------------


def file_record(
    actor: Actor,
    *,
    customer: Customer,
    tasks: Iterable[Mapping[str, Any]] = (),
    contacts: Iterable[Any] = (),
    participants: Iterable[Any] = (),
    **fields: Any,
) -> Record:
    """File a card and its to-dos in one transaction (a bad to-do leaves no card)."""
    _reject_unknown(fields, RECORD_FIELDS)
    customer = get_visible_customer(actor, customer)
    kind = fields.get("kind") or RecordKind.SALES
    policy.require_file_record(actor.user, customer, kind)
    fields = {**fields, "kind": kind, "occurred_at": _aware(fields.get("occurred_at"))}
    if fields.get("maintainer") is None:
        fields["maintainer"] = actor.user
    now = timezone.now()
    record = Record(customer=customer, created_by=actor.user, filed_at=now, **fields)
    _check_record(actor, record, check_time=True)
    # history brought in from paper cards (an import) was filed on paper at the time: not late
    record.is_late = actor.source != "import" and rules.is_late(record.occurred_at, now)
    met, people = _contacts(customer, contacts), _users(participants, "participants")
    with transaction.atomic():
        record.save()
        record.contacts.set(met)
        record.participants.set(people)
        audit.record(
            actor,
            "record.file",
            record,
            customer=customer,
            changes=audit.diff({}, _snapshot(record, met, people)),
        )
        for index, spec in enumerate(tasks, start=1):
            try:
                _create_task(actor, customer, record, dict(spec))
            except ValidationError as exc:
                messages = [f"第 {index} 项待办: {m}" for m in exc.messages]
                raise ValidationError({"tasks": messages}) from exc
        _touch_customer(customer.pk, record.occurred_at)
        discipline.evaluate_customer(customer.pk, timezone.localdate())  # next due, to_follow
    return record


def _lock_record(actor: Actor, pk: int, expected_version: int | None) -> Record:
    visible = get_visible_record(actor, pk)
    customer = visible.customer
    if not policy.can_change_record(
        actor.user, visible.maintainer_id, visible.created_by_id, customer
    ):
        raise PermissionDenied("只有维护人、填写人或客户负责人可以修改这条维护记录")
    record = Record.objects.select_for_update().get(pk=pk)
    record.customer = customer
    if expected_version is not None and record.version != expected_version:
        raise PreconditionFailed(
            "该维护记录已被他人修改,请刷新后再试", current_version=record.version
        )
    if record.voided:
        raise ValidationError("已作废的维护记录不能修改")
    return record


def update_record(
    actor: Actor,
    record: Record,
    *,
    expected_version: int | None = None,
    reason: str = "",
    contacts: Iterable[Any] | None = None,
    participants: Iterable[Any] | None = None,
    **fields: Any,
) -> Record:
    """Correct a card; filed_at stays, is_late follows a corrected occurred_at."""
    _reject_unknown(fields, RECORD_FIELDS)
    if "occurred_at" in fields:
        fields["occurred_at"] = _aware(fields["occurred_at"])
    with transaction.atomic():
        record = _lock_record(actor, record.pk, expected_version)
        met, people = list(record.contacts.all()), list(record.participants.all())
        before = _snapshot(record, met, people)
        old_time = record.occurred_at
        for name, value in fields.items():
            setattr(record, name, value)
        if record.maintainer_id is None:
            record.maintainer = actor.user  # type: ignore[assignment]
        if record.kind != before["kind"]:
            policy.require_file_record(actor.user, record.customer, record.kind)
        moved = record.occurred_at != old_time
        _check_record(actor, record, check_time=moved or record.occurred_at is None)
        record.is_late = rules.is_late(record.occurred_at, record.filed_at)
        met = met if contacts is None else _contacts(record.customer, contacts)
        people = people if participants is None else _users(participants, "participants")
        changes = audit.diff(before, _snapshot(record, met, people))
        if not changes:
            return record
        _save_version(record)
        record.contacts.set(met)
        record.participants.set(people)
        audit.record(
            actor,
            "record.update",
            record,
            customer=record.customer,
            changes=changes,
            reason=reason,
        )
        _touch_customer(record.customer_id, record.occurred_at)
    return record


def _save_version(obj: Record | Task) -> None:
    obj.updated_at = timezone.now()
    obj.version = F("version") + 1  # type: ignore[assignment]
    obj.save()
    obj.refresh_from_db(fields=["version"])


def void_record(actor: Actor, record: Record, reason: str) -> Record:
    """Void a card (never deleted): it stays, marked 已作废 with the reason, and is audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "作废维护记录需要填写原因"})
    with transaction.atomic():
        record = _lock_record(actor, record.pk, None)
        record.voided, record.void_reason = True, reason
        record.voided_at, record.voided_by = timezone.now(), actor.user
        _save_version(record)
        audit.record(
            actor,
            "record.void",
            record,
            customer=record.customer,
            changes={"voided": {"before": False, "after": True}},
            reason=reason,
        )
    return record


# --- to-dos ---------------------------------------------------------------------------------


def _check_task(task: Task, *, check_due: bool) -> None:
    task.description = " ".join((task.description or "").split())
    errors: dict[str, list[str]] = {}
    try:
        task.full_clean(exclude=["customer", "record"], validate_constraints=False)
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if check_due and "due" not in errors and task.due < timezone.localdate():
        errors["due"] = ["完成时限不能早于今天"]
    if task.collaborator_id and task.collaborator_id == task.owner_id:
        errors.setdefault("collaborator", []).append("协办人不能与负责人相同")
    if errors:
        raise ValidationError(errors)
    _require_active(task.owner, "owner", "负责人")
    _require_active(task.collaborator, "collaborator", "协办人")


def _task_snapshot(task: Task) -> dict[str, Any]:
    return audit.snapshot(task, (*TASK_FIELDS, "status", "result", "cancel_reason"))


def _create_task(
    actor: Actor, customer: Customer, record: Record | None, fields: dict[str, Any]
) -> Task:
    _reject_unknown(fields, TASK_FIELDS)
    if record is not None and record.customer_id != customer.pk:
        raise ValidationError({"record": "该记录卡不属于这个客户"})
    if fields.get("owner") is None:
        fields["owner"] = actor.user
    task = Task(customer=customer, record=record, created_by=actor.user, **fields)
    # history from paper cards may have been due long ago (then closed, or now overdue)
    _check_task(task, check_due=actor.source != "import")
    task.save()
    audit.record(
        actor, "task.create", task, customer=customer, changes=audit.diff({}, _task_snapshot(task))
    )
    return task


def create_task(
    actor: Actor, *, customer: Customer, record: Record | None = None, **fields: Any
) -> Task:
    """A to-do on a customer, optionally from one of its cards; the owner defaults to the actor."""
    customer = get_visible_customer(actor, customer)
    if record is not None:
        record = get_visible_record(actor, record.pk)
    if not policy.can_create_task(actor.user, customer):
        raise PermissionDenied("您没有为该客户添加待办的权限")
    with transaction.atomic():
        return _create_task(actor, customer, record, dict(fields))


def _lock_task(actor: Actor, pk: int, expected_version: int | None, *, close: bool) -> Task:
    visible = get_visible_task(actor, pk)
    customer, user = visible.customer, actor.user
    allowed = (
        policy.can_close_task(user, visible.owner_id, visible.collaborator_id, customer)
        if close
        else policy.can_change_task(user, visible.owner_id, visible.created_by_id, customer)
    )
    if not allowed:
        raise PermissionDenied("只有负责人、协办人或客户负责人可以处理这条待办")
    task = Task.objects.select_for_update().get(pk=pk)
    task.customer = customer
    if expected_version is not None and task.version != expected_version:
        raise PreconditionFailed("该待办已被他人修改,请刷新后再试", current_version=task.version)
    return task


def _require_open(task: Task) -> None:
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": f"该待办{task.get_status_display()},不能再处理"})


def update_task(
    actor: Actor,
    task: Task,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Task:
    """Change an open to-do's description, owner, collaborator or due date."""
    _reject_unknown(fields, TASK_FIELDS)
    with transaction.atomic():
        task = _lock_task(actor, task.pk, expected_version, close=False)
        _require_open(task)
        before = _task_snapshot(task)
        for name, value in fields.items():
            setattr(task, name, value)
        _check_task(task, check_due="due" in fields and str(fields["due"]) != before["due"])
        changes = audit.diff(before, _task_snapshot(task))
        if not changes:
            return task
        _save_version(task)
        audit.record(
            actor, "task.update", task, customer=task.customer, changes=changes, reason=reason
        )
    return task


def _close(actor: Actor, task: Task, action: str, before: dict[str, Any], reason: str) -> Task:
    task.closed_at, task.closed_by = timezone.now(), actor.user
    _save_version(task)
    changes = audit.diff(before, _task_snapshot(task))
    audit.record(actor, action, task, customer=task.customer, changes=changes, reason=reason)
    return task


def complete_task(
    actor: Actor, task: Task, result: str, *, expected_version: int | None = None
) -> Task:
    """Close a to-do with what was done (事事有回应): a vague result is refused."""
    result = (result or "").strip()
    if rules.is_filler_result(result):
        raise ValidationError({"result": rules.RESULT_MESSAGE})
    with transaction.atomic():
        task = _lock_task(actor, task.pk, expected_version, close=True)
        _require_open(task)
        before = _task_snapshot(task)
        task.status, task.result = TaskStatus.DONE, result
        return _close(actor, task, "task.complete", before, "")


def cancel_task(
    actor: Actor, task: Task, reason: str, *, expected_version: int | None = None
) -> Task:
    """Drop a to-do that no longer applies; the reason is its answer."""
    reason = (reason or "").strip()
    if rules.is_filler(reason):
        raise ValidationError({"reason": "取消待办需要写明原因"})
    with transaction.atomic():
        task = _lock_task(actor, task.pk, expected_version, close=False)
        _require_open(task)
        before = _task_snapshot(task)
        task.status, task.cancel_reason = TaskStatus.CANCELLED, reason
        return _close(actor, task, "task.cancel", before, reason)


def reopen_task(
    actor: Actor, task: Task, reason: str, *, expected_version: int | None = None
) -> Task:
    """Put a done or cancelled to-do back to open (the customer came back on it). The earlier
    result or cancel reason is cleared on the row and kept in the audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "重新打开待办需要填写原因"})
    with transaction.atomic():
        task = _lock_task(actor, task.pk, expected_version, close=True)
        if task.status == TaskStatus.OPEN:
            raise ValidationError({"status": "该待办尚未关闭"})
        before = _task_snapshot(task)
        task.status, task.result, task.cancel_reason = TaskStatus.OPEN, "", ""
        task.closed_at, task.closed_by = None, None
        _save_version(task)
        changes = audit.diff(before, _task_snapshot(task))
        audit.record(
            actor, "task.reopen", task, customer=task.customer, changes=changes, reason=reason
        )
    return task
