"""What the services of rows that belong to a customer share (opportunities, contracts, needs,
deliveries, surveys …): fetch-and-authorise through the customer's visibility, and refusing
fields a service does not write. Hidden and missing answer alike (NotFound); a customer the
actor sees but may not edit is PermissionDenied."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from crm.accounts import policy
from crm.core.actor import Actor
from crm.core.errors import NotFound
from crm.customers.models import Customer

BAD_KEYS = (TypeError, ValueError, OverflowError)


def pk_of(value: Any) -> int:
    return int(value.pk if hasattr(value, "pk") else value)


def visible_customer(actor: Actor, customer: Any) -> Customer:
    try:
        return Customer.objects.visible_to(actor.user).get(pk=pk_of(customer))
    except (Customer.DoesNotExist, *BAD_KEYS) as exc:
        raise NotFound() from exc


def editable_customer(actor: Actor, customer: Any) -> Customer:
    """A customer the actor may edit: hidden or missing is NotFound, seen only PermissionDenied."""
    found = visible_customer(actor, customer)
    policy.require_edit_customer(actor.user, found)
    return found


def get_visible[M: models.Model](actor: Actor, model: type[M], pk: Any) -> M:
    """A row of a visible customer (its manager's visible_to goes through `customer`)."""
    manager: Any = model._default_manager
    try:
        return manager.visible_to(actor.user).select_related("customer").get(pk=pk_of(pk))
    except (model.DoesNotExist, *BAD_KEYS) as exc:  # type: ignore[attr-defined]
        raise NotFound() from exc


def reject_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"不能直接修改的字段: {', '.join(sorted(unknown))}")
