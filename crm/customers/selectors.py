"""Reads for pages: always start from visible_to(user), already prefetched."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.audit.selectors import customer_timeline

from .models import Customer

PAGE = 50


def customer_list(user: User, params: Any) -> tuple[list[Customer], int | None, Any]:
    """One keyset page of the filtered list (newest first) and the cursor of the next page."""
    from .filters import CustomerFilter

    base = Customer.objects.visible_to(user).with_list_data().prefetch_related("tags")
    filterset = CustomerFilter(params, queryset=base)
    qs = base.none()
    if filterset.is_valid():
        try:
            qs = filterset.qs.order_by("-id")
        except ValidationError as exc:
            filterset.form.add_error(None, exc.messages)
            qs = base.none()
    after = params.get("after", "")
    if after.isdigit():
        qs = qs.filter(id__lt=int(after))
    rows = list(qs[: PAGE + 1])
    next_cursor = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return rows[:PAGE], next_cursor, filterset


def customer_detail(user: User, pk: int) -> Customer:
    return (
        Customer.objects.visible_to(user)
        .with_permissions(user)
        .with_detail_data()
        .prefetch_related("contacts")
        .get(pk=pk)
    )


def timeline_page(customer: Customer, before: int | None = None) -> tuple[list[AuditEvent], Any]:
    qs: QuerySet[AuditEvent] = customer_timeline(customer).select_related("actor")
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: PAGE + 1])
    return rows[:PAGE], (rows[PAGE - 1].pk if len(rows) > PAGE else None)
