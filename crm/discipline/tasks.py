"""Background jobs (django.tasks, database backend) and their schedule (django-crontask).

`crm db_worker` runs enqueued tasks; `crm crontask` enqueues `run_discipline` every day at
00:30 Asia/Shanghai (`make run` starts both beside gunicorn). Idempotent: no retries needed.
"""

from __future__ import annotations

import datetime

from crontask import cron
from django.tasks import task
from django.utils import timezone

from . import alerts, engine

DAILY = "30 0 * * *"


def run_day(day: datetime.date) -> tuple[engine.Summary, alerts.AlertSummary]:
    """The daily run for `day`: evaluate every customer, then raise the notifications."""
    summary = engine.evaluate(None, day)
    return summary, alerts.raise_alerts(day)


@cron(DAILY)
@task
def run_discipline() -> dict[str, int]:
    """Evaluate every customer for today and notify; the counts are the task's result."""
    summary, raised = run_day(timezone.localdate())
    return {**summary.as_dict(), **{f"notified_{k}": v for k, v in raised.as_dict().items()}}
