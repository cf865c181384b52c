from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet

from crm.core.filters import IdFilter
from crm.customers.querysets import contact_phone_match, filterset_viewer

from .choices import DecisionRole
from .models import Contact


class ContactFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="搜索(姓名、拼音、手机尾号)")
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    decision_role = filters.ChoiceFilter(choices=DecisionRole.choices, label="决策链角色")
    is_primary = filters.BooleanFilter(label="主要联系人")

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Contact], name: str, value: str) -> Any:
        q = "".join(value.split())
        if not q:
            return queryset
        match = Q(name__icontains=q) | Q(title__icontains=q)
        if q.isascii() and q.isalpha():
            match |= Q(name_pinyin__startswith=q.lower()) | Q(name_initials__startswith=q.lower())
        phone = contact_phone_match(q, filterset_viewer(self))
        if phone is not None:
            match |= phone
        return queryset.filter(match)
