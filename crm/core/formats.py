"""How values read on a page, the same everywhere (timeline, cards, exports)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone


def local_moment(value: Any) -> str:
    """A stored ISO date-time (UTC, microseconds) as the reader sees it: 2026-03-02 10:00."""
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def grouped_amount(value: Any) -> str:
    """An amount with thousands separators and two decimals: 13,630,000.00."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)
