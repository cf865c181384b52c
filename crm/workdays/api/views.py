"""Working-day API: thin adapters over crm.workdays.calendar and crm.workdays.services."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api import CursorPagination, ReadOnlyOrAdmin, api_actor, validated
from crm.workdays import calendar, services
from crm.workdays.models import CalendarOverride

from . import serializers as s


class WorkdayViewSet(viewsets.ViewSet):
    """工作日计算 (PRC holidays and make-up days, with administrators' overrides)."""

    @extend_schema(parameters=[s.AddQuerySerializer], responses={200: s.AddResultSerializer})
    @action(detail=False, methods=["get"])
    def add(self, request: Request) -> Response:
        """The `days`-th working day after `start` (before it when negative)."""
        query = validated(s.AddQuerySerializer, request.query_params)
        start, days = query["start"], query["days"]
        result = calendar.add_workdays(start, days)
        low, high = sorted((start.year, result.year))
        known = all(calendar.known_year(year) for year in range(low, high + 1))
        body = {"start": start, "days": days, "result": result, "known_year": known}
        return Response(s.AddResultSerializer(body).data)

    @extend_schema(
        parameters=[s.BetweenQuerySerializer], responses={200: s.BetweenResultSerializer}
    )
    @action(detail=False, methods=["get"])
    def between(self, request: Request) -> Response:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        query = validated(s.BetweenQuerySerializer, request.query_params)
        count = calendar.workdays_between(query["start"], query["end"])
        body = {"start": query["start"], "end": query["end"], "workdays": count}
        return Response(s.BetweenResultSerializer(body).data)


class OverridePagination(CursorPagination):
    ordering = "day"


YEAR_PARAM = OpenApiParameter("year", int, description="只看这一年的调整", required=False)


class CalendarOverrideViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """工作日调整: everyone signed in reads; administrators set (POST, by day) and delete."""

    serializer_class = s.OverrideSerializer
    permission_classes = [ReadOnlyOrAdmin]
    pagination_class = OverridePagination
    lookup_field = "day"
    lookup_value_regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def get_queryset(self) -> QuerySet[CalendarOverride]:
        qs = CalendarOverride.objects.select_related("updated_by").order_by("day")
        year = self.request.query_params.get("year", "")
        if self.action == "list" and year:
            if not (year.isascii() and year.isdigit() and 1900 <= int(year) <= 2100):
                raise exceptions.ValidationError({"year": ["年份须为 1900 至 2100 之间的整数"]})
            qs = qs.filter(day__year=int(year))
        return qs

    @extend_schema(parameters=[YEAR_PARAM])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _parse_day(kwargs["day"])
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.OverrideSerializer, responses={200: s.OverrideSerializer})
    def create(self, request: Request) -> Response:
        """Set one day's override (creates it, or changes the day's existing one)."""
        data = validated(s.OverrideSerializer, request.data)
        existed = CalendarOverride.objects.filter(day=data["day"]).exists()
        obj = services.set_override(api_actor(request), **data)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(s.OverrideSerializer(obj).data, status=code)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, day: str) -> Response:
        """Remove the day's override: the day follows chinese-calendar again."""
        services.remove_override(api_actor(request), day=_parse_day(day))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _parse_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise exceptions.ValidationError({"day": ["日期格式不正确,应为 YYYY-MM-DD"]}) from exc
