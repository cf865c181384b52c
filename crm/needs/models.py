"""Needs analyses 需求分析 and demand changes 需求变化 (seed 002 step 2; DOMAIN §5).

A needs analysis is the 《客户需求分析表》 written within 24 hours of the interview: pain points
by priority, explicit (measurable) needs, latent needs, the decision chain (contacts with their
roles and concerns), the budget range and the intent level, which the customer takes on (and
with it the follow-up cadence of the discipline engine). Only crm.needs.services writes here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from crm.contacts.choices import DecisionRole
from crm.core.models import ChoiceLabels
from crm.customers.choices import Intent

from .choices import Priority

AMOUNT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("99999999999999.99"))]


class NeedsQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Any:
        from crm.accounts import policy

        return self.filter(policy.customer_scope(user, "customer__"))


class NeedsAnalysis(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.PROTECT,
        related_name="needs_analyses",
    )
    record = models.ForeignKey(
        "records.Record",
        verbose_name="访谈记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    interviewed_at = models.DateTimeField("访谈时间")
    pain_points = models.JSONField("核心痛点(按优先级)", default=list, blank=True)
    explicit_needs = models.JSONField("明确需求", default=list, blank=True)
    latent_needs = models.JSONField("潜在需求", default=list, blank=True)
    budget_min = models.DecimalField(
        "预算下限(元)", max_digits=16, decimal_places=2, null=True, blank=True, validators=AMOUNT
    )
    budget_max = models.DecimalField(
        "预算上限(元)", max_digits=16, decimal_places=2, null=True, blank=True, validators=AMOUNT
    )
    budget_negotiable = models.BooleanField("预算可协商", default=False)
    budget_note = models.CharField("预算说明", max_length=100, blank=True)
    intent = models.CharField(
        "意向等级",
        max_length=6,
        choices=Intent.choices,
        error_messages={"blank": "请选择意向等级"},
    )
    filed_at = models.DateTimeField("填写时间", default=timezone.now, editable=False)
    is_late = models.BooleanField("超时填写", default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = NeedsQuerySet.as_manager()

    class Meta:
        verbose_name = "需求分析"
        verbose_name_plural = "需求分析"
        indexes = [models.Index(fields=["customer", "-interviewed_at"], name="needs_by_customer")]

    def __str__(self) -> str:
        return f"需求分析 {self.interviewed_at:%Y-%m-%d}"


class DecisionMember(ChoiceLabels, models.Model):
    """One person of the decision chain as the analysis found them."""

    analysis = models.ForeignKey(NeedsAnalysis, on_delete=models.CASCADE, related_name="chain")
    contact = models.ForeignKey(
        "contacts.Contact", verbose_name="联系人", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("决策链角色", max_length=16, choices=DecisionRole.choices)
    concerns = models.CharField("关注点", max_length=200, blank=True)

    class Meta:
        verbose_name = "决策链成员"
        verbose_name_plural = "决策链成员"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "contact"], name="decision_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.contact_id}"


class DemandChange(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.PROTECT,
        related_name="demand_changes",
    )
    record = models.ForeignKey(
        "records.Record",
        verbose_name="来源记录卡",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demand_changes",
    )
    original_need = models.CharField("原需求", max_length=300)
    current_need = models.CharField("现需求", max_length=300)
    trigger = models.CharField("触发点", max_length=200, blank=True)
    priority = models.CharField(
        "优先级", max_length=6, choices=Priority.choices, default=Priority.MEDIUM
    )
    changed_on = models.DateField("变化日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = NeedsQuerySet.as_manager()

    class Meta:
        verbose_name = "需求变化"
        verbose_name_plural = "需求变化"
        indexes = [models.Index(fields=["customer", "-changed_on"], name="demand_by_customer")]

    def __str__(self) -> str:
        return f"{self.original_need[:20]} → {self.current_need[:20]}"
