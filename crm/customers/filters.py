"""One FilterSet for the customer list page and the API."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from crm.accounts.models import Team, User

from . import custom_fields
from .choices import Intent, Kind, Level, Stage, Status
from .models import Collaborator, Customer, CustomFieldDefinition, Source, Tag
from .querysets import filterset_viewer

CUSTOM_PREFIX = "cf_"


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="搜索")
    kind = filters.ChoiceFilter(choices=Kind.choices, label="客户类型")
    stage = filters.MultipleChoiceFilter(choices=Stage.choices, distinct=False, label="合作阶段")
    level = filters.MultipleChoiceFilter(choices=Level.choices, distinct=False, label="客户等级")
    status = filters.MultipleChoiceFilter(choices=Status.choices, distinct=False, label="状态标识")
    intent = filters.ChoiceFilter(choices=Intent.choices, label="意向等级")
    industry = filters.CharFilter(method="filter_industry", label="所属行业(门类或大类代码)")
    region = filters.CharFilter(method="filter_region", label="区域(省或市代码)")
    sales_region = filters.CharFilter(method="filter_sales_region", label="销售大区")
    source = filters.ModelChoiceFilter(queryset=Source.objects.all(), label="客户来源")
    owner = filters.ModelChoiceFilter(queryset=User.objects.all(), label="主责人")
    team = filters.ModelChoiceFilter(
        queryset=Team.objects.all(), field_name="owner__team", label="团队"
    )
    collaborator = filters.ModelChoiceFilter(
        queryset=User.objects.all(), method="filter_collaborator", label="协办人"
    )
    tag = filters.CharFilter(method="filter_tag", label="标签")
    flag_complaint = filters.BooleanFilter(label="投诉")
    flag_contract_expiring = filters.BooleanFilter(label="合同到期")
    flag_churn_risk = filters.BooleanFilter(label="流失风险")
    flag_to_verify = filters.BooleanFilter(label="信息待核实")
    flag_long_inactive = filters.BooleanFilter(label="长期无合作")
    created_after = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="创建日期起"
    )
    created_before = filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="创建日期止"
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        return queryset.search(value, user=filterset_viewer(self))  # type: ignore[attr-defined]

    def filter_industry(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        return queryset.filter(Q(industry_id=value) | Q(industry__parent_id=value))

    def filter_region(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        return queryset.filter(Q(region_id=value) | Q(region__parent_id=value))

    def filter_sales_region(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        return queryset.filter(
            Q(region__sales_region=value) | Q(region__parent__sales_region=value)
        )

    def filter_collaborator(self, queryset: QuerySet[Customer], name: str, value: User) -> Any:
        return queryset.filter(
            Exists(Collaborator.objects.filter(customer=OuterRef("pk"), user=value))
        )

    def filter_tag(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        tagged = Tag.objects.filter(name=value.strip(), customers=OuterRef("pk"))
        return queryset.filter(Exists(tagged))

    def filter_queryset(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        queryset = super().filter_queryset(queryset)
        return filter_custom_fields(queryset, self.data)


def filter_custom_fields(queryset: QuerySet[Customer], params: Any) -> QuerySet[Customer]:
    """cf_<key>=value (exact), and cf_<key>__gte / __lte for numbers and dates."""
    wanted = {k: v for k, v in params.items() if k.startswith(CUSTOM_PREFIX) and v != ""}
    if not wanted:
        return queryset
    definitions = {d.key: d for d in CustomFieldDefinition.objects.filter(is_active=True)}
    for param, raw in wanted.items():
        key, _, op = param.removeprefix(CUSTOM_PREFIX).partition("__")
        definition = definitions.get(key)
        if definition is None or op not in {"", "gte", "lte"}:
            raise ValidationError({param: "未知的自定义字段筛选条件"})
        if op and definition.type not in {"integer", "date"}:
            raise ValidationError({param: "只有整数和日期字段支持范围筛选"})
        try:
            value = custom_fields.parse_value(definition, raw)
        except ValidationError as exc:
            raise ValidationError({param: exc.messages}) from exc
        queryset = queryset.filter(**{f"custom__{key}{'__' + op if op else ''}": value})
    return queryset
