"""FilterSets for the after-sales lists: deliveries, surveys, feedback, referrals, risks and
the case library (one FilterSet each, for the API and the pages)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from crm.core.filters import IdFilter

from . import rules
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
)
from .models import Case, Delivery, Feedback, Referral, Risk, Survey

# Delivery.status as a query: the same dates the model property reads.
DELIVERY_STATUS = {
    DeliveryStatus.IN_PROGRESS: {"delivered_on__isnull": True, "accepted_on__isnull": True},
    DeliveryStatus.DELIVERED: {"delivered_on__isnull": False, "accepted_on__isnull": True},
    DeliveryStatus.ACCEPTED: {"accepted_on__isnull": False},
}


class DeliveryFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    contract = IdFilter(field_name="contract_id", label="所属合同 ID")
    status = filters.ChoiceFilter(
        choices=DeliveryStatus.choices, method="filter_status", label="交付状态"
    )
    delivered_after = filters.DateFilter(
        field_name="delivered_on", lookup_expr="gte", label="交付日期起"
    )
    delivered_before = filters.DateFilter(
        field_name="delivered_on", lookup_expr="lte", label="交付日期止"
    )

    class Meta:
        model = Delivery
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[Delivery], name: str, value: str) -> Any:
        return queryset.filter(**DELIVERY_STATUS[DeliveryStatus(value)])


class SurveyFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    delivery = IdFilter(field_name="delivery_id", label="所属交付 ID")
    referral_intent = filters.ChoiceFilter(choices=ReferralIntent.choices, label="合作或推荐意向")
    surveyed_after = filters.DateFilter(
        field_name="surveyed_on", lookup_expr="gte", label="调查日期起"
    )
    surveyed_before = filters.DateFilter(
        field_name="surveyed_on", lookup_expr="lte", label="调查日期止"
    )

    class Meta:
        model = Survey
        fields: list[str] = []


class FeedbackFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    kind = filters.ChoiceFilter(choices=FeedbackKind.choices, label="反馈类型")
    category = filters.ChoiceFilter(choices=FeedbackCategory.choices, label="反馈类别")
    status = filters.ChoiceFilter(choices=FeedbackStatus.choices, label="处理状态")
    received_after = filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label="反馈日期起"
    )
    received_before = filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label="反馈日期止"
    )

    class Meta:
        model = Feedback
        fields: list[str] = []


class ReferralFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="推荐客户 ID")
    referred = IdFilter(field_name="referred_id", label="被推荐客户 ID")
    status = filters.ChoiceFilter(choices=ReferralStatus.choices, label="状态")

    class Meta:
        model = Referral
        fields: list[str] = []


class RiskFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    owner = IdFilter(field_name="owner_id", label="负责人 ID")
    kind = filters.ChoiceFilter(choices=RiskKind.choices, label="风险类型")
    level = filters.ChoiceFilter(choices=RiskLevel.choices, label="风险等级")
    status = filters.ChoiceFilter(choices=RiskStatus.choices, label="状态")
    outcome = filters.ChoiceFilter(choices=RiskOutcome.choices, label="应对结果")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte", label="处理期限起")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", label="处理期限止")

    class Meta:
        model = Risk
        fields: list[str] = []


class CaseFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    kind = filters.ChoiceFilter(choices=CaseKind.choices, label="案例类型")
    tag = filters.CharFilter(method="filter_tag", max_length=100, label="标签(完整匹配一个标签)")

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_tag(self, queryset: QuerySet[Case], name: str, value: str) -> Any:
        """One whole tag, normalised as the services store it (a LIKE on `tag_index`)."""
        tags, _ = rules.normalise_tags([value])
        if not tags:  # not a tag any case can carry
            return queryset.none()
        return queryset.filter(tag_index__contains=rules.tag_index(tags))
