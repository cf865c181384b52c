"""Background imports (`crm db_worker` runs them; `make run` starts the worker)."""

from __future__ import annotations

import logging

from django.tasks import task

log = logging.getLogger(__name__)


@task
def run_import(job_id: int, dry_run: bool) -> str:
    """Preview or run one import job. Idempotent: a job that is done is left alone, and a
    real run skips the rows it already recorded (a worker killed mid-way resumes cleanly)."""
    from django.core.exceptions import ValidationError

    from . import jobs
    from .models import ImportJob

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        job = jobs.preview(job) if dry_run else jobs.run(job)
    except ValidationError as exc:  # done meanwhile, or another run has it: nothing to do
        log.info("import job %s not run: %s", job_id, exc.messages)
        job.refresh_from_db()
    log.info("import job %s %s: %s", job.pk, "preview" if dry_run else "run", job.status)
    return str(job.status)
