"""Choices of imports and exports (code names; Chinese labels first)."""

from django.db import models
from django.utils.translation import gettext_lazy


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", gettext_lazy("客户")
    RECORDS = "records", gettext_lazy("维护记录")
    CONTRACTS = "contracts", gettext_lazy("合同")
    ORDERS = "orders", gettext_lazy("订单")


class JobStatus(models.TextChoices):
    MAPPING = "mapping", gettext_lazy("待确认列")  # uploaded and read; columns to confirm
    PREVIEWING = "previewing", gettext_lazy("预览中")  # the dry run is running
    PREVIEW = "preview", gettext_lazy("待确认导入")  # previewed (a dry run), nothing written
    QUEUED = "queued", gettext_lazy("排队中")
    RUNNING = "running", gettext_lazy("导入中")
    DONE = "done", gettext_lazy("已完成")
    FAILED = "failed", gettext_lazy("失败")


class RowOutcome(models.TextChoices):
    CREATED = "created", gettext_lazy("新建")
    UPDATED = "updated", gettext_lazy("更新")
    UNCHANGED = "unchanged", gettext_lazy("无变化")
    SKIPPED = "skipped", gettext_lazy("跳过")
    REFUSED = "refused", gettext_lazy("拒绝")


class Resolution(models.TextChoices):
    """What to do with a row that matches an existing customer (or an earlier row)."""

    SKIP = "skip", gettext_lazy("跳过")
    UPDATE = "update", gettext_lazy("更新已有客户")
    NEW = "new", gettext_lazy("作为新客户导入")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel (xlsx)"
    CSV = "csv", "CSV (UTF-8)"
    CSV_GBK = "csv_gbk", "CSV (GBK)"
