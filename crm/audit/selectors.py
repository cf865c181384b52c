from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent


def customer_timeline(customer: object) -> QuerySet[AuditEvent]:
    """Everything that happened to a customer, newest first (the caller checked visibility)."""
    return AuditEvent.objects.filter(customer=customer).order_by("-id")
