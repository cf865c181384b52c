"""The daily after-sales run for a given day (crm.aftersales.tasks, `crm aftersales run`).

1. every core-pool customer without a deep-visit to-do for the quarter of `day` gets one
   (so the first run of a quarter schedules the quarter; later runs find it and do nothing);
   a customer whose visit owner cannot take a to-do (account disabled) is skipped and
   counted, and tried again the next day;
2. the due dates of the open SLA clocks are computed again from the working-day calendar, so
   a holiday an administrator entered after a clock started moves its due date (answered
   clocks keep theirs).

Idempotent: a second run for the same day changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet

from crm.core.chunks import keyset_chunks
from crm.customers.models import Customer

from .. import clocks
from ..choices import FeedbackKind
from ..models import CorePoolMember, Delivery, Feedback, Survey
from .common import SYSTEM
from .corepool import schedule_visit

CHUNK = 500


@dataclass
class DaySummary:
    visits_scheduled: int = 0
    visits_skipped: int = 0
    clocks_refreshed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def schedule_visits(day: datetime.date, summary: DaySummary) -> None:
    for rows in keyset_chunks(CorePoolMember.objects.all(), CHUNK, ("customer_id",)):
        for row in rows:
            try:
                with transaction.atomic():
                    customer = Customer.objects.select_for_update().get(pk=row["customer_id"])
                    if not CorePoolMember.objects.filter(pk=row["pk"]).exists():
                        continue  # left the pool since the page was read
                    if schedule_visit(SYSTEM, customer, day) is not None:
                        summary.visits_scheduled += 1
            except ValidationError:
                summary.visits_skipped += 1


def _refresh(
    queryset: QuerySet[Any],
    model: type[Model],
    fields: tuple[str, ...],
    due_of: Callable[[dict[str, Any]], dict[str, datetime.date | None]],
) -> int:
    changed = 0
    for rows in keyset_chunks(queryset, CHUNK, fields):
        for row in rows:
            stale = {k: v for k, v in due_of(row).items() if row[k] != v}
            if stale:
                model._default_manager.filter(pk=row["pk"]).update(**stale)
                changed += 1
    return changed


def refresh_clocks() -> int:
    """Recompute the due dates of the open clocks; the number of rows that moved."""
    awaiting_acceptance = Delivery.objects.filter(
        delivered_on__isnull=False, accepted_on__isnull=True
    )
    awaiting_survey = Delivery.objects.filter(accepted_on__isnull=False, surveyed_on__isnull=True)
    open_plan = Q(improvement_due_on__isnull=False, improvement_planned_on__isnull=True)
    changed = _refresh(
        awaiting_acceptance,
        Delivery,
        ("delivered_on", "acceptance_due_on"),
        lambda r: {"acceptance_due_on": clocks.acceptance_due(r["delivered_on"])},
    )
    changed += _refresh(
        awaiting_survey,
        Delivery,
        ("accepted_on", "survey_due_on"),
        lambda r: {"survey_due_on": clocks.survey_due(r["accepted_on"])},
    )
    changed += _refresh(
        Survey.objects.filter(open_plan),
        Survey,
        ("surveyed_on", "improvement_due_on"),
        lambda r: {"improvement_due_on": clocks.improvement_due(r["surveyed_on"])},
    )
    changed += _refresh(
        Feedback.objects.filter(open_plan, kind=FeedbackKind.SUGGESTION),
        Feedback,
        ("received_on", "improvement_due_on"),
        lambda r: {"improvement_due_on": clocks.improvement_due(r["received_on"])},
    )
    return changed


def run_day(day: datetime.date) -> DaySummary:
    summary = DaySummary()
    schedule_visits(day, summary)
    summary.clocks_refreshed = refresh_clocks()
    return summary
