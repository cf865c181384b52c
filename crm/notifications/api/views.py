"""Notifications API: GET /api/v1/notifications/[?unread=1] (the caller's, newest first, cursor
paged) and POST /api/v1/notifications/read/ with {"ids": [...]} or {"all": true}."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.accounts.models import User
from crm.core.api import CursorPagination, request_user, validated
from crm.notifications import selectors, services, text
from crm.notifications.choices import Kind
from crm.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()
    resolved = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Kind.choices)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "message",
            "customer",
            "task",
            "subject",
            "due",
            "overdue_days",
            "resolved",
            "created_at",
            "read_at",
            "emailed_at",
        ]
        read_only_fields = fields

    def get_message(self, obj: Notification) -> str:
        return text.message(obj)

    def get_resolved(self, obj: Notification) -> bool:
        return selectors.is_resolved(obj)

    def get_customer(self, obj: Notification) -> dict[str, Any]:
        return {"id": obj.customer_id, "name": obj.customer.name}


class ReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError("请提供要标为已读的提醒 ids,或 all: true")
        return attrs


class ReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationPagination(CursorPagination):
    page_size = 30


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """消息提醒: the caller's notifications (overdue follow-ups and to-dos, escalations)."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination

    def get_queryset(self) -> QuerySet[Notification]:
        user = cast(User, request_user(self.request))
        qs = selectors.inbox(user).select_related("customer", "task", "subject")
        if self.request.query_params.get("unread") in {"1", "true"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="只看未读")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ReadSerializer, responses={200: ReadResultSerializer})
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        """Mark the caller's notifications read: the given ids, or all of them."""
        body = validated(ReadSerializer, request.data)
        user = cast(User, request_user(request))
        if body.get("all"):
            marked = services.mark_all_read(user)
        else:
            marked = services.mark_read(user, body["ids"])
        return Response({"marked": marked})
