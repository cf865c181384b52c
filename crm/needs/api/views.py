"""Needs analyses and demand changes over REST: thin adapters over crm.needs.services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api import api_actor, expected_version, request_user, validated, versioned_response
from crm.needs import services
from crm.needs.models import DemandChange, NeedsAnalysis

from . import serializers as s


class AnalysisFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="customer_id", label="客户 ID")
    intent = filters.CharFilter(label="意向等级")

    class Meta:
        model = NeedsAnalysis
        fields = ["customer", "intent", "is_late"]


class ChangeFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="customer_id", label="客户 ID")
    record = filters.NumberFilter(field_name="record_id", label="来源记录卡")
    changed_after = filters.DateFilter(field_name="changed_on", lookup_expr="gte")
    changed_before = filters.DateFilter(field_name="changed_on", lookup_expr="lte")

    class Meta:
        model = DemandChange
        fields = ["customer", "record", "priority"]


def _chain(data: dict[str, Any]) -> None:
    if "chain" in data:
        data["chain"] = [dict(member) for member in data["chain"]]


class AnalysisViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """需求分析. Filing one sets the customer's intent and its contacts' decision roles."""

    filterset_class = AnalysisFilter
    ordering_fields = ["id", "interviewed_at"]
    ordering = ["-id"]
    queryset = NeedsAnalysis.objects.none()
    serializer_class = s.AnalysisSerializer

    def get_queryset(self) -> QuerySet[NeedsAnalysis]:
        visible = NeedsAnalysis.objects.visible_to(request_user(self.request))
        return visible.select_related("customer").prefetch_related("chain__contact")

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.AnalysisSerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible_analysis(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.AnalysisCreateSerializer, responses={201: s.AnalysisSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.AnalysisCreateSerializer, request.data)
        _chain(data)
        made = services.file_analysis(api_actor(request), **data)
        return self._detail(made.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.AnalysisWriteSerializer, responses={200: s.AnalysisSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        analysis = services.get_visible_analysis(actor, pk)
        version = expected_version(request, analysis.pk)
        data = validated(s.AnalysisWriteSerializer, request.data, partial=True)
        _chain(data)
        services.update_analysis(actor, analysis, expected_version=version, **data)
        return self._detail(analysis.pk)


class ChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """需求变化, optionally raised from the record card that surfaced it."""

    filterset_class = ChangeFilter
    ordering_fields = ["id", "changed_on"]
    ordering = ["-id"]
    queryset = DemandChange.objects.none()
    serializer_class = s.ChangeSerializer

    def get_queryset(self) -> QuerySet[DemandChange]:
        visible = DemandChange.objects.visible_to(request_user(self.request))
        return visible.select_related("customer")

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.ChangeSerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible_change(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.ChangeCreateSerializer, responses={201: s.ChangeSerializer})
    def create(self, request: Request) -> Response:
        made = services.record_change(
            api_actor(request), **validated(s.ChangeCreateSerializer, request.data)
        )
        return self._detail(made.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.ChangeWriteSerializer, responses={200: s.ChangeSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        change = services.get_visible_change(actor, pk)
        version = expected_version(request, change.pk)
        data = validated(s.ChangeWriteSerializer, request.data, partial=True)
        services.update_change(actor, change, expected_version=version, **data)
        return self._detail(change.pk)
