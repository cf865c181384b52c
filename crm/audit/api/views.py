"""The audit trail and the sensitive-access log, for administrators (read-only)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from crm.accounts import policy
from crm.audit.models import SOURCE_CHOICES, AuditEvent, SensitiveAccess
from crm.core.api import request_user
from crm.core.filters import IdFilter, UtcDateTimeFilter

from .serializers import AuditEventSerializer, SensitiveAccessSerializer


class IsAuditor(BasePermission):
    message = "只有管理员可以查看审计记录"

    def has_permission(self, request: Request, view: Any) -> bool:
        return policy.has(request_user(request), "audit.read")


class AuditEventFilter(filters.FilterSet):
    action = filters.CharFilter(label="动作,如 customer.update")
    actor = IdFilter(field_name="actor_id", label="操作人 ID")
    source = filters.ChoiceFilter(choices=SOURCE_CHOICES, label="来源")
    object_type = filters.CharFilter(label="对象类型,如 customers.customer")
    object_id = filters.CharFilter(label="对象 ID")
    after = UtcDateTimeFilter(field_name="at", lookup_expr="gte", label="起始时间")
    before = UtcDateTimeFilter(field_name="at", lookup_expr="lt", label="截止时间")

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Every write in the system, newest first (append-only)."""

    permission_classes = [IsAuditor]
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["id"]
    ordering = ["-id"]
    queryset = AuditEvent.objects.none()

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.all()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "personal_full": True}


class SensitiveAccessFilter(filters.FilterSet):
    """Plain ids: the log keeps the id of a contact that has since been deleted."""

    actor = IdFilter(field_name="actor_id", label="查看人 ID")
    contact = IdFilter(field_name="contact_id", label="联系人 ID")
    customer = IdFilter(field_name="customer_id", label="客户 ID")
    field = filters.CharFilter(label="字段")

    class Meta:
        model = SensitiveAccess
        fields: list[str] = []


class SensitiveAccessViewSet(viewsets.ReadOnlyModelViewSet):
    """Who revealed which ID number or bank account, when and why (PIPL access log)."""

    permission_classes = [IsAuditor]
    serializer_class = SensitiveAccessSerializer
    filterset_class = SensitiveAccessFilter
    ordering_fields = ["id"]
    ordering = ["-id"]
    queryset = SensitiveAccess.objects.none()

    def get_queryset(self) -> QuerySet[SensitiveAccess]:
        return SensitiveAccess.objects.select_related("actor", "contact", "customer")
