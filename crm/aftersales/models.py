"""The after-sales loop 售后反馈与长期维护 (seed 002 step 5; DOMAIN §5): deliveries 交付 with
weekly progress and acceptance 验收, satisfaction surveys 满意度调查, the core customer pool
核心客户池 and its quarterly deep visits 深度回访, feedback 客户反馈, referrals 转介绍, risk
warnings 风险预警 and the case library 案例库.

Every row belongs to a customer and is read through `visible_to(user)` of that customer (the
referral through its referrer, `customer`); the case library is read by everyone signed in.
The SLA due dates (`*_due_on`) are derived by the services from the working-day calendar when
a clock starts, and refreshed by the daily run while the clock is open; they are never typed.
Only crm.aftersales.services writes here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.core.models import ChoiceLabels

from .choices import (
    CaseKind,
    DeliveryStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackStatus,
    ReferralIntent,
    ReferralStatus,
    RiskKind,
    RiskLevel,
    RiskOutcome,
    RiskStatus,
    SurveyMethod,
)

AMOUNT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("99999999999999.99"))]
SCORE_5 = [MinValueValidator(1), MaxValueValidator(5)]
SCORE_100 = [MinValueValidator(0), MaxValueValidator(100)]


def _user(label: str, **extra: Any) -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        **extra,
    )


class OfCustomerQuerySet(models.QuerySet):
    """Rows of a customer, seen by those who see the customer."""

    prefix = "customer__"

    def visible_to(self, user: Any) -> Any:
        from crm.accounts import policy

        return self.filter(policy.customer_scope(user, self.prefix))


class Tracked(models.Model):
    created_by = _user("创建人")
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True


# --- deliveries ---------------------------------------------------------------------------------


class Delivery(ChoiceLabels, Tracked):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    contract = models.ForeignKey(
        "pipeline.Contract",
        verbose_name="所属合同",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    title = models.CharField("交付内容", max_length=120)
    delivered_on = models.DateField("交付日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    notes = models.TextField("备注", blank=True)
    acceptance_due_on = models.DateField("验收期限", null=True, blank=True, editable=False)
    survey_due_on = models.DateField("满意度调查期限", null=True, blank=True, editable=False)
    surveyed_on = models.DateField("满意度调查日期", null=True, blank=True, editable=False)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "交付"
        verbose_name_plural = "交付"
        indexes = [models.Index(fields=["customer", "-id"], name="delivery_by_customer")]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        if self.accepted_on is not None:
            return DeliveryStatus.ACCEPTED
        if self.delivered_on is not None:
            return DeliveryStatus.DELIVERED
        return DeliveryStatus.IN_PROGRESS

    def get_status_display(self) -> str:
        return str(DeliveryStatus(self.status).label)


class ProgressQuerySet(OfCustomerQuerySet):
    prefix = "delivery__customer__"


class DeliveryProgress(models.Model):
    """A weekly progress note 交付进度 (本周已完成模块开发,预计下周进入测试阶段)."""

    delivery = models.ForeignKey(
        Delivery, verbose_name="交付", on_delete=models.CASCADE, related_name="progress"
    )
    noted_on = models.DateField("进度日期")
    content = models.TextField("进度内容")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    objects = ProgressQuerySet.as_manager()

    class Meta:
        verbose_name = "交付进度"
        verbose_name_plural = "交付进度"
        ordering = ["-noted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.content[:40]}" if self.noted_on else self.content


# --- surveys and the core pool ------------------------------------------------------------------


class Survey(ChoiceLabels, Tracked):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="surveys"
    )
    delivery = models.ForeignKey(
        Delivery,
        verbose_name="所属交付",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    surveyed_on = models.DateField("调查日期")
    method = models.CharField("调查方式", max_length=14, choices=SurveyMethod.choices, blank=True)
    response_speed = models.PositiveSmallIntegerField("服务响应速度(1-5分)", validators=SCORE_5)
    deliverable = models.PositiveSmallIntegerField("交付成果(1-5分)", validators=SCORE_5)
    overall = models.PositiveSmallIntegerField("综合满意度(0-100分)", validators=SCORE_100)
    suggestions = models.TextField("改进建议", blank=True)
    referral_intent = models.CharField(
        "合作或推荐意向", max_length=10, choices=ReferralIntent.choices
    )
    improvement_plan = models.TextField("优化方案", blank=True, editable=False)
    improvement_planned_on = models.DateField(
        "优化方案反馈日期", null=True, blank=True, editable=False
    )
    improvement_due_on = models.DateField("优化方案期限", null=True, blank=True, editable=False)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "满意度调查"
        verbose_name_plural = "满意度调查"
        indexes = [
            models.Index(fields=["customer", "-surveyed_on", "-id"], name="survey_latest"),
        ]

    def __str__(self) -> str:
        when = f"{self.surveyed_on:%Y-%m-%d}" if self.surveyed_on else ""
        return f"{when} 满意度调查 {self.overall} 分".strip()


class CorePoolMember(models.Model):
    """A customer in 核心客户池: its latest survey scored ≥ 90 overall."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.PROTECT,
        related_name="core_pool",
    )
    since = models.DateField("入池日期")
    survey = models.ForeignKey(
        Survey, verbose_name="依据调查", on_delete=models.PROTECT, related_name="+"
    )

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "核心客户"
        verbose_name_plural = "核心客户池"

    def __str__(self) -> str:
        return f"核心客户池:{self.customer}"


class CoreVisit(models.Model):
    """The deep visit 深度回访 to-do of one calendar quarter: at most one per customer and
    quarter, whether the customer stays in the pool or leaves and comes back."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="core_visits"
    )
    year = models.PositiveSmallIntegerField("年份")
    quarter = models.PositiveSmallIntegerField(
        "季度", validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    task = models.OneToOneField(
        "records.Task", verbose_name="待办", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "深度回访"
        verbose_name_plural = "深度回访"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "year", "quarter"], name="core_visit_one_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度深度回访"


# --- feedback -----------------------------------------------------------------------------------


class Feedback(ChoiceLabels, Tracked):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="feedback"
    )
    kind = models.CharField("反馈类型", max_length=10, choices=FeedbackKind.choices)
    category = models.CharField("反馈类别", max_length=10, choices=FeedbackCategory.choices)
    content = models.TextField("反馈内容")
    received_on = models.DateField("反馈日期")
    status = models.CharField(
        "处理状态",
        max_length=8,
        choices=FeedbackStatus.choices,
        default=FeedbackStatus.OPEN,
        editable=False,
    )
    resolution = models.TextField("处理结果", blank=True, editable=False)
    resolved_on = models.DateField("解决日期", null=True, blank=True, editable=False)
    resolved_by = _user("处理人")
    improvement_plan = models.TextField("优化方案", blank=True, editable=False)
    improvement_planned_on = models.DateField(
        "优化方案反馈日期", null=True, blank=True, editable=False
    )
    improvement_due_on = models.DateField("优化方案期限", null=True, blank=True, editable=False)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "客户反馈"
        verbose_name_plural = "客户反馈"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""),
                name="feedback_resolved_has_resolution",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "kind", "status"], name="feedback_by_customer"),
        ]

    def __str__(self) -> str:
        text = " ".join((self.content or "").split())
        return f"{self.get_kind_display()}:{text[:60]}"


# --- referrals ----------------------------------------------------------------------------------


class Referral(ChoiceLabels, Tracked):
    """A referral 转介绍: `customer` is the referrer 推荐客户 (visibility and the timeline follow
    it); the referred customer is linked when it is in the archive, else named."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="推荐客户",
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referred = models.ForeignKey(
        "customers.Customer",
        verbose_name="被推荐客户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    referred_name = models.CharField("被推荐客户名称", max_length=200, blank=True)
    referred_on = models.DateField("推荐日期")
    reward_amount = models.DecimalField(
        "奖励金额(元)", max_digits=16, decimal_places=2, null=True, blank=True, validators=AMOUNT
    )
    reward_text = models.CharField("奖励说明", max_length=200, blank=True)
    notes = models.TextField("备注", blank=True)
    status = models.CharField(
        "状态",
        max_length=8,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PENDING,
        editable=False,
    )
    approved_on = models.DateField("审批日期", null=True, blank=True, editable=False)
    approved_by = _user("审批人")
    paid_on = models.DateField("发放日期", null=True, blank=True, editable=False)
    paid_by = _user("发放人")

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "转介绍"
        verbose_name_plural = "转介绍"
        constraints = [
            models.UniqueConstraint(
                fields=["referred"],
                condition=Q(referred__isnull=False),
                name="referral_referred_once",
            )
        ]
        indexes = [models.Index(fields=["customer", "-id"], name="referral_by_referrer")]

    def __str__(self) -> str:
        # on the referrer's timeline: never the referred archive's name, which its readers
        # may not be allowed to see
        if self.referred_id:
            return f"转介绍:客户档案 #{self.referred_id}"
        return f"转介绍:{self.referred_name}"

    @property
    def referrer(self) -> Any:
        return self.customer


# --- risks --------------------------------------------------------------------------------------


class Risk(ChoiceLabels, Tracked):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="risks"
    )
    kind = models.CharField("风险类型", max_length=16, choices=RiskKind.choices)
    level = models.CharField("风险等级", max_length=6, choices=RiskLevel.choices)
    description = models.TextField("风险描述")
    countermeasure = models.TextField("应对措施")
    raised_on = models.DateField("预警日期")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        on_delete=models.PROTECT,
        related_name="aftersales_risks",
    )
    due_on = models.DateField("处理期限")
    status = models.CharField(
        "状态",
        max_length=6,
        choices=RiskStatus.choices,
        default=RiskStatus.OPEN,
        editable=False,
    )
    outcome = models.CharField(
        "应对结果", max_length=12, choices=RiskOutcome.choices, blank=True, editable=False
    )
    outcome_note = models.TextField("结果说明", blank=True, editable=False)
    closed_on = models.DateField("关闭日期", null=True, blank=True, editable=False)
    closed_by = _user("关闭人")

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "风险预警"
        verbose_name_plural = "风险预警"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="risk_closed_has_outcome"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "status", "level"], name="risk_by_customer"),
            models.Index(fields=["owner", "status", "due_on"], name="risk_by_owner"),
        ]

    def __str__(self) -> str:
        text = " ".join((self.description or "").split())
        return f"{self.get_kind_display()}:{text[:60]}"


# --- the case library ---------------------------------------------------------------------------


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Any:
        """The library is for the whole team: every active user reads every case."""
        if user is None or not getattr(user, "is_active", False):
            return self.none()
        return self.all()


class Case(ChoiceLabels, Tracked):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField("案例类型", max_length=10, choices=CaseKind.choices)
    title = models.CharField("案例标题", max_length=120)
    story = models.TextField("案例经过")
    lessons = models.TextField("经验总结", blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    # "|华东|制造业|": a tag filter as a LIKE that works on SQLite and PostgreSQL alike
    tag_index = models.CharField(max_length=500, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "案例"
        verbose_name_plural = "案例库"
        indexes = [models.Index(fields=["kind", "-id"], name="case_by_kind")]

    def __str__(self) -> str:
        return self.title
