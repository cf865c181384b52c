from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from .models import AuditEvent

if TYPE_CHECKING:
    from crm.customers.models import Customer


def customer_timeline(customer: Customer, viewer: Any = None) -> QuerySet[AuditEvent]:
    """Everything that happened to a customer, newest first (the caller checked visibility).

    With `viewer`, events of record cards the viewer may not see are left out (service staff
    see service records only, DOMAIN §6): the event's object_repr carries the card's content.
    """
    qs = AuditEvent.objects.filter(customer=customer)
    if getattr(viewer, "role", None) == "service" and not getattr(viewer, "is_admin", True):
        from crm.accounts import policy
        from crm.records.models import Record

        hidden = (
            Record.objects.filter(customer=customer)
            .exclude(policy.record_scope(viewer))
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        qs = qs.exclude(object_type="records.record", object_id__in=hidden)
    return qs.order_by("-id")
