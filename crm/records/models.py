"""Record cards 维护记录 and to-dos 待办事项 (DOMAIN §3, §4). Only services write here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.core.models import ChoiceLabels
from crm.customers.choices import Channel

from .choices import Purpose, RecordKind, Sentiment, TaskStatus


class RecordQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RecordQuerySet:
        from crm.accounts import policy

        return self.filter(policy.record_scope(user))

    def with_list_data(self) -> RecordQuerySet:
        return self.select_related("customer", "maintainer").prefetch_related(
            "contacts", "participants"
        )


class Record(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="records"
    )
    contacts = models.ManyToManyField(  # type: ignore[var-annotated]
        "contacts.Contact", verbose_name="联系人", blank=True, related_name="records"
    )
    occurred_at = models.DateTimeField("维护时间")
    channel = models.CharField("维护方式", max_length=10, choices=Channel.choices)
    maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="维护人",
        on_delete=models.PROTECT,
        related_name="maintained_records",
    )
    participants = models.ManyToManyField(  # type: ignore[var-annotated]
        settings.AUTH_USER_MODEL,
        verbose_name="参与人",
        blank=True,
        related_name="participated_records",
    )
    purpose = models.CharField("沟通目的", max_length=20, choices=Purpose.choices)
    content = models.TextField("沟通核心内容")
    feedback = models.TextField("客户反馈", blank=True)
    sentiment = models.CharField("态度倾向", max_length=14, choices=Sentiment.choices, blank=True)
    next_contact_on = models.DateField("下次沟通时间", null=True, blank=True)
    next_channel = models.CharField(
        "下次沟通方式", max_length=10, choices=Channel.choices, blank=True
    )
    next_focus = models.CharField("重点方向", max_length=200, blank=True)
    notes = models.TextField("备注", blank=True)
    kind = models.CharField(
        "记录类型", max_length=8, choices=RecordKind.choices, default=RecordKind.SALES
    )
    filed_at = models.DateTimeField("填写时间", default=timezone.now, editable=False)
    is_late = models.BooleanField("超时填写", default=False, editable=False)
    voided = models.BooleanField("已作废", default=False, editable=False)
    void_reason = models.TextField("作废原因", blank=True, editable=False)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填写人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = "维护记录"
        verbose_name_plural = "维护记录"
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="record_customer_timeline"),
            models.Index(fields=["maintainer", "-occurred_at"], name="record_by_maintainer"),
            # 我的待办's late cards (one maintainer's last 30 days) without reading every card
            models.Index(
                fields=["maintainer", "filed_at"],
                name="record_late_by_maintainer",
                condition=models.Q(is_late=True, voided=False),
            ),
        ]

    def __str__(self) -> str:
        """The timeline line: "2026-03-02 电话 · 客户反馈系统操作复杂…"."""
        when = timezone.localtime(self.occurred_at).strftime("%Y-%m-%d") if self.occurred_at else ""
        summary = " ".join((self.content or "").split())
        if len(summary) > 80:
            summary = summary[:79] + "…"
        return f"{when} {self.get_channel_display()} · {summary}".strip()


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> TaskQuerySet:
        from crm.accounts import policy

        return self.filter(policy.task_scope(user))

    def with_list_data(self) -> TaskQuerySet:
        return self.select_related("customer", "owner", "collaborator")


class Task(ChoiceLabels, models.Model):
    description = models.CharField("问题描述", max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    collaborator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="协办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assisted_tasks",
    )
    due = models.DateField("完成时限")
    status = models.CharField(
        "状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN, editable=False
    )
    result = models.TextField("跟进记录", blank=True, editable=False)
    cancel_reason = models.TextField("取消原因", blank=True, editable=False)
    record = models.ForeignKey(
        Record,
        verbose_name="来源记录卡",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="tasks"
    )
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="关闭人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "待办事项"
        verbose_name_plural = "待办事项"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(result=""), name="task_done_has_result"
            )
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due"], name="task_owner_open"),
            # the to-dos a user assists with; partial, so its statistics show how few they are
            # (with a plain index on a mostly empty column SQLite scans task_owner_open instead)
            models.Index(
                fields=["collaborator", "status", "due"],
                name="task_collaborator_open",
                condition=models.Q(collaborator__isnull=False),
            ),
            models.Index(fields=["customer", "-id"], name="task_by_customer"),
        ]

    def __str__(self) -> str:
        text = " ".join(self.description.split())
        if len(text) > 80:
            text = text[:79] + "…"
        return f"{text}(完成时限 {self.due:%Y-%m-%d})" if self.due else text
