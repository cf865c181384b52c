"""FilterSets for the record-card and to-do lists (API now, pages next)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.utils import timezone

from crm.core.filters import IdFilter, UtcDateTimeFilter

from .choices import Purpose, RecordKind, TaskStatus
from .models import Record, Task


class RecordFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    maintainer = IdFilter(field_name="maintainer_id", label="维护人 ID")
    kind = filters.ChoiceFilter(choices=RecordKind.choices, label="记录类型")
    purpose = filters.ChoiceFilter(choices=Purpose.choices, label="沟通目的")
    is_late = filters.BooleanFilter(label="超时填写")
    voided = filters.BooleanFilter(label="已作废")
    occurred_after = UtcDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label="维护时间起"
    )
    occurred_before = UtcDateTimeFilter(
        field_name="occurred_at", lookup_expr="lte", label="维护时间止"
    )

    class Meta:
        model = Record
        fields: list[str] = []


class TaskFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    record = IdFilter(field_name="record_id", label="记录卡 ID")
    owner = IdFilter(field_name="owner_id", label="负责人 ID")
    status = filters.ChoiceFilter(choices=TaskStatus.choices, label="状态")
    due_after = filters.DateFilter(field_name="due", lookup_expr="gte", label="完成时限起")
    due_before = filters.DateFilter(field_name="due", lookup_expr="lte", label="完成时限止")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已逾期(未完成且过了完成时限)")

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[Task], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        late = {"status": TaskStatus.OPEN, "due__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)
