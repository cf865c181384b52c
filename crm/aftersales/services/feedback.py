"""Customer feedback 客户反馈: complaints 投诉, praise 表扬 and suggestions 建议.

- every feedback starts open and is resolved with what was done (事事有回应: a vague
  resolution such as 「已解决」 is refused), on or after the day it came in; a resolved one can
  be reopened with a reason (the earlier resolution stays in the audit trail); an open one can
  be corrected, a resolved one is reopened first;
- a suggestion starts the 15-working-day improvement clock from the day it came in
  (`improvement_due_on`), answered by plan_feedback_improvement; it is resolved only once it
  has its plan;
- Customer.flag_complaint 投诉 follows "the customer has an open complaint": after every
  feedback write it is set or cleared with one UPDATE and audited when it flips (a flag set
  by hand holds until the next feedback write of that customer);
- editors of the customer write; every write is audited on the customer's timeline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.services.related import editable_customer, get_visible, reject_unknown
from crm.records.rules import CONTENT_MESSAGE, RESULT_MESSAGE, is_filler, is_filler_result

from .. import clocks, rules
from ..choices import FeedbackKind, FeedbackStatus
from ..models import Feedback
from .common import (
    full_clean,
    lock_customer,
    locked_for_edit,
    save_new,
    save_version,
    snapshot,
    sync_flag,
    text,
)
from .improvements import plan_improvement

FEEDBACK_FIELDS = ("kind", "category", "content", "received_on")
AUDITED = (*FEEDBACK_FIELDS, "status", "resolution", "resolved_on", "improvement_due_on")
COMPLAINT_REASONS = ("有未解决的投诉", "投诉已全部解决")


def get_visible_feedback(actor: Actor, pk: Any) -> Feedback:
    return get_visible(actor, Feedback, pk)


def _check(feedback: Feedback, today: datetime.date) -> None:
    feedback.content = text(feedback.content)
    full_clean(
        feedback,
        lambda: {
            "received_on": rules.future_error(feedback.received_on, today, "反馈日期"),
            "content": CONTENT_MESSAGE if is_filler(feedback.content) else None,
        },
        exclude=["customer"],
    )
    suggestion = feedback.kind == FeedbackKind.SUGGESTION
    feedback.improvement_due_on = clocks.improvement_due(
        feedback.received_on if suggestion else None
    )


def sync_complaint_flag(actor: Actor, customer_id: int) -> bool:
    def open_complaint() -> bool:
        return Feedback.objects.filter(
            customer_id=customer_id, kind=FeedbackKind.COMPLAINT, status=FeedbackStatus.OPEN
        ).exists()

    return sync_flag(actor, customer_id, "flag_complaint", open_complaint, COMPLAINT_REASONS)


def record_feedback(
    actor: Actor,
    *,
    customer: Any,
    kind: str,
    category: str,
    content: str,
    received_on: datetime.date | None = None,
) -> Feedback:
    """Feedback as it came in (default date today)."""
    found = editable_customer(actor, customer)
    feedback = Feedback(
        customer=found,
        kind=kind,
        category=category,
        content=content,
        received_on=received_on or timezone.localdate(),
    )
    _check(feedback, timezone.localdate())
    with transaction.atomic():
        lock_customer(found.pk)
        save_new(feedback, actor)
        audit.record(
            actor,
            "feedback.create",
            feedback,
            customer=found,
            changes=audit.diff({}, snapshot(feedback, AUDITED)),
        )
        sync_complaint_flag(actor, found.pk)
    return feedback


def _locked(actor: Actor, feedback: Feedback, expected_version: int | None) -> Feedback:
    visible = get_visible_feedback(actor, feedback)
    lock_customer(visible.customer_id)
    return locked_for_edit(actor, Feedback, visible, expected_version, "客户反馈")


def _save(
    actor: Actor, feedback: Feedback, before: dict[str, Any], action: str, reason: str
) -> Feedback:
    changes = audit.diff(before, snapshot(feedback, AUDITED))
    if not changes:
        return feedback
    save_version(feedback)
    audit.record(
        actor, action, feedback, customer=feedback.customer, changes=changes, reason=reason
    )
    sync_complaint_flag(actor, feedback.customer_id)
    return feedback


def update_feedback(
    actor: Actor,
    feedback: Feedback,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Feedback:
    """Correct an open feedback: kind, category, content, the day it came in."""
    reject_unknown(fields, FEEDBACK_FIELDS)
    with transaction.atomic():
        locked = _locked(actor, feedback, expected_version)
        if locked.status != FeedbackStatus.OPEN:
            raise ValidationError({"status": "已解决的反馈不能修改,请先重新打开"})
        before = snapshot(locked, AUDITED)
        for name, value in fields.items():
            setattr(locked, name, value)
        _check(locked, timezone.localdate())
        return _save(actor, locked, before, "feedback.update", text(reason))


def resolve_feedback(
    actor: Actor,
    feedback: Feedback,
    *,
    resolution: str,
    resolved_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Feedback:
    """Close a feedback with what was done (default date today)."""
    resolution = text(resolution)
    if is_filler_result(resolution):
        raise ValidationError({"resolution": RESULT_MESSAGE})
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked(actor, feedback, expected_version)
        if locked.status != FeedbackStatus.OPEN:
            raise ValidationError({"status": "该反馈已解决"})
        if locked.kind == FeedbackKind.SUGGESTION and not locked.improvement_plan:
            raise ValidationError({"resolution": "建议需先反馈优化方案,才能标记为已解决"})
        day = resolved_on or today
        if problem := rules.check_answer_date(day, locked.received_on, today, "解决日期"):
            raise ValidationError({"resolved_on": problem})
        before = snapshot(locked, AUDITED)
        locked.status, locked.resolution, locked.resolved_on = (
            FeedbackStatus.RESOLVED,
            resolution,
            day,
        )
        locked.resolved_by = actor.user
        return _save(actor, locked, before, "feedback.resolve", "")


def reopen_feedback(
    actor: Actor, feedback: Feedback, *, reason: str, expected_version: int | None = None
) -> Feedback:
    """Back to open (the customer came back on it): the resolution is cleared on the row."""
    reason = text(reason)
    if not reason:
        raise ValidationError({"reason": "重新打开反馈需要填写原因"})
    with transaction.atomic():
        locked = _locked(actor, feedback, expected_version)
        if locked.status == FeedbackStatus.OPEN:
            raise ValidationError({"status": "该反馈尚未解决"})
        before = snapshot(locked, AUDITED)
        locked.status, locked.resolution, locked.resolved_on = FeedbackStatus.OPEN, "", None
        locked.resolved_by = None
        return _save(actor, locked, before, "feedback.reopen", reason)


def plan_feedback_improvement(
    actor: Actor,
    feedback: Feedback,
    *,
    plan: str,
    planned_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Feedback:
    """The improvement plan answering a suggestion (default date today)."""
    with transaction.atomic():
        locked = locked_for_edit(actor, Feedback, feedback, expected_version, "客户反馈")
        if locked.kind != FeedbackKind.SUGGESTION:
            raise ValidationError({"plan": "只有建议类反馈需要反馈优化方案"})
        return plan_improvement(actor, locked, locked.received_on, plan, planned_on, "feedback")
