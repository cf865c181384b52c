"""The daily after-sales job (django.tasks, scheduled with django-crontask like
crm.discipline.tasks): `crm crontask` enqueues `run_aftersales` every day at 00:45
Asia/Shanghai, after the discipline run; `crm db_worker` runs it.

It is driven by a day, never by the wall clock inside: the scheduled run passes nothing and
means today; a catch-up passes the ISO date (`run_aftersales.enqueue("2026-10-01")`, or
`crm aftersales run --date 2026-10-01`). Idempotent (services.run_day): no retries needed.
"""

from __future__ import annotations

import datetime

from crontask import cron
from django.tasks import task
from django.utils import timezone

from . import services

DAILY = "45 0 * * *"


def run_day(day: datetime.date) -> services.DaySummary:
    """The daily run for `day`: quarterly deep visits of the core pool, open SLA due dates."""
    return services.run_day(day)


@cron(DAILY)
@task
def run_aftersales(day: str = "") -> dict[str, int]:
    """Run for `day` (YYYY-MM-DD, default today); the counts are the task's result."""
    when = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return run_day(when).as_dict()
