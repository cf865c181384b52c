"""Import jobs (with one row of outcome per spreadsheet row, the resume point after a crash),
remembered column mappings, and the log of exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.core.models import ChoiceLabels

from .choices import ExportFormat, ImportKind, JobStatus, Resolution, RowOutcome


class ImportJob(ChoiceLabels, models.Model):
    kind = models.CharField("导入对象", max_length=12, choices=ImportKind.choices)
    status = models.CharField(
        "状态", max_length=10, choices=JobStatus.choices, default=JobStatus.MAPPING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("入口", max_length=6, default="web")  # web / api / cli
    file_name = models.CharField("文件名", max_length=255)
    file_path = models.CharField(max_length=500, editable=False)  # under CRM_VAR_DIR/imports
    file_sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    file_format = models.CharField("格式", max_length=8, blank=True)
    encoding = models.CharField("编码", max_length=20, blank=True)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    header_row = models.PositiveIntegerField("表头行", default=1)
    headers = models.JSONField("表头", default=list)
    samples = models.JSONField("示例值", default=list)  # the first values of each column
    mapping = models.JSONField("列映射", default=dict)  # {column index: target field}
    mapping_name = models.CharField("映射模板", max_length=60, blank=True)
    default_resolution = models.CharField(
        "重复时", max_length=6, choices=Resolution.choices, default=Resolution.SKIP
    )
    resolutions = models.JSONField("逐行处理方式", default=dict)  # {row number: resolution}
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理", default=0)
    created_count = models.PositiveIntegerField("新建", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    skipped_count = models.PositiveIntegerField("跳过", default=0)
    refused_count = models.PositiveIntegerField("拒绝", default=0)
    # The dry run's counts and its first rows of each outcome (nothing written).
    preview = models.JSONField("预览", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    # who runs it now ("host:pid") and when it last wrote a batch: one run of a job at a time
    runner = models.CharField(max_length=120, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        indexes = [models.Index(fields=["created_by", "-id"], name="import_by_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 {self.file_name}"

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 100

    @property
    def busy(self) -> bool:
        return self.status in (JobStatus.PREVIEWING, JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ImportRow(ChoiceLabels, models.Model):
    """What became of one spreadsheet row. Written in the same transaction as the row's
    objects, so after a crash the rows recorded here are exactly the rows already done."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_no = models.PositiveIntegerField("行号")
    outcome = models.CharField("结果", max_length=10, choices=RowOutcome.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    message = models.TextField("说明", blank=True)
    values = models.JSONField(default=list, blank=True)  # the row as read, for refused rows

    class Meta:
        verbose_name = "导入行"
        verbose_name_plural = "导入行"
        constraints = [
            models.UniqueConstraint(fields=["job", "row_no"], name="import_row_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_no} {self.outcome}"


class MappingTemplate(models.Model):
    """A column mapping a user made once, remembered by header text for the next file."""

    kind = models.CharField("导入对象", max_length=12, choices=ImportKind.choices)
    name = models.CharField("名称", max_length=60)
    mapping = models.JSONField("映射", default=dict)  # {header text: target field}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "列映射模板"
        verbose_name_plural = "列映射模板"
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="mapping_template_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class DataExport(ChoiceLabels, models.Model):
    """One export a user made: what, how many rows, which columns, with which filters."""

    kind = models.CharField("导出对象", max_length=20)
    file_format = models.CharField(
        "格式", max_length=8, choices=ExportFormat.choices, default=ExportFormat.XLSX
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    filters = models.JSONField("筛选条件", default=dict)
    columns = models.JSONField("列", default=list)
    row_count = models.PositiveIntegerField("行数", default=0)
    sensitive = models.BooleanField("含完整个人信息", default=False)
    created_at = models.DateTimeField("导出时间", default=timezone.now)

    class Meta:
        verbose_name = "导出记录"
        verbose_name_plural = "导出记录"

    def __str__(self) -> str:
        return f"{self.kind} 导出 {self.row_count} 行"
