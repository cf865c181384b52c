from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import AuditEvent

if TYPE_CHECKING:
    from crm.customers.models import Customer


def customer_timeline(customer: Customer) -> QuerySet[AuditEvent]:
    """Everything that happened to a customer, newest first (the caller checked visibility)."""
    return AuditEvent.objects.filter(customer=customer).order_by("-id")
