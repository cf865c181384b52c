"""The SLA clocks of the five-step process (seed 002) in one read, for the customer page's
服务时限 card and the owner's agenda: the step-4 clocks of crm.pipeline.clocks (solution 方案提交,
objection 异议响应, handover 内部交接) merged with the after-sales ones of
crm.aftersales.selectors (acceptance 验收确认, survey 满意度调查, improvement 优化方案).

- Rows are `crm.workdays.sla.ClockRow`s, soonest due first; on the same day a breached clock
  comes first, then the order of the process. Breached ones say so (`row.breached`).
- Everything is read through visible_to(user) in both apps: a clock of a customer the user
  may not see is not listed and not counted.
- A fixed number of queries whatever the data: three per app (opportunities, objections,
  contracts; deliveries, surveys, suggestion feedback), six in all; the agenda adds three
  counts, since it reads only the soonest step-4 clocks of each kind (an owner may have
  thousands of contracts waiting for a handover).
- `today` decides the status of the working-day clocks; the objection clock runs on the wall
  clock (24 hours from the moment it was raised, `timezone.now()`).
- Breaches: the customer page shows (and counts) a customer's open clocks and its after-sales
  clocks answered late; the agenda lists and counts the owner's open clocks, so its breach
  counts are "open past due" for every clock. `breach_counts` merges the two apps' counts:
  step-4 clocks count while open past due (their due dates are not stored), after-sales clocks
  also when answered late.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.aftersales import selectors as aftersales
from crm.aftersales.choices import FeedbackKind
from crm.aftersales.models import Delivery, Feedback, Survey
from crm.customers.models import Customer
from crm.pipeline import clocks as pipeline
from crm.pipeline.choices import SIGNED_STATUSES, OpportunityStatus
from crm.pipeline.models import Contract, Objection, Opportunity
from crm.workdays import sla
from crm.workdays.calendar import add_workdays

CODES = ("solution", "objection", "handover", "acceptance", "survey", "improvement")
ORDER = {code: i for i, code in enumerate(CODES)}
OWNER_LIMIT = 30  # rows the agenda shows; the counts are over every open clock
EVERY = 10_000  # the step-4 reader's bound when counting (as crm.pipeline.clocks does)
DAY_CLOCKS = {sla.SOLUTION.code, sla.HANDOVER.code}  # the step-4 clocks counted in days


def _pk(value: Any) -> int:
    return int(value.pk if hasattr(value, "pk") else value)


def _sorted(rows: list[sla.ClockRow]) -> list[sla.ClockRow]:
    return sorted(rows, key=lambda r: (r.due, not r.breached, ORDER[r.code], r.subject))


def _step4(
    scope: dict[str, Any], user: User, today: datetime.date, limit: int
) -> list[sla.ClockRow]:
    """The pipeline's open clocks, the day clocks' status for `today`."""
    rows = pipeline.open_clocks(scope, limit, user=user)
    return [
        dataclasses.replace(r, status=sla.status(r.due, None, today)) if r.code in DAY_CLOCKS else r
        for r in rows
    ]


def _aftersales(rows: list[aftersales.ClockRow]) -> list[sla.ClockRow]:
    return [
        sla.ClockRow(
            code=r.code,
            label=r.label,
            subject=r.subject,
            customer_id=r.customer_id,
            customer_name=r.customer_name,
            due=r.due_on,
            status=r.status,
            done_on=r.done_on,
        )
        for r in rows
    ]


def count_breaches(rows: list[sla.ClockRow]) -> dict[str, int]:
    """{clock code: n, …, "total": n} of the breached rows."""
    counts = dict.fromkeys(CODES, 0)
    for row in rows:
        if row.breached:
            counts[row.code] += 1
    counts["total"] = sum(counts.values())
    return counts


def customer_clocks(
    user: User, customer: Customer | int, today: datetime.date
) -> list[sla.ClockRow]:
    """A customer's open clocks and its after-sales clocks answered late: six queries."""
    pk = _pk(customer)
    rows = _step4({"customer_id": pk}, user, today, pipeline.LIMIT)
    rows += _aftersales(aftersales.customer_clocks(user, pk, today))
    return _sorted(rows)


@dataclasses.dataclass(frozen=True)
class OwnerClocks:
    rows: list[sla.ClockRow]  # the first `limit`, overdue first
    total: int  # every open clock
    breaches: dict[str, int]  # open past due, per clock and "total"


def owner_summary(
    user: User, owner: User | int, today: datetime.date, limit: int = OWNER_LIMIT
) -> OwnerClocks:
    """The open clocks of `owner`'s business as `user` sees them and the breach counts over
    all of them (open past due): nine queries.

    The step-4 clocks are those of the opportunities `owner` is responsible for and of the
    contracts of the customers they own; the after-sales ones those of their customers."""
    pk = _pk(owner)
    # the step-4 clocks: the soonest `limit` of each kind (due grows with the start) and the
    # counts in the database, so an owner with thousands of open contracts reads 3 × limit rows
    total, breaches = _step4_counts(user, pk, today, timezone.now())
    after = _aftersales(aftersales.owner_clocks(user, pk, today))
    rows = _sorted(_step4({"owner": pk}, user, today, limit) + after)
    for code, n in count_breaches(after).items():
        breaches[code] += n
    return OwnerClocks(rows[:limit], total + len(after), breaches)


def _step4_counts(
    user: User, owner: int, today: datetime.date, now: datetime.datetime
) -> tuple[int, dict[str, int]]:
    """The owner's open step-4 clocks (those crm.pipeline.clocks.open_clocks lists for
    scope owner=…) as `user` sees them: how many, and how many per code are past due — by the
    start-day cutoffs of member_breaches, which agree with the rows' due dates. Three queries."""
    seen = policy.customer_scope(user, "customer__")
    seen_objections = policy.customer_scope(user, "opportunity__customer__")
    found = {
        "solution": Opportunity.objects.filter(seen, owner_id=owner, status=OpportunityStatus.OPEN)
        .filter(needs_confirmed_on__isnull=False, solution_submitted_on__isnull=True)
        .aggregate(
            total=Count("pk"),
            late=Count(
                "pk", filter=Q(needs_confirmed_on__lt=started_before_breach(sla.SOLUTION, today))
            ),
        ),
        "objection": Objection.objects.filter(
            seen_objections, opportunity__owner_id=owner, answered_at__isnull=True
        ).aggregate(
            total=Count("pk"), late=Count("pk", filter=Q(raised_at__lt=now - sla.HOURS_24))
        ),
        "handover": Contract.objects.filter(seen, customer__owner_id=owner)
        .filter(status__in=SIGNED_STATUSES, signed_on__isnull=False, handover_on__isnull=True)
        .aggregate(
            total=Count("pk"),
            late=Count("pk", filter=Q(signed_on__lt=started_before_breach(sla.HANDOVER, today))),
        ),
    }
    breaches = dict.fromkeys(CODES, 0)
    for code, counts in found.items():
        breaches[code] = counts["late"]
    breaches["total"] = sum(breaches[c] for c in CODES)
    return sum(c["total"] for c in found.values()), breaches


def owner_clocks(
    user: User, owner: User | int, today: datetime.date, limit: int = OWNER_LIMIT
) -> list[sla.ClockRow]:
    """The owner's open clocks, soonest due (so overdue) first: nine queries."""
    return owner_summary(user, owner, today, limit).rows


def breach_counts(
    user: User,
    today: datetime.date,
    *,
    customer: Customer | int | None = None,
    owner: User | int | None = None,
) -> dict[str, int]:
    """Breaches per clock and in total, of one customer or one owner's business: six queries.
    Step-4 clocks count while open past due; after-sales clocks also when answered late."""
    if (customer is None) == (owner is None):
        raise TypeError("breach_counts needs exactly one of customer= or owner=")
    if customer is not None:
        scope: dict[str, Any] = {"customer_id": _pk(customer)}
    else:
        scope = {"owner": _pk(owner)}
    counts = count_breaches(_step4(scope, user, today, EVERY))
    late = aftersales.breach_counts(user, today, customer=customer, owner=owner)
    for code in ("acceptance", "survey", "improvement", "total"):
        counts[code] += late[code]
    return counts


# --- the team view: breaches per member, counted in the database ---------------------------


def started_before_breach(clock: sla.Clock, today: datetime.date) -> datetime.date:
    """The day a working-day clock must have started before to be past due on `today`:
    due_on(clock, s) < today exactly when s < this day (due_on grows with s)."""
    return add_workdays(today, -clock.workdays)


def member_breaches(
    viewer: User, members: list[User], today: datetime.date, now: datetime.datetime
) -> dict[int, int]:
    """{member pk: clocks open past due} for the agenda's team table, the same clocks as each
    member's agenda counts (owner_summary), as the viewer sees them: seven grouped COUNTs
    (after the viewer's scope), whatever the number of members or clocks."""
    if not members:
        return {}
    ids = [m.pk for m in members]
    seen = policy.customer_scope(viewer, "customer__")
    seen_objections = policy.customer_scope(viewer, "opportunity__customer__")
    by_owner = [
        Opportunity.objects.filter(seen, owner_id__in=ids, status=OpportunityStatus.OPEN)
        .filter(solution_submitted_on__isnull=True)
        .filter(needs_confirmed_on__lt=started_before_breach(sla.SOLUTION, today))
        .values_list("owner_id"),
        Objection.objects.filter(seen_objections, opportunity__owner_id__in=ids)
        .filter(answered_at__isnull=True, raised_at__lt=now - sla.HOURS_24)
        .values_list("opportunity__owner_id"),
        Contract.objects.filter(seen, customer__owner_id__in=ids, status__in=SIGNED_STATUSES)
        .filter(handover_on__isnull=True)
        .filter(signed_on__lt=started_before_breach(sla.HANDOVER, today))
        .values_list("customer__owner_id"),
        Delivery.objects.visible_to(viewer)
        .filter(customer__owner_id__in=ids, delivered_on__isnull=False)
        .filter(accepted_on__isnull=True, acceptance_due_on__lt=today)
        .values_list("customer__owner_id"),
        Delivery.objects.visible_to(viewer)
        .filter(customer__owner_id__in=ids, accepted_on__isnull=False)
        .filter(surveyed_on__isnull=True, survey_due_on__lt=today)
        .values_list("customer__owner_id"),
        Survey.objects.visible_to(viewer)
        .filter(customer__owner_id__in=ids, improvement_planned_on__isnull=True)
        .filter(improvement_due_on__lt=today)
        .values_list("customer__owner_id"),
        Feedback.objects.visible_to(viewer)
        .filter(customer__owner_id__in=ids, kind=FeedbackKind.SUGGESTION)
        .filter(improvement_planned_on__isnull=True, improvement_due_on__lt=today)
        .values_list("customer__owner_id"),
    ]
    counts = dict.fromkeys(ids, 0)
    for rows in by_owner:
        for owner_id, n in rows.annotate(n=Count("pk")).order_by():
            counts[owner_id] += n
    return counts
