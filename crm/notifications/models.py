"""In-app notifications 消息提醒. Written only by crm.notifications.services.

One row per recipient and occurrence: `key` names the occurrence (the kind, the customer or
to-do, and the due date that was missed), unique per recipient, so the daily job can run any
number of times and a follow-up missed again later (a new due date) is a new notification.
The text is rendered when shown (in the reader's language) from the kind and the stored
facts, never stored as prose.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.core.models import ChoiceLabels

from .choices import Kind


class Notification(ChoiceLabels, models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    key = models.CharField("事件标识", max_length=80)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.CASCADE,
        related_name="+",
    )
    task = models.ForeignKey(
        "records.Task",
        verbose_name="待办",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="升级提醒: 逾期事项的负责人",
    )
    due = models.DateField("应完成日期")
    overdue_days = models.PositiveSmallIntegerField("逾期工作日", default=0)
    created_at = models.DateTimeField("提醒时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息提醒"
        verbose_name_plural = "消息提醒"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.key}"
