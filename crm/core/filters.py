"""Filter pieces shared by every FilterSet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet


class IdFilter(filters.NumberFilter):
    """A whole, positive database id (anything else is a 400, never an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def as_utc(value: datetime) -> datetime:
    """Any ISO offset the parser accepts, as UTC (PostgreSQL refuses offsets past ±15:59)."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError("时间超出范围") from exc


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO date-time with any offset, compared in UTC, so no offset reaches the database."""

    def filter(self, qs: QuerySet[Any], value: datetime | None) -> QuerySet[Any]:
        return super().filter(qs, as_utc(value) if value is not None else value)
