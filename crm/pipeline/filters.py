"""FilterSets for the opportunity, contract and order lists (API now, pages next)."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.utils import timezone

from crm.core.filters import IdFilter

from .choices import ContractStatus, OpportunityStatus
from .models import Contract, Opportunity, Order


class OpportunityFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    owner = IdFilter(field_name="owner_id", label="负责人 ID")
    status = filters.ChoiceFilter(choices=OpportunityStatus.choices, label="状态")
    pipeline = IdFilter(field_name="pipeline_id", label="销售流程 ID")
    stage = IdFilter(field_name="stage_id", label="阶段 ID")
    stage_code = filters.CharFilter(
        field_name="stage__code", max_length=30, label="阶段代码(跨流程,如 negotiation)"
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []


class ContractFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    status = filters.ChoiceFilter(choices=ContractStatus.choices, label="合同状态")
    expiring = filters.BooleanFilter(
        method="filter_expiring", label="即将到期(履行中且在提醒天数内到期)"
    )
    signed_after = filters.DateFilter(field_name="signed_on", lookup_expr="gte", label="签订日期起")
    signed_before = filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label="签订日期止"
    )

    class Meta:
        model = Contract
        fields: list[str] = []

    def filter_expiring(self, queryset: QuerySet[Contract], name: str, value: bool | None) -> Any:
        """rules.is_expiring as a query: active, ending from today to today + warning days."""
        if value is None:
            return queryset
        from .services import tier_rules

        today = timezone.localdate()
        until = today + datetime.timedelta(days=tier_rules().expiry_warning_days)
        expiring = {"status": ContractStatus.ACTIVE, "ends_on__range": (today, until)}
        return queryset.filter(**expiring) if value else queryset.exclude(**expiring)


class OrderFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    contract = IdFilter(field_name="contract_id", label="所属合同 ID")
    ordered_after = filters.DateFilter(
        field_name="ordered_on", lookup_expr="gte", label="订单日期起"
    )
    ordered_before = filters.DateFilter(
        field_name="ordered_on", lookup_expr="lte", label="订单日期止"
    )

    class Meta:
        model = Order
        fields: list[str] = []
