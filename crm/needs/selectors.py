"""Reads of needs analyses and demand changes for the customer page (fixed query counts)."""

from __future__ import annotations

from typing import Any

from crm.customers.models import Customer

from .models import DemandChange, NeedsAnalysis

CHANGES_SHOWN = 5


def latest_analysis(user: Any, customer: Customer) -> NeedsAnalysis | None:
    """The current analysis (the latest interview) with its chain: two queries."""
    found = (
        NeedsAnalysis.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("created_by")
        .order_by("-interviewed_at", "-pk")
        .first()
    )
    if found is not None:
        found.members = list(found.chain.select_related("contact"))  # type: ignore[attr-defined]
    return found


def recent_changes(user: Any, customer: Customer) -> list[DemandChange]:
    rows = (
        DemandChange.objects.visible_to(user)
        .filter(customer=customer)
        .order_by("-changed_on", "-pk")[: CHANGES_SHOWN + 1]
    )
    return list(rows)
