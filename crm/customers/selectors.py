"""Reads for pages: always start from visible_to(user), already prefetched."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.audit.selectors import customer_timeline
from crm.core.errors import NotFound

from .models import Customer

PAGE = 50


def customer_list(user: User, params: Any) -> tuple[list[Customer], int | None, Any]:
    """One keyset page of the filtered list (newest first) and the cursor of the next page."""
    from .filters import CustomerFilter

    base = Customer.objects.visible_to(user).with_list_data().prefetch_related("tags")
    filterset = CustomerFilter(params, queryset=base)
    filterset.user = user  # the viewer: full phone numbers match only where they see them
    qs = base.none()
    if filterset.is_valid():
        try:
            qs = filterset.qs.order_by("-id")
        except ValidationError as exc:
            filterset.form.add_error(None, exc.messages)
            qs = base.none()
    after = cursor_param(params, "after")
    if after:
        qs = qs.filter(id__lt=after)
    rows = list(qs[: PAGE + 1])
    next_cursor = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return rows[:PAGE], next_cursor, filterset


def cursor_param(params: Any, name: str) -> int | None:
    """A keyset cursor (an id) from the query string; anything else means "from the top"."""
    value = params.get(name, "")
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


def customer_detail(user: User, pk: int) -> Customer:
    """The customer page's customer, or NotFound when missing or outside the user's scope."""
    qs = Customer.objects.visible_to(user).with_permissions(user).with_detail_data()
    customer = qs.prefetch_related("contacts").filter(pk=pk).first()
    if customer is None:
        raise NotFound()
    return customer


def timeline_page(customer: Customer, before: int | None = None) -> tuple[list[AuditEvent], Any]:
    qs: QuerySet[AuditEvent] = customer_timeline(customer).select_related("actor")
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: PAGE + 1])
    return rows[:PAGE], (rows[PAGE - 1].pk if len(rows) > PAGE else None)
