from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.core.models import ChoiceLabels
from crm.core.validators import validate_uscc

from .choices import (
    AddressKind,
    Channel,
    ClaimStatus,
    CustomFieldType,
    Headcount,
    Intent,
    Kind,
    Level,
    Stage,
    Status,
)
from .querysets import CustomerQuerySet


def _check_uscc(value: str) -> None:
    validate_uscc(value)


# Keys become JSON lookups (custom__<key>); they must never read as a lookup or a transform.
RESERVED_KEYS = frozenset(
    {
        "contains",
        "contained_by",
        "has_key",
        "has_keys",
        "has_any_keys",
        "isnull",
        "exact",
        "iexact",
        "in",
        "gt",
        "gte",
        "lt",
        "lte",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "icontains",
        "regex",
        "iregex",
        "range",
        "key",
    }
)


def _check_custom_key(value: str) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", value) or value in RESERVED_KEYS:
        raise ValidationError(
            "字段键应以小写字母开头,只含小写字母、数字和单个下划线,且不能是保留字", code="invalid"
        )


class Industry(models.Model):
    """GB/T 4754-2017: sections (A-T) and divisions (01-97)."""

    code = models.CharField("代码", max_length=4, primary_key=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField("名称", max_length=60)
    short_code = models.CharField(
        "编号简码",
        max_length=6,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2,6}$", "编号简码应为 2-6 个大写英文字母,例如 TEC 或 TECH")
        ],
        help_text="客户编号中 {IND} 的取值;大类留空时沿用门类的简码",
    )

    class Meta:
        verbose_name = "行业"
        verbose_name_plural = "行业"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def number_code(self) -> str:
        """The short code used by {IND} in customer numbers (a division uses its section's)."""
        if self.short_code:
            return self.short_code
        return self.parent.short_code if self.parent_id and self.parent else ""


class Region(models.Model):
    """GB/T 2260 provinces and prefecture-level cities, with the sales region grouping."""

    code = models.CharField("代码", max_length=6, primary_key=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField("名称", max_length=40)
    level = models.CharField("级别", max_length=10)
    sales_region = models.CharField("销售大区", max_length=10, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        if self.parent_id and self.parent:
            return f"{self.parent.name} {self.name}"
        return self.name


class Source(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "客户来源"
        verbose_name_plural = "客户来源"
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomFieldDefinition(ChoiceLabels, models.Model):
    key = models.CharField(
        "字段键",
        max_length=40,
        unique=True,
        validators=[_check_custom_key],
        help_text="小写字母开头,只含小写字母、数字和单个下划线,如 satisfaction_score",
    )
    label = models.CharField("名称", max_length=40)
    type = models.CharField("类型", max_length=10, choices=CustomFieldType.choices)
    choices = models.JSONField("可选值", default=list, blank=True)
    required = models.BooleanField("必填", default=False)
    position = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "自定义字段"
        verbose_name_plural = "自定义字段"
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class NumberRule(models.Model):
    """The customer-number pattern (one row). Tokens: {YYYY} {YYYYMMDD} {IND} {SEQ:n}."""

    pattern = models.CharField("编号规则", max_length=60, default="CRM-{YYYYMMDD}-{SEQ:3}")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "客户编号规则"
        verbose_name_plural = "客户编号规则"

    def __str__(self) -> str:
        return self.pattern


class NumberSequence(models.Model):
    """Last value handed out per rendered prefix; bumped by one atomic upsert."""

    key = models.CharField(max_length=80, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Customer(ChoiceLabels, models.Model):
    number = models.CharField("客户编号", max_length=60, unique=True, editable=False)
    name = models.CharField("客户名称", max_length=200)
    short_name = models.CharField("简称", max_length=60, blank=True)
    kind = models.CharField(
        "客户类型", max_length=12, choices=Kind.choices, default=Kind.ENTERPRISE
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, validators=[_check_uscc])
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    name_pinyin = models.CharField(max_length=600, editable=False, blank=True)
    name_initials = models.CharField(max_length=200, editable=False, blank=True)
    industry = models.ForeignKey(
        Industry,
        verbose_name="所属行业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField("客户等级", max_length=1, choices=Level.choices, default=Level.C)
    level_manual = models.BooleanField("等级手动指定", default=False)
    source = models.ForeignKey(
        Source,
        verbose_name="客户来源",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        Region,
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stage = models.CharField(
        "合作阶段", max_length=12, choices=Stage.choices, default=Stage.POTENTIAL
    )
    stage_changed_at = models.DateTimeField("阶段变更时间", default=timezone.now)
    churn_reason = models.CharField("流失原因", max_length=200, blank=True)
    status = models.CharField(
        "状态标识", max_length=14, choices=Status.choices, default=Status.NORMAL
    )
    intent = models.CharField("意向等级", max_length=6, choices=Intent.choices, blank=True)
    need_keywords = models.CharField("初步需求关键词", max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="主责人",
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    collaborators = models.ManyToManyField(  # type: ignore[var-annotated]
        settings.AUTH_USER_MODEL,
        verbose_name="协办人",
        through="Collaborator",
        related_name="collaborating_customers",
        blank=True,
    )
    tags = models.ManyToManyField(Tag, verbose_name="标签", blank=True, related_name="customers")
    # profile 基础信息
    founded_on = models.DateField("成立时间", null=True, blank=True)
    headcount = models.CharField("企业规模", max_length=8, choices=Headcount.choices, blank=True)
    main_products = models.CharField("主营产品", max_length=300, blank=True)
    annual_revenue = models.DecimalField(
        "年营业额(元)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    # cooperation 业务往来
    first_cooperation_on = models.DateField("合作起始时间", null=True, blank=True)
    last_cooperation_on = models.DateField("最近合作时间", null=True, blank=True)
    cooperation_products = models.CharField("合作产品/服务", max_length=300, blank=True)
    cumulative_amount = models.DecimalField(
        "累计合作金额(元)", max_digits=16, decimal_places=2, default=Decimal(0), editable=False
    )
    # preferences 客户偏好
    preferred_channel = models.CharField(
        "沟通方式偏好", max_length=10, choices=Channel.choices, blank=True
    )
    service_preference = models.CharField("服务需求偏好", max_length=200, blank=True)
    focus = models.CharField("关注重点", max_length=200, blank=True)
    # flags 异常标记
    flag_complaint = models.BooleanField("投诉", default=False)
    flag_contract_expiring = models.BooleanField("合同到期", default=False)
    flag_churn_risk = models.BooleanField("流失风险", default=False)
    flag_to_verify = models.BooleanField("信息待核实", default=False)
    flag_long_inactive = models.BooleanField("长期无合作", default=False)
    custom = models.JSONField("自定义字段", default=dict, blank=True)
    notes = models.TextField("备注", blank=True)
    last_contacted_at = models.DateTimeField("最近联系时间", null=True, blank=True)
    # follow-up discipline 跟进纪律: written by crm.discipline.engine only (derived values)
    follow_up_due = models.DateField("下次应跟进日期", null=True, blank=True, editable=False)
    follow_up_overdue_days = models.PositiveIntegerField(
        "跟进逾期工作日", default=0, editable=False
    )
    escalated = models.BooleanField("已升级至经理", default=False, editable=False)
    info_checked_on = models.DateField("信息核实日期", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "客户"
        verbose_name_plural = "客户"
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~Q(uscc=""), name="customer_unique_uscc"
            ),
            models.UniqueConstraint(
                fields=["name_key"],
                condition=Q(kind="enterprise"),
                name="customer_unique_enterprise_name",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-id"], name="customer_owner"),
            models.Index(fields=["stage", "-id"], name="customer_stage"),
            models.Index(fields=["-updated_at", "-id"], name="customer_updated"),
            models.Index(fields=["owner", "follow_up_due"], name="customer_owner_due"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchGram(models.Model):
    """One distinct two-character piece (lower-cased) of a customer's searchable texts.

    Written only by crm.customers.search_index (the services call it); searches look a piece
    up by the primary key (gram, customer), an index range scan. The foreign key has no
    database constraint: the table is derived data, rebuilt in bulk, and a row of a deleted
    customer would only add a candidate that the search's exact check drops.
    """

    pk = models.CompositePrimaryKey("gram", "customer")
    gram = models.CharField(max_length=2)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = "搜索片段"
        verbose_name_plural = "搜索片段"
        indexes = [models.Index(fields=["customer"], name="searchgram_customer")]

    def __str__(self) -> str:
        return f"{self.gram}:{self.customer_id}"


class Collaborator(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "协办人"
        verbose_name_plural = "协办人"
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="collaborator_unique")
        ]
        indexes = [models.Index(fields=["user", "customer"], name="collaborator_by_user")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.user_id}"


class Address(ChoiceLabels, models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField("类型", max_length=8, choices=AddressKind.choices)
    label = models.CharField("名称", max_length=60, blank=True, help_text="如 上海分公司")
    region = models.ForeignKey(
        Region,
        verbose_name="省市",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.CharField("详细地址", max_length=200)

    class Meta:
        verbose_name = "地址"
        verbose_name_plural = "地址"
        ordering = ["-kind", "pk"]  # "hq" sorts after "branch": head office first
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(kind="hq"),
                name="address_one_hq",
                violation_error_message="每个客户只能有一个总部地址,其他地址请选择分支机构",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region or ''}{self.detail}"


class StageTransition(ChoiceLabels, models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField("原阶段", max_length=12, choices=Stage.choices)
    to_stage = models.CharField("新阶段", max_length=12, choices=Stage.choices)
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("原因", blank=True)
    churn_reason = models.CharField("流失原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "阶段变更"
        verbose_name_plural = "阶段变更"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["customer", "-at"], name="transition_by_customer")]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class DuplicateClaim(ChoiceLabels, models.Model):
    """A user who was refused as a duplicate asks the owner's manager to resolve it."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="claims")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duplicate_claims"
    )
    note = models.TextField("说明", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "重复客户申请"
        verbose_name_plural = "重复客户申请"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "requester"],
                condition=Q(status="open"),
                name="claim_one_open_per_requester",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.customer_id}"
