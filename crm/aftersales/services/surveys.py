"""Satisfaction surveys 满意度调查 and their improvement plans 优化方案.

- a survey scores response speed and the deliverable 1-5 and the whole 0-100, with
  suggestions and the referral intent (有 / 无 / 待定); it may belong to one of the customer's
  deliveries, which must be accepted by the survey date: the delivery's first survey answers
  its survey clock (`Delivery.surveyed_on`);
- suggestions (other than filler such as 「无」) start the improvement clock: a plan is due
  15 working days after the survey (`improvement_due_on`), answered by plan_survey_improvement;
- after every survey write the core pool follows the customer's latest survey
  (crm.aftersales.services.corepool);
- editors of the customer write; every write is audited on the customer's timeline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.services.related import (
    BAD_KEYS,
    editable_customer,
    get_visible,
    pk_of,
    reject_unknown,
)

from .. import clocks, rules
from ..models import Delivery, Survey
from .common import (
    full_clean,
    lock_customer,
    locked_for_edit,
    save_new,
    save_version,
    snapshot,
    text,
)
from .corepool import sync_core_pool
from .improvements import plan_improvement

SURVEY_FIELDS = (
    "delivery",
    "surveyed_on",
    "method",
    "response_speed",
    "deliverable",
    "overall",
    "suggestions",
    "referral_intent",
)
AUDITED = (*SURVEY_FIELDS, "improvement_due_on")


def get_visible_survey(actor: Actor, pk: Any) -> Survey:
    return get_visible(actor, Survey, pk)


def _delivery_of(customer_id: int, value: Any) -> Delivery | None:
    if value in (None, ""):
        return None
    try:
        return Delivery.objects.select_for_update().get(pk=pk_of(value), customer_id=customer_id)
    except (Delivery.DoesNotExist, *BAD_KEYS) as exc:
        raise ValidationError({"delivery": "所选交付不属于该客户"}) from exc


def _check(survey: Survey, today: datetime.date) -> None:
    survey.suggestions = text(survey.suggestions)
    delivery = survey.delivery
    accepted_on = delivery.accepted_on if delivery else None
    full_clean(
        survey,
        lambda: rules.check_survey_dates(
            survey.surveyed_on, accepted_on, delivery is not None, today
        ),
        exclude=["customer", "delivery"],
    )
    started = survey.surveyed_on if rules.has_suggestions(survey.suggestions) else None
    survey.improvement_due_on = clocks.improvement_due(started)


def _sync_delivery(delivery_id: int | None) -> None:
    """The delivery's survey clock is answered by its first survey (a derived date)."""
    if delivery_id is None:
        return
    first = Survey.objects.filter(delivery_id=delivery_id).aggregate(on=Min("surveyed_on"))["on"]
    Delivery.objects.filter(pk=delivery_id).update(surveyed_on=first)


def record_survey(
    actor: Actor,
    *,
    customer: Any,
    surveyed_on: datetime.date,
    response_speed: int,
    deliverable: int,
    overall: int,
    referral_intent: str,
    suggestions: str = "",
    method: str = "",
    delivery: Any = None,
) -> Survey:
    found = editable_customer(actor, customer)
    today = timezone.localdate()
    with transaction.atomic():
        lock_customer(found.pk)
        survey = Survey(
            customer=found,
            delivery=_delivery_of(found.pk, delivery),
            surveyed_on=surveyed_on,
            method=method,
            response_speed=response_speed,
            deliverable=deliverable,
            overall=overall,
            suggestions=suggestions,
            referral_intent=referral_intent,
        )
        _check(survey, today)
        save_new(survey, actor)
        audit.record(
            actor,
            "survey.create",
            survey,
            customer=found,
            changes=audit.diff({}, snapshot(survey, AUDITED)),
        )
        _sync_delivery(survey.delivery_id)
        sync_core_pool(actor, found, today)
    return survey


def update_survey(
    actor: Actor,
    survey: Survey,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Survey:
    """Correct a survey; the delivery clocks and the core pool follow."""
    reject_unknown(fields, SURVEY_FIELDS)
    today = timezone.localdate()
    with transaction.atomic():
        visible = get_visible_survey(actor, survey)
        lock_customer(visible.customer_id)
        locked = locked_for_edit(actor, Survey, visible, expected_version, "满意度调查")
        if "delivery" in fields:
            fields["delivery"] = _delivery_of(locked.customer_id, fields["delivery"])
        before, old_delivery = snapshot(locked, AUDITED), locked.delivery_id
        for name, value in fields.items():
            setattr(locked, name, value)
        _check(locked, today)
        changes = audit.diff(before, snapshot(locked, AUDITED))
        if not changes:
            return locked
        save_version(locked)
        audit.record(
            actor,
            "survey.update",
            locked,
            customer=locked.customer,
            changes=changes,
            reason=text(reason),
        )
        for delivery_id in {old_delivery, locked.delivery_id}:
            _sync_delivery(delivery_id)
        sync_core_pool(actor, locked.customer, today)
    return locked


def plan_survey_improvement(
    actor: Actor,
    survey: Survey,
    *,
    plan: str,
    planned_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Survey:
    """The improvement plan 优化方案 answering the survey's suggestions (default date today)."""
    with transaction.atomic():
        locked = locked_for_edit(actor, Survey, survey, expected_version, "满意度调查")
        if locked.improvement_due_on is None and not locked.improvement_plan:
            raise ValidationError({"plan": "该调查没有改进建议,无需反馈优化方案"})
        return plan_improvement(actor, locked, locked.surveyed_on, plan, planned_on, "survey")
