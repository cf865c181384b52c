"""Helpers the after-sales services share: fetch-and-authorise, checks, versioned saves, and
the customer flags derived from feedback and risks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.core.errors import PreconditionFailed
from crm.customers.models import Customer
from crm.customers.services import OWNER_ROLES
from crm.customers.services.related import (
    get_visible,
)

SYSTEM = Actor(None, "system")


def locked_for_edit[M: models.Model](
    actor: Actor, model: type[M], obj: Any, expected_version: int | None, label: str
) -> M:
    """The row locked for an update by an editor of its customer, at the expected version."""
    visible: Any = get_visible(actor, model, obj)
    policy.require_edit_customer(actor.user, visible.customer)
    locked: Any = model._default_manager.select_for_update().get(pk=visible.pk)
    if expected_version is not None and locked.version != expected_version:
        raise PreconditionFailed(
            f"该{label}已被他人修改,请刷新后再试", current_version=locked.version
        )
    locked.customer = visible.customer
    return locked  # type: ignore[no-any-return]


Checks = Callable[[], Mapping[str, str | None]]


def full_clean(obj: models.Model, checks: Checks, exclude: list[str]) -> None:
    """full_clean, then the rules' `checks` on the cleaned values: every problem at once, per
    field. A value full_clean could not convert is its field's error; the checks, which then
    cannot compare it, add nothing."""
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    try:
        extra = checks()
    except (TypeError, ValueError):
        extra = {}
    for name, message in extra.items():
        if message and name not in errors:
            errors[name] = [message]
    if errors:
        raise ValidationError(errors)


def squash(value: Any) -> str:
    """One line: inner whitespace runs become one space."""
    return " ".join(str(value or "").split())


def text(value: Any) -> str:
    return str(value or "").strip()


def save_new(obj: Any, actor: Actor) -> None:
    obj.created_by = actor.user
    obj.created_at = obj.updated_at = timezone.now()
    obj.save()


def save_version(obj: Any) -> None:
    obj.updated_at = timezone.now()
    obj.version += 1
    obj.save()


def check_owner(owner: User | None, customer: Customer, field: str = "owner") -> str | None:
    """A responsible person: active, of a role that works customers, able to see this one."""
    if owner is None:
        return "请选择负责人"
    if not owner.is_active:
        return "负责人账号已停用"
    if not (owner.is_admin or owner.role in OWNER_ROLES):
        return "负责人须为销售、销售经理、客户成功或管理员"
    if not Customer.objects.visible_to(owner).filter(pk=customer.pk).exists():
        return "负责人无权查看该客户"
    return None


def sync_flag(
    actor: Actor,
    customer_id: int,
    flag: str,
    value_of: Callable[[], bool],
    reasons: tuple[str, str],
) -> bool:
    """Set a derived flag on the customer with one UPDATE (no version bump: derived, like
    last_contacted_at) and audit it when it flips; `reasons` read (set, cleared). The value is
    read after the customer row is locked, so concurrent writes on one customer see each
    other. Returns whether the flag changed."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    before, value = bool(getattr(customer, flag)), value_of()
    if before == value:
        return False
    Customer.objects.filter(pk=customer_id).update(**{flag: value})
    setattr(customer, flag, value)
    audit.record(
        actor,
        "customer.flag",
        customer,
        customer=customer,
        changes={flag: {"before": before, "after": value}},
        reason=reasons[0] if value else reasons[1],
    )
    return True


def lock_customer(customer_id: int) -> None:
    """Serialise the writes that derive something on one customer (flags, the core pool)."""
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """audit.snapshot, with a related row written as 「name(#pk)」: two deliveries may share a
    title and two users a name, and a change between them must show (and count as a change)."""
    data = audit.snapshot(obj, fields)
    for name in fields:
        field: Any = obj._meta.get_field(name)
        if field.is_relation and data[name] is not None:
            data[name] = f"{data[name]}(#{getattr(obj, field.attname)})"
    return data
