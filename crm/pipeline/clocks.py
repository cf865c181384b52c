"""The SLA clocks of step 4 (seed 002) on opportunities and contracts, for the customer page
and the owner's agenda (crm.workdays.sla has the rules):

| clock | starts | due | answered by |
|---|---|---|---|
| solution 方案提交 | Opportunity.needs_confirmed_on | 3 working days | solution_submitted_on |
| objection 异议响应 | Objection.raised_at | 24 hours later | answered_at |
| handover 内部交接 | Contract.signed_on | 1 working day later | handover_on |

Open clocks are those not answered yet (of open opportunities and signed contracts); each read
is one query, bounded by `limit`. Given `user`, every read starts from what that user may see
(the customer scope of crm.accounts.policy), as the customer page and the agenda need.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.accounts import policy
from crm.workdays import sla

from .choices import SIGNED_STATUSES, OpportunityStatus
from .models import Contract, Objection, Opportunity

LIMIT = 50


def _solution_rows(opps: QuerySet[Opportunity], today: datetime.date) -> list[sla.ClockRow]:
    rows = []
    for opp in opps:
        due = sla.due_on(sla.SOLUTION, opp.needs_confirmed_on)  # type: ignore[arg-type]
        rows.append(
            sla.ClockRow(
                sla.SOLUTION.code,
                str(sla.SOLUTION.label),
                opp.name,
                opp.customer_id,
                opp.customer.name,
                due,
                sla.status(due, None, today),
            )
        )
    return rows


def _objection_rows(objections: QuerySet[Objection], now: datetime.datetime) -> list[sla.ClockRow]:
    rows = []
    for objection in objections:
        opp = objection.opportunity
        due = sla.objection_due(objection.raised_at)
        rows.append(
            sla.ClockRow(
                "objection",
                str(sla.OBJECTION_LABEL),
                f"{opp.name}:{objection.content[:30]}",
                opp.customer_id,
                opp.customer.name,
                timezone.localdate(due),
                sla.objection_status(objection.raised_at, None, now),
            )
        )
    return rows


def _handover_rows(contracts: QuerySet[Contract], today: datetime.date) -> list[sla.ClockRow]:
    rows = []
    for contract in contracts:
        due = sla.due_on(sla.HANDOVER, contract.signed_on)  # type: ignore[arg-type]
        rows.append(
            sla.ClockRow(
                sla.HANDOVER.code,
                str(sla.HANDOVER.label),
                f"合同 {contract.number}",
                contract.customer_id,
                contract.customer.name,
                due,
                sla.status(due, None, today),
            )
        )
    return rows


def open_clocks(
    scope: dict[str, Any], limit: int = LIMIT, *, user: Any = None
) -> list[sla.ClockRow]:
    """Unanswered clocks of opportunities/contracts matching `scope` (customer_id=… or
    owner=…), earliest due first, restricted to what `user` may see when given: three
    queries."""
    now = timezone.now()
    today = timezone.localdate(now)
    seen = Q() if user is None else policy.customer_scope(user, "customer__")
    seen_objections = (
        Q() if user is None else policy.customer_scope(user, "opportunity__customer__")
    )
    opps = (
        Opportunity.objects.filter(seen, **scope, status=OpportunityStatus.OPEN)
        .filter(needs_confirmed_on__isnull=False, solution_submitted_on__isnull=True)
        .select_related("customer")
        .only("name", "needs_confirmed_on", "customer_id", "customer__name")
        .order_by("needs_confirmed_on")[:limit]
    )
    objections = (
        Objection.objects.filter(
            seen_objections,
            **{f"opportunity__{k}": v for k, v in scope.items()},
            answered_at__isnull=True,
        )
        .select_related("opportunity__customer")
        .order_by("raised_at")[:limit]
    )
    contract_scope = (
        Q(customer_id=scope["customer_id"])
        if "customer_id" in scope
        else Q(customer__owner=scope["owner"])
    )
    contracts = (
        Contract.objects.filter(seen, contract_scope, status__in=SIGNED_STATUSES)
        .filter(signed_on__isnull=False, handover_on__isnull=True)
        .select_related("customer")
        .order_by("signed_on")[:limit]
    )
    rows = [
        *_solution_rows(opps, today),
        *_objection_rows(objections, now),
        *_handover_rows(contracts, today),
    ]
    return sorted(rows, key=lambda r: r.due)[:limit]


def breach_counts(scope: dict[str, Any], *, user: Any = None) -> dict[str, int]:
    """Clocks still open past their due, per clock (of what `user` may see, when given)."""
    rows = open_clocks(scope, limit=10_000, user=user)
    counts = {"solution": 0, "objection": 0, "handover": 0}
    for row in rows:
        if row.breached:
            counts[row.code] += 1
    return counts
