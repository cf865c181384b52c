"""Import pages: upload → mapping → preview → run → result. Thin adapters over
crm.transfer.jobs; small files run in the request, larger ones in the background worker
while the page polls a progress line."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts import policy
from crm.core.actor import Actor

from . import jobs, readers
from .choices import ImportKind, JobStatus, Resolution, RowOutcome
from .models import ImportJob, MappingTemplate
from .targets import TARGETS

JOBS_SHOWN = 30


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for items in exc.message_dict.values() for m in items]
    return list(exc.messages)


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("导入对象"),
        choices=ImportKind.choices,
        initial=ImportKind.CUSTOMERS,
        required=False,
        widget=_select(),
    )
    file = forms.FileField(
        label=gettext_lazy("文件"), widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("与已有数据重复时"),
        choices=Resolution.choices,
        initial=Resolution.SKIP,
        widget=_select(),
        help_text=gettext_lazy(
            "客户: 同一信用代码或企业名称;合同、订单: 同一编号而内容不同(“更新”即按表格更新)。"
        ),
    )
    mapping_name = forms.ChoiceField(
        label=gettext_lazy("列映射模板"), required=False, widget=_select()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = MappingTemplate.objects.values_list("name", flat=True).distinct()
        self.fields["mapping_name"].choices = [  # type: ignore[attr-defined]
            ("", gettext("按表头自动识别")),
            *((n, n) for n in names),
        ]


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not policy.has(actor.user, "customer.create"):
        raise PermissionDenied("您没有导入客户的权限")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.start(
                actor,
                kind=form.cleaned_data["kind"] or ImportKind.CUSTOMERS,
                file=upload,
                file_name=upload.name,
                source="web",
                mapping_name=form.cleaned_data["mapping_name"],
                default_resolution=form.cleaned_data["on_duplicate"],
            )
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error("file", message)
        else:
            return redirect("transfer:import", pk=job.pk)
    recent = jobs.jobs_of(actor.user).order_by("-pk")[:JOBS_SHOWN]
    return TemplateResponse(
        request,
        "transfer/imports.html",
        {"form": form, "jobs": recent, "max_mb": readers.MAX_FILE_BYTES // (1 << 20)},
    )


def _target_choices(job: ImportJob) -> list[tuple[str, str]]:
    options = [("", gettext("不导入"))]
    options += [(t.key, t.label) for t in TARGETS[job.kind]]
    options += [
        (key, gettext("自定义字段: %(label)s") % {"label": label})
        for label, key in jobs.custom_labels().items()
    ]
    return options


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    job = jobs.get_job(actor, pk)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("preview", "save_mapping"):
                mapping = {
                    index: request.POST.get(f"col-{index}", "") for index in range(len(job.headers))
                }
                resolutions: dict[int, str] = {
                    int(key[4:]): str(value)
                    for key, value in request.POST.items()
                    if key.startswith("row-") and key[4:].isascii() and key[4:].isdigit() and value
                }
                jobs.set_mapping(
                    actor,
                    job,
                    mapping=mapping,
                    save_as=request.POST.get("save_as", ""),
                    default_resolution=request.POST.get("on_duplicate") or None,
                    resolutions={
                        **{int(k): str(v) for k, v in job.resolutions.items()},
                        **resolutions,
                    },
                )
                if action == "preview":
                    jobs.begin(job, dry_run=True)
                return redirect("transfer:import", pk=job.pk)
            if action == "run":
                jobs.begin(job, dry_run=False)
                return redirect("transfer:import", pk=job.pk)
        except ValidationError as exc:
            errors = _messages(exc)
            job.refresh_from_db()
    context: dict[str, Any] = {"job": job, "errors": errors}
    if job.status in (JobStatus.MAPPING, JobStatus.PREVIEW):
        mapped = {int(k): v for k, v in job.mapping.items()}
        samples = job.samples
        context["columns"] = [
            {
                "index": index,
                "header": header,
                "target": mapped.get(index, ""),
                "samples": samples[index] if index < len(samples) else [],
            }
            for index, header in enumerate(job.headers)
        ]
        context["targets"] = _target_choices(job)
        context["resolutions"] = _resolutions(job)
    if job.status == JobStatus.PREVIEW:
        context["preview_rows"] = [
            {
                **row,
                "label": RowOutcome(row["outcome"]).label,
                "resolution": job.resolutions.get(str(row["row"]), ""),
            }
            for row in job.preview.get("rows", [])
        ]
        context["counts"] = _counts(job.preview.get("counts", {}))
    if job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.RUNNING, JobStatus.QUEUED):
        context["counts"] = _counts(
            {
                RowOutcome.CREATED: job.created_count,
                RowOutcome.UPDATED: job.updated_count,
                RowOutcome.UNCHANGED: job.unchanged_count,
                RowOutcome.SKIPPED: job.skipped_count,
                RowOutcome.REFUSED: job.refused_count,
            }
        )
    if job.status == JobStatus.FAILED:
        context["wrote"] = job.rows.exists()  # then it resumes where it stopped
    if job.status == JobStatus.DONE and job.refused_count:
        context["refused"] = list(jobs.refused_rows(job)[:20])
    return TemplateResponse(request, "transfer/import.html", context)


def _resolutions(job: ImportJob) -> list[tuple[str, str]]:
    """How a row matching the archive goes: for contracts and orders (known by their
    number) skip or update; a number is never imported a second time."""
    if job.kind in jobs.BUSINESS_KINDS:
        return [(Resolution.SKIP, gettext("跳过")), (Resolution.UPDATE, gettext("按表格更新"))]
    return [(code, str(label)) for code, label in Resolution.choices]


def _counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in RowOutcome.choices
    ]


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The live progress line (htmx polls it); once finished it tells the page to reload."""
    job = jobs.get_job(_actor(request), pk)
    response = TemplateResponse(request, "transfer/_progress.html", {"job": job})
    if not job.busy:
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_refused(request: HttpRequest, pk: int) -> FileResponse:
    """The refused rows as a workbook with the reason column, ready to fix and re-import."""
    job = jobs.get_job(_actor(request), pk)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    jobs.write_refused(job, out)
    out.seek(0)
    stem = Path(job.file_name).stem or "import"
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{stem}-未导入.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_POST
@login_required
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a job that has not started writing (its stored file too)."""
    job = jobs.get_job(_actor(request), pk)
    if job.status in (JobStatus.MAPPING, JobStatus.PREVIEW, JobStatus.FAILED) and not (
        job.rows.exists()
    ):  # a job that wrote rows keeps its record of them
        jobs.discard_file(job)
        job.delete()
        messages.success(request, gettext("已取消导入"))
    return redirect("transfer:imports")
