"""Append-only audit trail and sensitive-access log. Only services write here (via audit.record)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

SOURCE_CHOICES = [
    ("web", "网页"),
    ("api", "API"),
    ("cli", "命令行"),
    ("import", "导入"),
    ("system", "系统"),
]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("审计记录只能追加,不能修改")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise TypeError("审计记录只能追加,不能删除")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("审计记录只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("审计记录只能追加,不能删除")


class AuditEvent(AppendOnlyModel):
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    source = models.CharField("来源", max_length=10, choices=SOURCE_CHOICES)
    action = models.CharField("动作", max_length=60)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象ID", max_length=40)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_constraint=True,
    )
    changes = models.JSONField("变更", default=dict, blank=True)
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        indexes = [
            models.Index(fields=["customer", "-id"], name="audit_customer_timeline"),
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class SensitiveAccess(AppendOnlyModel):
    """One row per reveal of a protected field (ID number, bank account, full mobile, email)."""

    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("来源", max_length=10, choices=SOURCE_CHOICES)
    # The log outlives the contact: no database constraint, and deleting the contact leaves its
    # id here as it was; contact_label keeps the name the viewer saw. Always set on write; null=True
    # only makes select_related("contact") a LEFT JOIN, so rows of deleted contacts stay listed.
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name="联系人",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    contact_label = models.CharField("联系人", max_length=60, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField("字段", max_length=40)
    reason = models.TextField("查看原因", blank=True)

    class Meta:
        verbose_name = "敏感信息查看记录"
        verbose_name_plural = "敏感信息查看记录"
        indexes = [models.Index(fields=["contact", "-id"], name="sensitive_by_contact")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.field} {self.contact_id}"
