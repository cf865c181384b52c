"""Helpers the pipeline services share: fetch-and-authorise, field checks, versioned saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import NotFound, PreconditionFailed
from crm.customers.models import Customer
from crm.customers.services import OWNER_ROLES


def pk_of(value: Any) -> int:
    return int(value.pk if hasattr(value, "pk") else value)


def get_visible[M: models.Model](actor: Actor, model: type[M], pk: Any) -> M:
    """A row of a visible customer (through its `customer`); missing and hidden answer alike."""
    manager: Any = model._default_manager
    try:
        return manager.visible_to(actor.user).select_related("customer").get(pk=pk_of(pk))
    except (model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:  # type: ignore[attr-defined]
        raise NotFound() from exc


def editable_customer(actor: Actor, customer: Any) -> Customer:
    try:
        found = Customer.objects.visible_to(actor.user).get(pk=pk_of(customer))
    except (Customer.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc
    policy.require_edit_customer(actor.user, found)
    return found


def reject_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"不能直接修改的字段: {', '.join(sorted(unknown))}")


def check_owner(owner: User | None, field: str = "owner") -> None:
    if owner is None:
        raise ValidationError({field: "请选择负责人"})
    if not owner.is_active:
        raise ValidationError({field: "负责人账号已停用"})
    if not (owner.is_admin or owner.role in OWNER_ROLES):
        raise ValidationError({field: "负责人须为销售、销售经理、客户成功或管理员"})


def full_clean(obj: models.Model, extra: Mapping[str, str] | None = None, **kw: Any) -> None:
    """full_clean plus cross-field errors, every problem at once, per field."""
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean(validate_constraints=False, **kw)
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    for name, message in (extra or {}).items():
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def lock[M: models.Model](model: type[M], pk: int, expected_version: int | None, label: str) -> M:
    obj = model._default_manager.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != expected_version:  # type: ignore[attr-defined]
        raise PreconditionFailed(
            f"该{label}已被他人修改,请刷新后再试",
            current_version=obj.version,  # type: ignore[attr-defined]
        )
    return obj


def save_version(obj: Any) -> None:
    obj.updated_at = timezone.now()
    obj.version = F("version") + 1
    obj.save()
    obj.refresh_from_db(fields=["version"])
