"""The core customer pool 核心客户池 and its quarterly deep visits 深度回访 (seed 002: 对满意度
≥90分的客户,纳入"核心客户池",每季度由客户成功经理进行1次深度回访).

- membership follows the customer's latest survey (by survey date, then the later entry):
  overall ≥ 90 is in, below is out; entering and leaving are audit rows on the customer
  (`corepool.enter` / `corepool.leave`); `since` is the day the customer entered;
- being in the pool means one deep-visit to-do per calendar quarter (a CoreVisit row per
  customer and quarter makes it idempotent, also across leaving and coming back in the same
  quarter): entering schedules the current quarter's, the daily run each later one;
- the to-do goes to the customer-success owner: the earliest-added active collaborator whose
  role is customer success, else the customer's owner; it is due on the quarter's last
  working day (not before today); when that owner's account is disabled no to-do is made (the
  survey is still recorded) and the daily run tries again, counting the customer as skipped;
- leaving stops the scheduling; a visit to-do already open stays (a customer whose score fell
  is worth the visit more than ever) until someone completes or cancels it.
"""

from __future__ import annotations

import datetime
from contextlib import suppress
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.models import Collaborator, Customer
from crm.records import services as record_services
from crm.records.models import Task

from .. import clocks, rules
from ..models import CorePoolMember, CoreVisit, Survey


def success_owner(customer: Customer) -> User:
    """Who makes the deep visits: a customer-success collaborator, else the owner."""
    link = (
        Collaborator.objects.filter(
            customer_id=customer.pk, user__role=Role.CUSTOMER_SUCCESS, user__is_active=True
        )
        .select_related("user")
        .order_by("added_at", "pk")
        .first()
    )
    return link.user if link is not None else customer.owner


def sync_core_pool(actor: Actor, customer: Customer, today: datetime.date) -> CorePoolMember | None:
    """Enter or leave the pool after a survey write (the caller locked the customer)."""
    latest = Survey.objects.filter(customer_id=customer.pk).order_by("-surveyed_on", "-pk").first()
    member = CorePoolMember.objects.filter(customer_id=customer.pk).first()
    if latest is None or not rules.in_core_pool(latest.overall):
        if member is not None:
            _leave(actor, customer, member, latest)
        return None
    if member is None:
        return _enter(actor, customer, latest, today)
    if member.survey_id != latest.pk:
        CorePoolMember.objects.filter(pk=member.pk).update(survey=latest)
        member.survey = latest
    return member


def _score(survey: Survey) -> str:
    return f"最近一次满意度调查({survey.surveyed_on:%Y-%m-%d})综合评分 {survey.overall} 分"


def _enter(
    actor: Actor, customer: Customer, survey: Survey, today: datetime.date
) -> CorePoolMember:
    member = CorePoolMember.objects.create(customer=customer, since=today, survey=survey)
    audit.record(
        actor,
        "corepool.enter",
        member,
        customer=customer,
        changes={"core_pool": {"before": False, "after": True}},
        reason=f"{_score(survey)},达到 {rules.CORE_POOL_THRESHOLD} 分",
    )
    with suppress(ValidationError):  # the visit owner's account is disabled: the daily run retries
        schedule_visit(actor, customer, today)
    return member


def _leave(actor: Actor, customer: Customer, member: CorePoolMember, survey: Survey | None) -> None:
    reason = f"{_score(survey)},低于 {rules.CORE_POOL_THRESHOLD} 分" if survey else "没有满意度调查"
    audit.record(
        actor,
        "corepool.leave",
        member,
        customer=customer,
        changes={"core_pool": {"before": True, "after": False}},
        reason=reason,
    )
    member.delete()


def schedule_visit(actor: Actor, customer: Customer, today: datetime.date) -> Task | None:
    """This quarter's deep-visit to-do, unless the customer has one already (then None)."""
    year, quarter = rules.quarter_of(today)
    if CoreVisit.objects.filter(customer_id=customer.pk, year=year, quarter=quarter).exists():
        return None
    owner = success_owner(customer)
    try:
        with transaction.atomic():  # a concurrent run's visit wins; this to-do goes with it
            task = _visit_task(actor, customer, owner, year, quarter, clocks.visit_due(today))
            CoreVisit.objects.create(customer=customer, year=year, quarter=quarter, task=task)
    except IntegrityError:
        return None
    return task


def _visit_task(
    actor: Actor, customer: Customer, owner: User, year: int, quarter: int, due: datetime.date
) -> Task:
    fields: dict[str, Any] = {
        "owner": owner,
        "description": rules.visit_description(year, quarter),
        "due": max(due, timezone.localdate()),  # a catch-up run for a past day
    }
    if actor.user is not None:
        return record_services.create_task(actor, customer=customer, **fields)
    # The daily run acts as the system, which create_task cannot authorise (it checks a
    # user's access to the customer); this is the same write, validation and audit row.
    with transaction.atomic():
        return record_services._create_task(actor, customer, None, fields)
