"""Opportunities 商机 on pipelines of stages, contracts 合同 and orders 订单 (DOMAIN §5 step 4).

Pipelines, stages and gates are data: an administrator adds stages and industry variants (a
pipeline for customers of given GB/T 4754 codes, with gates such as 资质审核 before 赢单).
Only crm.pipeline.services writes here.
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

from .choices import ContractStatus, OpportunityStatus, StageKind

AMOUNT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("99999999999999.99"))]


class Pipeline(models.Model):
    name = models.CharField("名称", max_length=60, unique=True)
    industries = models.JSONField(
        "适用行业",
        default=list,
        blank=True,
        help_text="GB/T 4754 门类字母或大类代码,如 J(金融业)、84(卫生);留空为通用流程",
    )
    is_default = models.BooleanField("默认流程", default=False)
    is_active = models.BooleanField("启用", default=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "销售流程"
        verbose_name_plural = "销售流程"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stage(ChoiceLabels, models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField("代码", max_length=30)
    name = models.CharField("名称", max_length=30)
    kind = models.CharField("类型", max_length=6, choices=StageKind.choices, default="open")
    position = models.PositiveSmallIntegerField("排序", default=0)
    probability = models.PositiveSmallIntegerField(
        "赢单概率(%)", default=0, validators=[MaxValueValidator(100)]
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "商机阶段"
        verbose_name_plural = "商机阶段"
        ordering = ["pipeline", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "code"], name="stage_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class Gate(models.Model):
    """A check that must be passed before an opportunity may enter `stage` (e.g. 合规检查)."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="gates")
    code = models.SlugField("代码", max_length=30)
    name = models.CharField("名称", max_length=30)
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "阶段关卡"
        verbose_name_plural = "阶段关卡"
        ordering = ["stage", "pk"]
        constraints = [models.UniqueConstraint(fields=["stage", "code"], name="gate_unique_code")]

    def __str__(self) -> str:
        return self.name


class OpportunityQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> OpportunityQuerySet:
        from crm.accounts import policy

        return self.filter(policy.customer_scope(user, "customer__"))

    def with_list_data(self) -> OpportunityQuerySet:
        return self.select_related("customer", "owner", "stage", "pipeline")


class Opportunity(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    name = models.CharField("商机名称", max_length=120)
    amount = models.DecimalField("预计金额(元)", max_digits=16, decimal_places=2, validators=AMOUNT)
    expected_close_on = models.DateField("预计成交日期")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name="销售流程", on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        Stage, verbose_name="阶段", on_delete=models.PROTECT, related_name="opportunities"
    )
    status = models.CharField(
        "状态", max_length=6, choices=OpportunityStatus.choices, default="open", editable=False
    )
    lost_reason = models.CharField("输单原因", max_length=200, blank=True, editable=False)
    needs_confirmed_on = models.DateField("需求确认日期", null=True, blank=True)
    solution_submitted_on = models.DateField("方案提交日期", null=True, blank=True)
    notes = models.TextField("备注", blank=True)
    stage_changed_at = models.DateTimeField("阶段变更时间", default=timezone.now, editable=False)
    closed_on = models.DateField("成交/输单日期", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = "商机"
        verbose_name_plural = "商机"
        indexes = [
            models.Index(fields=["pipeline", "stage", "-id"], name="opportunity_board"),
            models.Index(fields=["customer", "-id"], name="opportunity_by_customer"),
            models.Index(fields=["owner", "status"], name="opportunity_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class GatePass(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="passes")
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="+")
    passed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    passed_at = models.DateTimeField("通过时间", default=timezone.now)
    note = models.CharField("审核说明", max_length=200)

    class Meta:
        verbose_name = "关卡通过"
        verbose_name_plural = "关卡通过"
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "gate"], name="gate_pass_unique")
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}:{self.gate_id}"


class OpportunityTransition(models.Model):
    """Each stage move, for cycle times and conversion rates (DOMAIN §7)."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="transitions"
    )
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "商机阶段变更"
        verbose_name_plural = "商机阶段变更"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"


class Objection(models.Model):
    """A customer's objection to a solution or a quote (异议), answered within 24 hours."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="objections"
    )
    content = models.CharField("异议内容", max_length=500)
    raised_at = models.DateTimeField("提出时间")
    answer = models.TextField("处理与答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return self.content[:40]


class CustomerBusinessQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Any:
        from crm.accounts import policy

        return self.filter(policy.customer_scope(user, "customer__"))

    def with_list_data(self) -> Any:
        return self.select_related("customer")


class Contract(ChoiceLabels, models.Model):
    number = models.CharField("合同编号", max_length=60, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name="来源商机",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    title = models.CharField("合同名称", max_length=120, blank=True)
    amount = models.DecimalField("合同金额(元)", max_digits=16, decimal_places=2, validators=AMOUNT)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("到期日期", null=True, blank=True)
    status = models.CharField(
        "合同状态", max_length=10, choices=ContractStatus.choices, default="active"
    )
    handover_on = models.DateField("内部交接日期", null=True, blank=True)
    notes = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = CustomerBusinessQuerySet.as_manager()

    class Meta:
        verbose_name = "合同"
        verbose_name_plural = "合同"
        indexes = [
            models.Index(fields=["customer", "-signed_on"], name="contract_by_customer"),
            models.Index(fields=["status", "ends_on"], name="contract_expiry"),
        ]

    def __str__(self) -> str:
        return self.number


class Order(models.Model):
    number = models.CharField("订单编号", max_length=60, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="orders"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name="所属合同",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    ordered_on = models.DateField("订单日期")
    amount = models.DecimalField("订单金额(元)", max_digits=16, decimal_places=2, validators=AMOUNT)
    summary = models.CharField("订单摘要", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = CustomerBusinessQuerySet.as_manager()

    class Meta:
        verbose_name = "订单"
        verbose_name_plural = "订单"
        indexes = [models.Index(fields=["customer", "-ordered_on"], name="order_by_customer")]

    def __str__(self) -> str:
        return self.number


class TierRules(models.Model):
    """客户分级规则 (pk 1): level from the trailing-12-month signed contract amount (002)."""

    strategic_threshold = models.DecimalField(
        "战略客户(A)年合同额下限(元)",
        max_digits=16,
        decimal_places=2,
        default=Decimal("1000000.00"),
        validators=AMOUNT,
    )
    key_threshold = models.DecimalField(
        "重点客户(B)年合同额下限(元)",
        max_digits=16,
        decimal_places=2,
        default=Decimal("500000.00"),
        validators=AMOUNT,
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        "合同到期提前提醒(天)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "客户分级规则"
        verbose_name_plural = "客户分级规则"

    def __str__(self) -> str:
        return "客户分级规则"
