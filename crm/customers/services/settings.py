"""Admin settings of the archive: custom fields, customer sources, industry codes and tags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor

from ..models import Customer, CustomFieldDefinition, Industry, Source, Tag

CUSTOM_FIELD_ATTRS = ("key", "label", "type", "choices", "required", "position", "is_active")
SOURCE_ATTRS = ("name", "position", "is_active")


def save_setting[M: models.Model](
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
    return save_setting(
        actor,
        definition or CustomFieldDefinition(),
        attrs=CUSTOM_FIELD_ATTRS,
        action="settings.custom_field",
        fields=fields,
        check=_check_choices,
    )


def save_source(actor: Actor, source: Source | None = None, **fields: Any) -> Source:
    """Add or change a customer source (客户来源); retire one with is_active=False."""
    return save_setting(
        actor, source or Source(), attrs=SOURCE_ATTRS, action="settings.source", fields=fields
    )


def save_industry_code(actor: Actor, industry: Industry, *, short_code: str) -> Industry:
    """Set the industry's short code used by {IND} in customer numbers (e.g. TEC or TECH)."""
    return save_setting(
        actor,
        industry,
        attrs=("short_code",),
        action="settings.industry_code",
        fields={"short_code": short_code.upper()},
    )


# --- tags -----------------------------------------------------------------------------------


def _tagged_customers(tag: Tag) -> models.QuerySet[Any]:
    """Rows of the customer-tag link table for one tag."""
    return Customer.tags.through.objects.filter(tag_id=tag.pk)


def _touch_customers(customer_ids: list[int]) -> None:
    """Tags are part of a customer's data: bump the version so stale edits are refused."""
    Customer.objects.filter(pk__in=customer_ids).update(version=F("version") + 1)


def _lock_tag(tag: Tag) -> Tag:
    try:
        return Tag.objects.select_for_update().get(pk=tag.pk)
    except Tag.DoesNotExist as exc:
        raise ValidationError("该标签已被删除或合并") from exc


def rename_tag(actor: Actor, tag: Tag, *, name: str) -> Tag:
    """Rename a tag for every customer using it; a name already taken is refused (merge instead)."""
    policy.require(actor.user, "settings.manage")
    name = name.strip() if isinstance(name, str) else ""
    with transaction.atomic():
        tag = _lock_tag(tag)
        before = tag.name
        if name == before:
            return tag
        if Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
            raise ValidationError({"name": f"已有名为「{name}」的标签,如需合并请使用“合并到”"})
        tag.name = name
        tag.full_clean()
        try:
            with transaction.atomic():  # a concurrent rename to the same name loses here
                tag.save(update_fields=["name"])
        except IntegrityError as exc:
            raise ValidationError({"name": f"已有名为「{name}」的标签"}) from exc
        customer_ids = list(_tagged_customers(tag).values_list("customer_id", flat=True))
        _touch_customers(customer_ids)
        audit.record(
            actor,
            "tag.rename",
            tag,
            changes={
                "name": {"before": before, "after": name},
                "customers": {"before": len(customer_ids), "after": len(customer_ids)},
            },
        )
    return tag


def merge_tags(actor: Actor, tag: Tag, *, into: Tag) -> Tag:
    """Move every customer of `tag` onto `into` (no duplicates), then remove `tag`."""
    policy.require(actor.user, "settings.manage")
    if tag.pk == into.pk:
        raise ValidationError({"into": "不能把标签合并到它自己"})
    with transaction.atomic():
        locked = {t.pk: t for t in Tag.objects.select_for_update().filter(pk__in=[tag.pk, into.pk])}
        if len(locked) != 2:
            raise ValidationError("该标签已被删除或合并")
        tag, into = locked[tag.pk], locked[into.pk]
        links = Customer.tags.through.objects
        moved = list(_tagged_customers(tag).values_list("customer_id", flat=True))
        already = set(_tagged_customers(into).values_list("customer_id", flat=True))
        links.bulk_create(
            [links.model(customer_id=c, tag_id=into.pk) for c in moved if c not in already],
            ignore_conflicts=True,  # a customer tagged with `into` meanwhile keeps one link
        )
        _touch_customers(moved)
        audit.record(
            actor,
            "tag.merge",
            tag,
            changes={
                "merged_into": {"before": tag.name, "after": into.name},
                "customers": {"before": len(already), "after": len(already | set(moved))},
            },
        )
        tag.delete()
    return into


def delete_tag(actor: Actor, tag: Tag) -> None:
    """Remove a tag from every customer and delete it."""
    policy.require(actor.user, "settings.manage")
    with transaction.atomic():
        tag = _lock_tag(tag)
        customer_ids = list(_tagged_customers(tag).values_list("customer_id", flat=True))
        _touch_customers(customer_ids)
        audit.record(
            actor,
            "tag.delete",
            tag,
            changes={
                "name": {"before": tag.name, "after": None},
                "customers": {"before": len(customer_ids), "after": 0},
            },
        )
        tag.delete()
