"""Admin settings of the archive: custom fields and customer sources."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor

from ..models import CustomFieldDefinition, Source

# --- settings: custom fields ----------------------------------------------------------------

CUSTOM_FIELD_ATTRS = ("key", "label", "type", "choices", "required", "position", "is_active")


def save_custom_field(
    actor: Actor, definition: CustomFieldDefinition | None = None, **fields: Any
) -> CustomFieldDefinition:
    """Create or change an admin-defined custom field (the key never changes once created)."""
    policy.require(actor.user, "settings.manage")
    with transaction.atomic():
        if definition is None:
            definition, before = CustomFieldDefinition(), {}
        else:
            definition = CustomFieldDefinition.objects.select_for_update().get(pk=definition.pk)
            before = audit.snapshot(definition, CUSTOM_FIELD_ATTRS)
            fields.pop("key", None)
        for name, value in fields.items():
            setattr(definition, name, value)
        if definition.type == "choice" and not (
            isinstance(definition.choices, list)
            and definition.choices
            and all(isinstance(c, str) and c.strip() for c in definition.choices)
        ):
            raise ValidationError({"choices": "单选字段需要至少一个可选值(文本列表)"})
        definition.full_clean()
        definition.save()
        audit.record(
            actor,
            "settings.custom_field",
            definition,
            changes=audit.diff(before, audit.snapshot(definition, CUSTOM_FIELD_ATTRS)),
        )
    return definition


# --- settings: customer sources -------------------------------------------------------------

SOURCE_ATTRS = ("name", "position", "is_active")


def save_source(actor: Actor, source: Source | None = None, **fields: Any) -> Source:
    """Add or change a customer source (客户来源); retire one with is_active=False."""
    policy.require(actor.user, "settings.manage")
    unknown = set(fields) - set(SOURCE_ATTRS)
    if unknown:
        raise ValidationError(f"未知字段: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        if source is None:
            source, before = Source(), {}
        else:
            source = Source.objects.select_for_update().get(pk=source.pk)
            before = audit.snapshot(source, SOURCE_ATTRS)
        for name, value in fields.items():
            setattr(source, name, value.strip() if isinstance(value, str) else value)
        source.full_clean()
        source.save()
        audit.record(
            actor,
            "settings.source",
            source,
            changes=audit.diff(before, audit.snapshot(source, SOURCE_ATTRS)),
        )
    return source
