"""Helpers the pipeline services share: fetch-and-authorise, field checks, versioned saves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone

from crm.accounts.models import User
from crm.core.errors import PreconditionFailed
from crm.customers.services import OWNER_ROLES


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
