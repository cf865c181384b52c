"""Risk warnings 风险预警: competition 竞争风险, price 价格敏感度, decision chain 决策链变动,
satisfaction 服务满意度 or other, at a level high / medium / low.

- a risk says what threatens the customer and the countermeasure 应对措施 (both specific, not
  「无」), the day it was raised (default today, not ahead), an owner (active, of a role that
  works customers, able to see this customer; default the actor) and a due date (not before
  today, except for imports);
- it is closed with its outcome, effective or not (and an optional note), on or after the
  day it was raised; a closed risk can be reopened with a reason; an open one can be corrected;
- Customer.flag_churn_risk 流失风险 follows "the customer has an open high risk": after every
  risk write it is set or cleared with one UPDATE and audited when it flips (a flag set by
  hand holds until the next risk write of that customer);
- editors of the customer write; every write is audited on the customer's timeline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.services.related import editable_customer, get_visible, reject_unknown
from crm.records.rules import is_filler

from .. import rules
from ..choices import RiskLevel, RiskOutcome, RiskStatus
from ..models import Risk
from .common import (
    check_owner,
    full_clean,
    lock_customer,
    locked_for_edit,
    save_new,
    save_version,
    snapshot,
    sync_flag,
    text,
)

RISK_FIELDS = ("kind", "level", "description", "countermeasure", "raised_on", "owner", "due_on")
AUDITED = (*RISK_FIELDS, "status", "outcome", "outcome_note", "closed_on")
CHURN_REASONS = ("有未关闭的高风险预警", "高风险预警已全部关闭或降级")


def get_visible_risk(actor: Actor, pk: Any) -> Risk:
    return get_visible(actor, Risk, pk)


def _check(actor: Actor, risk: Risk, *, check_due: bool) -> None:
    risk.description, risk.countermeasure = text(risk.description), text(risk.countermeasure)
    today = timezone.localdate()
    late_ok = not check_due or actor.source == "import" or risk.due_on is None

    def checks() -> dict[str, str | None]:
        return {
            "description": "请写明风险的具体情况" if is_filler(risk.description) else None,
            "countermeasure": "请写明具体的应对措施" if is_filler(risk.countermeasure) else None,
            "owner": check_owner(risk.owner, risk.customer),
            "raised_on": rules.future_error(risk.raised_on, today, "预警日期"),
            "due_on": None if late_ok or risk.due_on >= today else "处理期限不能早于今天",
        }

    full_clean(risk, checks, exclude=["customer", "owner"])


def sync_churn_flag(actor: Actor, customer_id: int) -> bool:
    def open_high_risk() -> bool:
        return Risk.objects.filter(
            customer_id=customer_id, level=RiskLevel.HIGH, status=RiskStatus.OPEN
        ).exists()

    return sync_flag(actor, customer_id, "flag_churn_risk", open_high_risk, CHURN_REASONS)


def raise_risk(
    actor: Actor,
    *,
    customer: Any,
    kind: str,
    level: str,
    description: str,
    countermeasure: str,
    due_on: datetime.date,
    owner: User | None = None,
    raised_on: datetime.date | None = None,
) -> Risk:
    found = editable_customer(actor, customer)
    risk = Risk(
        customer=found,
        kind=kind,
        level=level,
        description=description,
        countermeasure=countermeasure,
        due_on=due_on,
        raised_on=raised_on or timezone.localdate(),
        owner=owner or actor.user,
    )
    _check(actor, risk, check_due=True)
    with transaction.atomic():
        lock_customer(found.pk)
        save_new(risk, actor)
        audit.record(
            actor,
            "risk.create",
            risk,
            customer=found,
            changes=audit.diff({}, snapshot(risk, AUDITED)),
        )
        sync_churn_flag(actor, found.pk)
    return risk


def _locked(actor: Actor, risk: Risk, expected_version: int | None) -> Risk:
    visible = get_visible_risk(actor, risk)
    lock_customer(visible.customer_id)
    return locked_for_edit(actor, Risk, visible, expected_version, "风险预警")


def _save(actor: Actor, risk: Risk, before: dict[str, Any], action: str, reason: str) -> Risk:
    changes = audit.diff(before, snapshot(risk, AUDITED))
    if not changes:
        return risk
    save_version(risk)
    audit.record(actor, action, risk, customer=risk.customer, changes=changes, reason=reason)
    sync_churn_flag(actor, risk.customer_id)
    return risk


def update_risk(
    actor: Actor,
    risk: Risk,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Risk:
    """Correct an open risk: type, level, description, countermeasure, owner, due date."""
    reject_unknown(fields, RISK_FIELDS)
    with transaction.atomic():
        locked = _locked(actor, risk, expected_version)
        if locked.status != RiskStatus.OPEN:
            raise ValidationError({"status": "已关闭的风险预警不能修改,请先重新打开"})
        before = snapshot(locked, AUDITED)
        for name, value in fields.items():
            setattr(locked, name, value)
        moved = "due_on" in fields and str(fields["due_on"]) != before["due_on"]
        _check(actor, locked, check_due=moved)
        return _save(actor, locked, before, "risk.update", text(reason))


def close_risk(
    actor: Actor,
    risk: Risk,
    *,
    outcome: str,
    note: str = "",
    closed_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Risk:
    """Close a risk with its outcome: the countermeasure worked (effective) or not."""
    if outcome not in RiskOutcome.values:
        raise ValidationError({"outcome": "关闭风险预警需要选择应对结果(有效或无效)"})
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked(actor, risk, expected_version)
        if locked.status != RiskStatus.OPEN:
            raise ValidationError({"status": "该风险预警已关闭"})
        day = closed_on or today
        if problem := rules.check_answer_date(day, locked.raised_on, today, "关闭日期"):
            raise ValidationError({"closed_on": problem})
        before = snapshot(locked, AUDITED)
        locked.status, locked.outcome, locked.outcome_note = RiskStatus.CLOSED, outcome, text(note)
        locked.closed_on, locked.closed_by = day, actor.user
        return _save(actor, locked, before, "risk.close", "")


def reopen_risk(
    actor: Actor, risk: Risk, *, reason: str, expected_version: int | None = None
) -> Risk:
    """Back to open (the risk came back): the outcome is cleared on the row, kept in the audit."""
    reason = text(reason)
    if not reason:
        raise ValidationError({"reason": "重新打开风险预警需要填写原因"})
    with transaction.atomic():
        locked = _locked(actor, risk, expected_version)
        if locked.status == RiskStatus.OPEN:
            raise ValidationError({"status": "该风险预警尚未关闭"})
        before = snapshot(locked, AUDITED)
        locked.status, locked.outcome, locked.outcome_note = RiskStatus.OPEN, "", ""
        locked.closed_on, locked.closed_by = None, None
        return _save(actor, locked, before, "risk.reopen", reason)
