"""Reads of the after-sales loop; every query starts from visible_to(user) through the customer
(the case library: every signed-in user).

SLA clocks (crm.aftersales.clocks) are read as `ClockRow`s with their status for `today`
(open / due_today / breached / met):
- `customer_clocks`: a customer's open clocks and its breached ones, answered late included
  (the customer page), soonest due first;
- `owner_clocks`: the open clocks of the customers a user owns (the agenda), overdue ones
  included as breached, soonest due first; answered clocks are done and not listed;
- `breach_counts`: breaches per clock and in total (open past due, or answered late), for a
  customer, an owner or everything visible, optionally for clocks due in a date range.
Each costs three queries whatever the data (deliveries, surveys, suggestion feedback).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from crm.accounts.models import User
from crm.customers.models import Customer
from crm.workdays import sla

from . import clocks
from .choices import FeedbackKind, FeedbackStatus, RiskStatus
from .models import (
    Case,
    CorePoolMember,
    Delivery,
    DeliveryProgress,
    Feedback,
    Referral,
    Risk,
    Survey,
)

CASES_PAGE = 20
CLOCK_ORDER = {"acceptance": 0, "survey": 1, "improvement": 2}


def _pk(value: Any) -> int:
    return int(value.pk if hasattr(value, "pk") else value)


# --- rows of a customer -------------------------------------------------------------------------


def deliveries(user: User, customer: Customer | int) -> list[Delivery]:
    """The customer's deliveries, newest first, each with its progress notes (newest first)."""
    notes = DeliveryProgress.objects.select_related("author").order_by("-noted_on", "-pk")
    return list(
        Delivery.objects.visible_to(user)
        .filter(customer_id=_pk(customer))
        .select_related("contract")
        .prefetch_related(Prefetch("progress", queryset=notes))
        .order_by("-id")
    )


def surveys(user: User, customer: Customer | int) -> list[Survey]:
    """The customer's surveys, latest first (the first one decides the core pool)."""
    qs = Survey.objects.visible_to(user).filter(customer_id=_pk(customer))
    return list(qs.select_related("delivery").order_by("-surveyed_on", "-pk"))


def core_membership(user: User, customer: Customer | int) -> CorePoolMember | None:
    qs = CorePoolMember.objects.visible_to(user).filter(customer_id=_pk(customer))
    return qs.select_related("survey").first()


def core_pool(user: User) -> QuerySet[CorePoolMember]:
    """The visible core customers, latest to enter first."""
    return (
        CorePoolMember.objects.visible_to(user)
        .select_related("customer", "customer__owner", "survey")
        .order_by("-since", "-pk")
    )


def feedback(
    user: User, customer: Customer | int, *, status: str | None = None, kind: str | None = None
) -> QuerySet[Feedback]:
    qs = Feedback.objects.visible_to(user).filter(customer_id=_pk(customer))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("resolved_by").order_by("-received_on", "-pk")


def open_complaints(user: User, customer: Customer | int) -> QuerySet[Feedback]:
    return feedback(user, customer, status=FeedbackStatus.OPEN, kind=FeedbackKind.COMPLAINT)


def with_referred_sight(qs: QuerySet[Referral], user: User | None) -> QuerySet[Referral]:
    """Annotate `referred_visible`: whether the user may see the referred customer's archive
    (its name is shown only then: seeing the referrer does not open another team's customer)."""
    seen = Customer.objects.visible_to(user).filter(pk=OuterRef("referred_id"))
    return qs.annotate(referred_visible=Exists(seen))


def with_customer_sight(qs: QuerySet[Case], user: User | None) -> QuerySet[Case]:
    """Annotate `customer_seen` on cases: everyone reads the case library, but the customer's
    name is shown only to those who may see that customer."""
    seen = Customer.objects.visible_to(user).filter(pk=OuterRef("customer_id"))
    return qs.annotate(customer_seen=Exists(seen))


def referrals(user: User, customer: Customer | int) -> QuerySet[Referral]:
    """Referrals the customer made (as referrer), newest first."""
    qs = Referral.objects.visible_to(user).filter(customer_id=_pk(customer))
    qs = with_referred_sight(qs, user)
    return qs.select_related("referred").order_by("-referred_on", "-pk")


def risks(user: User, customer: Customer | int, *, status: str | None = None) -> QuerySet[Risk]:
    qs = Risk.objects.visible_to(user).filter(customer_id=_pk(customer))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("owner").order_by("status", "due_on", "pk")


def owner_risks(viewer: User, owner: User, today: datetime.date) -> list[Risk]:
    """Open risks a user is responsible for, soonest due first; `overdue` set on each."""
    qs = Risk.objects.visible_to(viewer).filter(owner=owner, status=RiskStatus.OPEN)
    rows = list(qs.select_related("customer").order_by("due_on", "pk"))
    for risk in rows:
        risk.overdue = risk.due_on < today  # type: ignore[attr-defined]
    return rows


# --- the case library ---------------------------------------------------------------------------


def case_library(
    user: User,
    *,
    kind: str | None = None,
    tag: str | None = None,
    before: int | None = None,
    limit: int = CASES_PAGE,
) -> tuple[list[Case], int | None]:
    """A page of cases, newest first, and the cursor of the next page (keyset on id)."""
    qs = Case.objects.visible_to(user).select_related("customer", "created_by")
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tag_index__contains=f"|{' '.join(tag.split())}|")
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1].pk


# --- SLA clocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockRow:
    code: str  # acceptance / survey / improvement
    label: str
    status: str  # crm.workdays.sla: open / due_today / breached / met
    started_on: datetime.date
    due_on: datetime.date
    done_on: datetime.date | None
    customer_id: int
    customer_name: str
    object_type: str  # delivery / survey / feedback
    object_id: int
    subject: str

    @property
    def breached(self) -> bool:
        return self.status == sla.BREACHED


DELIVERY_COLUMNS = (
    "pk",
    "title",
    "customer_id",
    "customer__name",
    "delivered_on",
    "acceptance_due_on",
    "accepted_on",
    "survey_due_on",
    "surveyed_on",
)
PLAN_COLUMNS = ("pk", "customer_id", "customer__name")
OPEN_ACCEPTANCE = Q(delivered_on__isnull=False, accepted_on__isnull=True)
OPEN_SURVEY = Q(accepted_on__isnull=False, surveyed_on__isnull=True)
LATE_ACCEPTANCE = Q(accepted_on__gt=F("acceptance_due_on"))
LATE_SURVEY = Q(surveyed_on__gt=F("survey_due_on"))
OPEN_PLAN = Q(improvement_due_on__isnull=False, improvement_planned_on__isnull=True)
LATE_PLAN = Q(improvement_planned_on__gt=F("improvement_due_on"))


# (start, due, answered) columns of each clock on its row
DELIVERY_CLOCKS = {
    "acceptance": ("delivered_on", "acceptance_due_on", "accepted_on"),
    "survey": ("accepted_on", "survey_due_on", "surveyed_on"),
}


def _row(
    code: str, r: dict[str, Any], columns: tuple[str, str, str], today: datetime.date, kind: str
) -> ClockRow:
    start, due, done = columns
    subject = r["title"] if kind == "delivery" else f"改进建议({r[start]:%Y-%m-%d})"
    return ClockRow(
        code=code,
        label=str(clocks.CLOCKS[code].label),
        status=clocks.status(r[due], r[done], today),
        started_on=r[start],
        due_on=r[due],
        done_on=r[done],
        customer_id=r["customer_id"],
        customer_name=r["customer__name"],
        object_type=kind,
        object_id=r["pk"],
        subject=subject,
    )


def _delivery_clocks(qs: QuerySet[Delivery], today: datetime.date, late: bool) -> list[ClockRow]:
    """Open clocks, and with `late` the breached answered ones; up to two per delivery."""
    wanted = OPEN_ACCEPTANCE | OPEN_SURVEY
    if late:
        wanted |= LATE_ACCEPTANCE | LATE_SURVEY
    found: list[ClockRow] = []
    for r in qs.filter(wanted).values(*DELIVERY_COLUMNS):
        for code, columns in DELIVERY_CLOCKS.items():
            if r[columns[1]] is None:  # not started
                continue
            row = _row(code, r, columns, today, "delivery")
            if row.done_on is None or (late and row.breached):
                found.append(row)
    return found


def _plan_clocks(
    qs: QuerySet[Any], start: str, kind: str, today: datetime.date, late: bool
) -> list[ClockRow]:
    wanted = (OPEN_PLAN | LATE_PLAN) if late else OPEN_PLAN
    columns = (start, "improvement_due_on", "improvement_planned_on")
    rows = qs.filter(wanted).values(*PLAN_COLUMNS, *columns)
    return [_row("improvement", r, columns, today, kind) for r in rows]


def _clocks(user: User, scope: Q, today: datetime.date, late: bool) -> list[ClockRow]:
    rows = _delivery_clocks(Delivery.objects.visible_to(user).filter(scope), today, late)
    rows += _plan_clocks(
        Survey.objects.visible_to(user).filter(scope), "surveyed_on", "survey", today, late
    )
    suggestions = Feedback.objects.visible_to(user).filter(scope, kind=FeedbackKind.SUGGESTION)
    rows += _plan_clocks(suggestions, "received_on", "feedback", today, late)
    return sorted(rows, key=lambda c: (c.due_on, CLOCK_ORDER[c.code], c.object_id))


def customer_clocks(user: User, customer: Customer | int, today: datetime.date) -> list[ClockRow]:
    return _clocks(user, Q(customer_id=_pk(customer)), today, late=True)


def owner_clocks(viewer: User, owner: User | int, today: datetime.date) -> list[ClockRow]:
    return _clocks(viewer, Q(customer__owner_id=_pk(owner)), today, late=False)


def _breached(done: str, due: str, today: datetime.date) -> Q:
    return Q(**{f"{done}__isnull": True, f"{due}__lt": today}) | Q(**{f"{done}__gt": F(due)})


def _window(due: str, due_between: tuple[datetime.date, datetime.date] | None) -> Q:
    return Q(**{f"{due}__range": due_between}) if due_between else Q()


def breach_counts(
    user: User,
    today: datetime.date,
    *,
    customer: Customer | int | None = None,
    owner: User | int | None = None,
    due_between: tuple[datetime.date, datetime.date] | None = None,
) -> dict[str, int]:
    """{"acceptance": n, "survey": n, "improvement": n, "total": n} of breached clocks."""
    scope = Q()
    if customer is not None:
        scope &= Q(customer_id=_pk(customer))
    if owner is not None:
        scope &= Q(customer__owner_id=_pk(owner))
    acceptance = _breached("accepted_on", "acceptance_due_on", today)
    survey = _breached("surveyed_on", "survey_due_on", today)
    plan = _breached("improvement_planned_on", "improvement_due_on", today)
    plan &= _window("improvement_due_on", due_between)
    counts = (
        Delivery.objects.visible_to(user)
        .filter(scope)
        .aggregate(
            acceptance=Count("pk", filter=acceptance & _window("acceptance_due_on", due_between)),
            survey=Count("pk", filter=survey & _window("survey_due_on", due_between)),
        )
    )
    on_surveys = Survey.objects.visible_to(user).filter(scope).aggregate(n=Count("pk", filter=plan))
    on_feedback = (
        Feedback.objects.visible_to(user)
        .filter(scope, kind=FeedbackKind.SUGGESTION)
        .aggregate(n=Count("pk", filter=plan))
    )
    counts["improvement"] = on_surveys["n"] + on_feedback["n"]
    counts["total"] = counts["acceptance"] + counts["survey"] + counts["improvement"]
    return counts
