"""Admin settings of the archive: custom fields and customer sources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor

from ..models import CustomFieldDefinition, Industry, Source

CUSTOM_FIELD_ATTRS = ("key", "label", "type", "choices", "required", "position", "is_active")
SOURCE_ATTRS = ("name", "position", "is_active")


def _save_setting[M: models.Model](
    actor: Actor,
    obj: M,
    *,
    attrs: tuple[str, ...],
    action: str,
    fields: dict[str, Any],
    check: Callable[[M], None] | None = None,
) -> M:
    """Create (obj unsaved) or change (obj saved) one settings row: validate, save, audit."""
    policy.require(actor.user, "settings.manage")
    unknown = set(fields) - set(attrs)
    if unknown:
        raise ValidationError(f"未知字段: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        before: dict[str, Any] = {}
        if obj.pk is not None:
            obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
            before = audit.snapshot(obj, attrs)
        for name, value in fields.items():
            setattr(obj, name, value.strip() if isinstance(value, str) else value)
        if check is not None:
            check(obj)
        obj.full_clean()
        obj.save()
        audit.record(actor, action, obj, changes=audit.diff(before, audit.snapshot(obj, attrs)))
    return obj


def _check_choices(definition: CustomFieldDefinition) -> None:
    choices = definition.choices
    if definition.type == "choice" and not (
        isinstance(choices, list)
        and choices
        and all(isinstance(c, str) and c.strip() for c in choices)
    ):
        raise ValidationError({"choices": "单选字段需要至少一个可选值(文本列表)"})


def save_custom_field(
    actor: Actor, definition: CustomFieldDefinition | None = None, **fields: Any
) -> CustomFieldDefinition:
    """Create or change an admin-defined custom field (the key never changes once created)."""
    if definition is not None:
        fields.pop("key", None)
    return _save_setting(
        actor,
        definition or CustomFieldDefinition(),
        attrs=CUSTOM_FIELD_ATTRS,
        action="settings.custom_field",
        fields=fields,
        check=_check_choices,
    )


def save_source(actor: Actor, source: Source | None = None, **fields: Any) -> Source:
    """Add or change a customer source (客户来源); retire one with is_active=False."""
    return _save_setting(
        actor, source or Source(), attrs=SOURCE_ATTRS, action="settings.source", fields=fields
    )


def save_industry_code(actor: Actor, industry: Industry, *, short_code: str) -> Industry:
    """Set the industry's short code used by {IND} in customer numbers (e.g. TEC or TECH)."""
    return _save_setting(
        actor,
        industry,
        attrs=("short_code",),
        action="settings.industry_code",
        fields={"short_code": short_code.upper()},
    )
