"""The only writer of audit rows. Called by other services inside their transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db import models, transaction
from django.utils import timezone

from crm.core import bulk
from crm.core.actor import Actor

from .models import AuditEvent, SensitiveAccess

if TYPE_CHECKING:
    from crm.accounts.models import User
    from crm.contacts.models import Contact
    from crm.customers.models import Customer

REDACTED = "******"


def to_json(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value for before/after records."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: to_json(getattr(obj, name)) for name in fields}


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], redact: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """Per-field {"before", "after"} for fields whose value changed; redacted fields hide values."""
    hidden = set(redact)
    changes: dict[str, dict[str, Any]] = {}
    for name in after.keys() | before.keys():
        old, new = before.get(name), after.get(name)
        if old == new or (_empty(old) and _empty(new)):
            continue
        if name in hidden:  # compare the real values, then hide them
            old, new = (REDACTED if old else None), (REDACTED if new else None)
        changes[name] = {"before": old, "after": new}
    return dict(sorted(changes.items()))


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def record(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    customer: Customer | None = None,
) -> AuditEvent:
    """Append one audit event; must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "audit.record runs inside a transaction"
    user = actor.user
    return AuditEvent.objects.create(
        actor=user,
        actor_label=(user.get_full_name() or user.get_username()) if user else "系统",
        source=actor.source,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        customer=customer,
        changes=dict(changes or {}),
        reason=reason,
    )


def _access_row(actor: Actor, contact: Contact, field: str, reason: str) -> SensitiveAccess:
    # Callers check the grants first (policy.can_reveal_sensitive …), so a user is present.
    return SensitiveAccess(
        actor=cast("User", actor.user),
        source=actor.source,
        contact=contact,
        contact_label=contact.name[:60],
        customer_id=contact.customer_id,
        field=field,
        reason=reason,
    )


def record_sensitive_access(
    actor: Actor, *, contact: Contact, customer: Customer, field: str, reason: str
) -> SensitiveAccess:
    row = _access_row(actor, contact, field, reason)
    row.customer = customer
    row.save()
    return row


def record_sensitive_accesses(
    actor: Actor, items: Iterable[tuple[Contact, str]], *, reason: str
) -> int:
    """One access-log row per (contact, field) in one bulk insert: the full values an export,
    a printout or a vCard carried away. Each contact's `customer_id` names its customer."""
    rows = [_access_row(actor, contact, field, reason) for contact, field in items]
    SensitiveAccess.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def record_many(
    actor: Actor,
    action: str,
    items: Iterable[tuple[models.Model, Customer | None, Mapping[str, Any]]],
    *,
    reason: str = "",
) -> int:
    """Append one audit event per (object, customer, changes) in one bulk insert (the
    discipline engine's changed customers). Same rules as `record`: inside a transaction."""
    assert transaction.get_connection().in_atomic_block, "audit.record runs inside a transaction"
    user = actor.user
    label = (user.get_full_name() or user.get_username()) if user else "系统"
    now = timezone.now()
    events = [
        AuditEvent(
            at=now,
            actor=user,
            actor_label=label,
            source=actor.source,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            customer=customer,
            changes=dict(changes),
            reason=reason,
        )
        for obj, customer, changes in items
    ]
    bulk.insert(events)
    return len(events)
