"""The import jobs' write path: upload, mapping, preview (dry run), run, resume, and the
workbook of refused rows. The web pages, the API, the CLI and the background task call these.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.accounts import policy
from crm.core.actor import Actor, Source
from crm.core.errors import NotFound
from crm.customers.models import CustomFieldDefinition

from . import headers, readers, values
from .cells import neutralise
from .choices import ImportKind, JobStatus, Resolution, RowOutcome
from .importer import CustomerImport, ImportFailed, Progress, header_score
from .models import ImportJob, ImportRow, MappingTemplate
from .targets import CUSTOM_PREFIX, TARGETS

log = logging.getLogger(__name__)

INLINE_ROWS = 2000  # a file this small is previewed and imported within the request
SAMPLE_ROWS = 3  # values shown under each column on the mapping page
CAPABILITY = {
    ImportKind.CUSTOMERS: "customer.create",
    ImportKind.RECORDS: "customer.create",
    ImportKind.CONTRACTS: "customer.create",  # and, row by row, the customer's edit right
    ImportKind.ORDERS: "customer.create",
}
BUSINESS_KINDS = (ImportKind.CONTRACTS, ImportKind.ORDERS)


def import_dir() -> Path:
    path = Path(settings.CRM_IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _require(actor: Actor, kind: str) -> None:
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"未知的导入对象: {kind}"})
    policy.require(actor.user, CAPABILITY[ImportKind(kind)])


def _store(source: IO[bytes], suffix: str) -> tuple[Path, str, int]:
    """Copy the upload under var/imports, hashing it, refusing it past the size limit."""
    target = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(1 << 20):
            size += len(chunk)
            if size > readers.MAX_FILE_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                limit = readers.MAX_FILE_BYTES // (1 << 20)
                raise ValidationError({"file": f"文件超过 {limit} MB,请拆分后分批导入"})
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest(), size


def custom_labels() -> dict[str, str]:
    """Active custom fields by label, as mapping targets (custom:<key>)."""
    active = CustomFieldDefinition.objects.filter(is_active=True).values_list("label", "key")
    return {label: f"{CUSTOM_PREFIX}{key}" for label, key in active}


def template_mapping(kind: str, name: str) -> dict[str, str]:
    template = MappingTemplate.objects.filter(kind=kind, name=name).first()
    if template is None:
        raise ValidationError({"mapping": f"没有名为“{name}”的列映射模板"})
    return dict(template.mapping)


def start(
    actor: Actor,
    *,
    kind: str,
    file: IO[bytes],
    file_name: str,
    source: Source = "web",
    mapping_name: str = "",
    default_resolution: str = Resolution.SKIP,
) -> ImportJob:
    """Store and read an uploaded file; the job waits for its column mapping to be confirmed
    (suggested from the header synonyms, the custom fields and the named template)."""
    _require(actor, kind)
    assert actor.user is not None
    if default_resolution not in Resolution.values:
        raise ValidationError({"on_duplicate": "重复时的处理方式应为 skip、update 或 new"})
    extra = custom_labels()
    if mapping_name:
        extra.update(template_mapping(kind, mapping_name))
    suffix = Path(file_name).suffix.lower()[:8] if Path(file_name).suffix.isascii() else ""
    path, digest, size = _store(file, suffix)
    try:
        sheet = readers.open_sheet(path, file_name=file_name, score=header_score(kind))
    except readers.FileRefused as exc:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": exc.message}) from None
    mapping = headers.suggest_mapping(sheet.headers, kind, extra)
    samples: list[list[str]] = [[] for _ in sheet.headers]
    for count, (_row_no, cells) in enumerate(sheet.rows()):
        if count >= SAMPLE_ROWS:
            break
        for index, cell in enumerate(cells[: len(samples)]):
            text = values.clean_text(cell)
            if text:
                samples[index].append(text[:40])
    return ImportJob.objects.create(
        kind=kind,
        created_by=actor.user,
        source=source,
        file_name=file_name[:255],
        file_path=str(path),
        file_sha256=digest,
        file_size=size,
        file_format=sheet.file_format,
        encoding=sheet.encoding,
        sheet=sheet.sheet_name[:100],
        header_row=sheet.header_row,
        headers=sheet.headers,
        samples=samples,
        mapping={str(k): v for k, v in mapping.items()},
        mapping_name=mapping_name,
        default_resolution=default_resolution,
        total_rows=sheet.total_rows,
    )


def start_from_path(actor: Actor, *, kind: str, path: Path, **options: Any) -> ImportJob:
    with path.open("rb") as file:
        return start(actor, kind=kind, file=file, file_name=path.name, **options)


def jobs_of(user: Any) -> Any:
    """The jobs a user may see: their own; an administrator sees all."""
    jobs = ImportJob.objects.select_related("created_by")
    if user is None or not user.is_authenticated:
        return jobs.none()
    return jobs if user.is_admin else jobs.filter(created_by=user)


def get_job(actor: Actor, pk: Any) -> ImportJob:
    try:
        return jobs_of(actor.user).get(pk=int(pk))
    except (ImportJob.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


def unfinished(actor: Actor, *, kind: str, digest: str) -> ImportJob | None:
    """A job of the same file that stopped half-way (a crash, a killed process): resumable."""
    return (
        jobs_of(actor.user)
        .filter(kind=kind, file_sha256=digest, status__in=[JobStatus.RUNNING, JobStatus.QUEUED])
        .order_by("-pk")
        .first()
    )


def set_mapping(
    actor: Actor,
    job: ImportJob,
    *,
    mapping: Mapping[int, str],
    save_as: str = "",
    default_resolution: str | None = None,
    resolutions: Mapping[int, str] | None = None,
) -> ImportJob:
    """Confirm the columns (index → target; "" leaves a column out) and how duplicates go."""
    _editable(job)
    known = {t.key for t in TARGETS[job.kind]} | set(custom_labels().values())
    chosen: dict[str, str] = {}
    errors: list[str] = []
    used: dict[str, int] = {}
    for index, target in mapping.items():
        if not target:
            continue
        if not 0 <= int(index) < len(job.headers):
            errors.append(f"第 {int(index) + 1} 列不存在")
        elif target not in known:
            errors.append(f"第 {int(index) + 1} 列: 未知的字段 {target}")
        elif target in used:
            errors.append(
                f"“{job.headers[used[target]]}”和“{job.headers[int(index)]}”不能映射到同一字段"
            )
        else:
            used[target] = int(index)
            chosen[str(int(index))] = target
    if job.kind == ImportKind.CUSTOMERS and "name" not in chosen.values():
        errors.append("请指定“客户名称”所在的列")
    if job.kind == ImportKind.RECORDS:
        if not {"customer_name", "customer_number"} & set(chosen.values()):
            errors.append("请指定“客户名称”或“客户编号”所在的列")
        for key, label in (
            ("occurred_at", "维护日期"),
            ("channel", "维护方式"),
            ("content", "沟通核心内容"),
        ):
            if key not in chosen.values():
                errors.append(f"请指定“{label}”所在的列")
    if job.kind in BUSINESS_KINDS:
        from .business_import import missing_columns

        missing = missing_columns(job.kind, set(chosen.values()))
        errors += [f"请指定“{label}”所在的列" for label in missing]
    if default_resolution is not None and default_resolution not in Resolution.values:
        errors.append("重复时的处理方式应为 跳过、更新 或 作为新客户")
    bad = [v for v in (resolutions or {}).values() if v not in Resolution.values]
    if bad:
        errors.append("逐行处理方式应为 skip、update 或 new")
    if errors:
        raise ValidationError({"mapping": errors})
    job.mapping = chosen
    if default_resolution is not None:
        job.default_resolution = default_resolution
    if resolutions is not None:
        job.resolutions = {str(int(k)): v for k, v in resolutions.items()}
    job.status = JobStatus.MAPPING
    job.preview = {}
    job.save(update_fields=["mapping", "default_resolution", "resolutions", "status", "preview"])
    if save_as.strip():
        save_template(actor, job, save_as)
    return job


def save_template(actor: Actor, job: ImportJob, name: str) -> MappingTemplate:
    assert actor.user is not None
    by_header = {
        job.headers[int(index)]: target
        for index, target in job.mapping.items()
        if job.headers[int(index)]
    }
    template, _ = MappingTemplate.objects.update_or_create(
        kind=job.kind,
        name=name.strip()[:60],
        defaults={"mapping": by_header, "created_by": actor.user, "updated_at": timezone.now()},
    )
    return template


def _editable(job: ImportJob) -> None:
    if job.status not in (JobStatus.MAPPING, JobStatus.PREVIEW):
        raise ValidationError({"status": f"导入任务{job.get_status_display()},不能再修改"})


def _runner(job: ImportJob) -> type[CustomerImport]:
    from .business_import import BusinessImport
    from .records_import import RecordImport

    if job.kind in BUSINESS_KINDS:
        return BusinessImport
    return RecordImport if job.kind == ImportKind.RECORDS else CustomerImport


def _actor(job: ImportJob) -> Actor:
    return Actor(job.created_by, source="import")


def preview(job: ImportJob) -> ImportJob:
    """The dry run: every check of the real run, nothing written but the job's preview."""
    job.status = JobStatus.PREVIEWING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])

    def progress(p: Progress) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=p.done)

    run = _runner(job)(job, _actor(job), dry_run=True, on_progress=progress)
    try:
        result = run.run()
    except (ImportFailed, readers.FileRefused) as exc:
        return _fail(job, exc)
    except Exception as exc:
        log.exception("import preview of job %s failed", job.pk)
        _fail(job, exc)
        raise
    rows = [
        {"row": o.row_no, "outcome": o.outcome, "name": o.name, "message": o.message}
        for o in sorted(run.outcomes, key=lambda o: o.row_no)
    ]
    job.preview = {"counts": dict(result.counts), "rows": rows, "total": result.done}
    job.processed_rows = 0
    job.status = JobStatus.PREVIEW
    job.save(update_fields=["preview", "processed_rows", "status"])
    return job


STARTABLE = (JobStatus.MAPPING, JobStatus.PREVIEW, JobStatus.QUEUED, JobStatus.FAILED)
STALE_AFTER = datetime.timedelta(minutes=10)  # a run on another machine, silent this long


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(job: ImportJob) -> bool:
    """Whether the run recorded on a RUNNING job is still going."""
    host, _, pid = job.runner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    beat = job.heartbeat_at or job.started_at
    return beat is not None and timezone.now() - beat < STALE_AFTER


def claim(job: ImportJob) -> ImportJob:
    """Take the job for this process, or refuse: one run of a job at a time. A RUNNING job
    whose run died (killed, crashed) is taken over and resumes."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if current.status == JobStatus.DONE:
            raise ValidationError({"status": "导入任务已完成,不能再次开始"})
        if current.status == JobStatus.RUNNING and current.runner != runner_id():
            if _alive(current):
                raise ValidationError({"status": "该导入正在进行中,请稍后查看结果"})
        elif current.status not in STARTABLE and current.status != JobStatus.RUNNING:
            status = current.get_status_display()
            raise ValidationError({"status": f"导入任务{status},不能开始导入"})
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING,
            runner=runner_id(),
            heartbeat_at=now,
            started_at=current.started_at or now,
            error="",
        )
    job.refresh_from_db()
    return job


def run(job: ImportJob, *, on_progress: Callable[[Progress], None] | None = None) -> ImportJob:
    """The real run, or its resumption after a crash (the recorded rows are skipped)."""
    from crm.customers.models import Customer
    from crm.discipline import engine

    if job.status == JobStatus.DONE:
        return job
    job = claim(job)
    runner = _runner(job)(job, _actor(job), dry_run=False, on_progress=on_progress)
    try:
        runner.run()
    except (ImportFailed, readers.FileRefused) as exc:
        return _fail(job, exc)
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        _fail(job, exc)
        raise
    if job.kind == ImportKind.CUSTOMERS:
        created = ImportRow.objects.filter(job=job, outcome=RowOutcome.CREATED)
        # the new customers' follow-up due dates, as the daily run would set them (a filed
        # card re-evaluates its customer itself)
        engine.evaluate(
            Customer.objects.filter(pk__in=created.values("object_id")), timezone.localdate()
        )
    elif job.kind in BUSINESS_KINDS:
        from .business_import import customer_ids

        # the new cooperation dates move 长期无合作 and the follow-up due dates, as the daily
        # run would (the pipeline's services recompute the amount and level themselves)
        engine.evaluate(Customer.objects.filter(pk__in=customer_ids(job)), timezone.localdate())
    job.refresh_from_db()
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    discard_file(job)  # the outcomes and the refused rows stay; the upload is not needed
    return job


def _fail(job: ImportJob, exc: Exception) -> ImportJob:
    """A run that cannot go on: FAILED with the reason; what it wrote stays recorded, and
    starting it again resumes."""
    message = getattr(exc, "message", None) or str(exc)
    if not isinstance(exc, ImportFailed | readers.FileRefused):
        message = f"导入中断: {message}。已导入的行已保存,可以继续导入"
    job.refresh_from_db()
    job.status = JobStatus.FAILED
    job.error = message[:2000]
    job.runner = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "runner", "finished_at"])
    return job


def enqueue(job: ImportJob, *, dry_run: bool) -> ImportJob:
    """Run in the background (`crm db_worker`); the page polls the job's progress."""
    from .tasks import run_import

    if dry_run:
        _editable(job)
        job.status = JobStatus.PREVIEWING
    else:
        if job.status not in (JobStatus.PREVIEW, JobStatus.MAPPING, JobStatus.FAILED):
            raise ValidationError({"status": f"导入任务{job.get_status_display()},不能再次开始"})
        job.status = JobStatus.QUEUED
    job.save(update_fields=["status"])
    transaction.on_commit(lambda: run_import.enqueue(job.pk, dry_run))
    return job


def begin(job: ImportJob, *, dry_run: bool) -> ImportJob:
    """Preview or run: a small file right away, a larger one in the background worker."""
    if job.total_rows > INLINE_ROWS:
        return enqueue(job, dry_run=dry_run)
    if dry_run:
        _editable(job)
        return preview(job)
    if job.status not in (JobStatus.PREVIEW, JobStatus.MAPPING, JobStatus.FAILED):
        raise ValidationError({"status": f"导入任务{job.get_status_display()},不能再次开始"})
    return run(job)


def refused_rows(job: ImportJob) -> QuerySet[ImportRow]:
    return ImportRow.objects.filter(job=job, outcome=RowOutcome.REFUSED).order_by("row_no")


def write_refused(job: ImportJob, out: IO[bytes] | str | Path) -> int:
    """The refused rows as a workbook: the file's own columns plus 错误原因, ready to fix
    and import again. Answers the number of rows written."""
    target = str(out) if isinstance(out, Path) else out
    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = book.add_worksheet("未导入的行")
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"font_color": "#C00000"})
    sheet.freeze_panes(1, 0)
    columns = [*job.headers, "错误原因", "原行号"]
    for col, title in enumerate(columns):
        sheet.write_string(0, col, str(title), bold)
    count = 0
    for count, row in enumerate(refused_rows(job).iterator(chunk_size=2000), start=1):
        for col, value in enumerate(row.values[: len(job.headers)]):
            value = neutralise(value)
            if isinstance(value, bool):
                sheet.write_boolean(count, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(count, col, value)
            elif value not in (None, ""):
                sheet.write_string(count, col, str(value))
        sheet.write_string(count, len(job.headers), neutralise(row.message), wrap)
        sheet.write_number(count, len(job.headers) + 1, row.row_no)
    sheet.set_column(len(job.headers), len(job.headers), 60)
    book.close()
    return count


def discard_file(job: ImportJob) -> None:
    """Remove the stored upload once the job is done (the outcomes stay)."""
    Path(job.file_path).unlink(missing_ok=True)
