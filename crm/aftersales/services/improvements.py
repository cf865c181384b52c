"""The improvement plan 优化方案 that answers a suggestion's 15-working-day clock, on a survey
or on a suggestion feedback (seed 002: 对提出改进建议的客户,15个工作日内反馈优化方案).

The plan says what will change (vague text such as 「已处理」 is refused); its date defaults to
today, or stays the first one when a plan is revised; it is not before the suggestion nor in
the future. A revision is audited with before/after like the first plan.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.records.rules import is_filler_result

from .. import rules
from .common import save_version, text

FIELDS = ("improvement_plan", "improvement_planned_on")
PLAN_MESSAGE = "请写明优化方案(例如「每月5日前提供运维报告」),不能只写「已处理」「无」"


def plan_improvement(
    actor: Actor,
    obj: Any,
    started_on: datetime.date,
    plan: str,
    planned_on: datetime.date | None,
    object_name: str,
) -> Any:
    """Write the plan on a locked survey or feedback (the caller's transaction)."""
    plan = text(plan)
    if is_filler_result(plan):
        raise ValidationError({"plan": PLAN_MESSAGE})
    day = planned_on or obj.improvement_planned_on or timezone.localdate()
    problem = rules.check_answer_date(day, started_on, timezone.localdate(), "优化方案反馈日期")
    if problem:
        raise ValidationError({"planned_on": problem})
    before = audit.snapshot(obj, FIELDS)
    obj.improvement_plan, obj.improvement_planned_on = plan, day
    changes = audit.diff(before, audit.snapshot(obj, FIELDS))
    if not changes:
        return obj
    save_version(obj)
    audit.record(actor, f"{object_name}.improvement", obj, customer=obj.customer, changes=changes)
    return obj
