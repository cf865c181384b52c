"""Background jobs (django.tasks, database backend) and their schedule (django-crontask).

`crm db_worker` runs enqueued tasks; `crm crontask` enqueues `run_discipline` every day at
00:30 Asia/Shanghai (`make run` starts both beside gunicorn). Idempotent: no retries needed.
"""

from __future__ import annotations

from crontask import cron
from django.tasks import task
from django.utils import timezone

from . import engine

DAILY = "30 0 * * *"


@cron(DAILY)
@task
def run_discipline() -> dict[str, int]:
    """Evaluate every customer for today; the counts are the task's result."""
    return engine.evaluate(None, timezone.localdate()).as_dict()
