from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet

from .choices import DecisionRole
from .models import Contact


class IdFilter(filters.NumberFilter):
    """A whole, positive database id (anything else is a 400, never an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


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
        if q.isdigit() and len(q) >= 4:
            match |= Q(mobile__endswith=q) | Q(phone_digits__endswith=q)
        return queryset.filter(match)
