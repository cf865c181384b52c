"""Record cards and to-dos over REST: thin adapters over crm.records.services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api import (
    api_actor,
    expected_version,
    request_user,
    validated,
    versioned_response,
)
from crm.records import services
from crm.records.filters import RecordFilter, TaskFilter
from crm.records.models import Record, Task

from . import serializers as s


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """维护记录(记录卡). Never deleted: corrected with PATCH (If-Match) or voided."""

    filterset_class = RecordFilter
    ordering_fields = ["id", "occurred_at", "filed_at"]
    ordering = ["-id"]
    queryset = Record.objects.none()
    serializer_class = s.RecordSerializer

    def get_queryset(self) -> QuerySet[Record]:
        return Record.objects.visible_to(request_user(self.request)).with_list_data()

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.RecordSerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible_record(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.RecordCreateSerializer, responses={201: s.RecordSerializer})
    def create(self, request: Request) -> Response:
        actor = api_actor(request)
        data = validated(s.RecordCreateSerializer, request.data)
        customer = services.get_visible_customer(actor, data.pop("customer"))
        record = services.file_record(actor, customer=customer, **data)
        return self._detail(record.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.RecordWriteSerializer, responses={200: s.RecordSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        record = services.get_visible_record(actor, pk)
        version = expected_version(request, record.pk)
        data = validated(s.RecordWriteSerializer, request.data, partial=True)
        services.update_record(actor, record, expected_version=version, **data)
        return self._detail(record.pk)

    @extend_schema(request=s.VoidSerializer, responses={200: s.RecordSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        record = services.get_visible_record(actor, pk)
        services.void_record(actor, record, **validated(s.VoidSerializer, request.data))
        return self._detail(record.pk)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """待办事项. Closed with a result (complete) or a reason (cancel); reopen puts one back."""

    filterset_class = TaskFilter
    ordering_fields = ["id", "due", "created_at"]
    ordering = ["-id"]
    queryset = Task.objects.none()
    serializer_class = s.TaskSerializer

    def get_queryset(self) -> QuerySet[Task]:
        return Task.objects.visible_to(request_user(self.request)).with_list_data()

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.TaskSerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible_task(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.TaskCreateSerializer, responses={201: s.TaskSerializer})
    def create(self, request: Request) -> Response:
        actor = api_actor(request)
        data = validated(s.TaskCreateSerializer, request.data)
        customer = services.get_visible_customer(actor, data.pop("customer"))
        record_id = data.pop("record", None)
        record = services.get_visible_record(actor, record_id) if record_id else None
        task = services.create_task(actor, customer=customer, record=record, **data)
        return self._detail(task.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskWriteSerializer, responses={200: s.TaskSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        task = services.get_visible_task(actor, pk)
        version = expected_version(request, task.pk)
        data = validated(s.TaskWriteSerializer, request.data, partial=True)
        services.update_task(actor, task, expected_version=version, **data)
        return self._detail(task.pk)

    @extend_schema(request=s.CompleteSerializer, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        task = services.get_visible_task(actor, pk)
        services.complete_task(actor, task, **validated(s.CompleteSerializer, request.data))
        return self._detail(task.pk)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        task = services.get_visible_task(actor, pk)
        services.cancel_task(actor, task, **validated(s.ReasonSerializer, request.data))
        return self._detail(task.pk)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        task = services.get_visible_task(actor, pk)
        services.reopen_task(actor, task, **validated(s.ReasonSerializer, request.data))
        return self._detail(task.pk)
