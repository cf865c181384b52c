"""The one write path for contacts, and the audited reveal of sensitive fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from crm.accounts import policy
from crm.audit import services as audit
from crm.core import bulk, crypto
from crm.core.actor import Actor
from crm.core.errors import Conflict, NotFound, PreconditionFailed
from crm.core.pinyin import pinyin_keys
from crm.core.validators import (
    validate_cn_mobile,
    validate_cn_phone,
    validate_email_address,
    validate_resident_id,
)
from crm.customers import search_index
from crm.customers.models import Customer

from .choices import PERSONAL_FIELDS, SENSITIVE_FIELDS
from .models import Contact

REVEALABLE_FIELDS = {**SENSITIVE_FIELDS, **PERSONAL_FIELDS}

EDITABLE_FIELDS = (
    "name",
    "title",
    "department",
    "phone",
    "mobile",
    "email",
    "wechat",
    "decision_role",
    "concerns",
    "is_primary",
    "id_number",
    "bank_account",
    "emergency_contact",
    "emergency_phone",
    "notes",
)
FIELD_VALIDATORS = {
    "mobile": validate_cn_mobile,
    "phone": validate_cn_phone,
    "emergency_phone": validate_cn_phone,
    "email": validate_email_address,
    "id_number": validate_resident_id,
}
RACE_MESSAGE = "联系人已被他人同时修改,请重试"


def get_visible(actor: Actor, pk: Any) -> Contact:
    try:
        return Contact.objects.visible_to(actor.user).select_related("customer").get(pk=int(pk))
    except (Contact.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"不能直接修改的字段: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    for name, validator in FIELD_VALIDATORS.items():
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            try:
                fields[name] = validator(value)
            except ValidationError as exc:
                errors[name] = exc.messages
    if isinstance(fields.get("bank_account"), str):
        fields["bank_account"] = "".join(fields["bank_account"].split())
        if fields["bank_account"] and not fields["bank_account"].isdigit():
            errors["bank_account"] = ["银行账号只能包含数字"]
    if errors:
        raise ValidationError(errors)
    return fields


def _derive(contact: Contact) -> None:
    contact.name = " ".join(contact.name.split())
    contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name, person=True)
    contact.phone_digits = "".join(ch for ch in contact.phone if ch.isdigit())
    contact.id_number_bidx = (
        crypto.blind_index(contact.id_number, context="id_number") if contact.id_number else ""
    )
    contact.bank_account_bidx = (
        crypto.blind_index(contact.bank_account, context="bank_account")
        if contact.bank_account
        else ""
    )


def _snapshot(contact: Contact) -> dict[str, Any]:
    return audit.snapshot(contact, EDITABLE_FIELDS)


def _lock_customer(customer_id: int) -> None:
    """Serialise primary-contact decisions per customer (taken before any contact row lock)."""
    Customer.objects.select_for_update().only("pk").get(pk=customer_id)


def _save(actor: Actor, contact: Contact) -> None:
    """Save, first clearing the customer's previous primary (the caller holds the customer lock).

    The demoted contact gets a new version (its ETag changes) and its own audit row.
    """
    if contact.is_primary:
        demoted = list(
            Contact.objects.select_for_update()
            .filter(customer_id=contact.customer_id, is_primary=True)
            .exclude(pk=contact.pk)
        )
        if demoted:
            Contact.objects.filter(pk__in=[old.pk for old in demoted]).update(
                is_primary=False, version=F("version") + 1, updated_at=timezone.now()
            )
        for old in demoted:
            audit.record(
                actor,
                "contact.update",
                old,
                customer=contact.customer,
                changes={"is_primary": {"before": True, "after": False}},
                reason=f"主要联系人改为 {contact.name}",
            )
    contact.save()


def prepare_contact(customer: Customer | None, fields: Mapping[str, Any]) -> Contact:
    """A validated, unsaved contact (of a customer that may not be saved yet)."""
    contact = Contact(customer=customer, **_normalise(dict(fields)))
    _derive(contact)
    # contact_one_primary is kept by _save (it clears the old primary first), not by validation
    contact.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
    return contact


def create_contact(actor: Actor, *, customer: Customer, **fields: Any) -> Contact:
    policy.require_edit_customer(actor.user, customer)
    contact = prepare_contact(customer, fields)
    try:
        with transaction.atomic():
            _lock_customer(customer.pk)
            if not Contact.objects.filter(customer=customer).exists():
                contact.is_primary = True
            _save(actor, contact)
            search_index.add([], [contact])
            audit.record(
                actor,
                "contact.create",
                contact,
                customer=customer,
                changes=audit.diff({}, _snapshot(contact), redact=SENSITIVE_FIELDS),
            )
    except IntegrityError as exc:
        raise Conflict(RACE_MESSAGE) from exc
    return contact


def create_for_new_customers(
    actor: Actor, contacts: Sequence[Contact], *, reason: str = ""
) -> None:
    """The prepared contacts of customers created in the same transaction (nobody else can
    hold them yet): one primary per customer (the last marked, else the first), one bulk
    insert, one audit row each."""
    chosen_by_customer: dict[int, Contact] = {}
    for contact in contacts:
        if contact.is_primary or contact.customer_id not in chosen_by_customer:
            chosen_by_customer[contact.customer_id] = contact
    chosen = {id(contact) for contact in chosen_by_customer.values()}
    now = timezone.now()
    for contact in contacts:
        contact.is_primary = id(contact) in chosen
        contact.created_at = contact.updated_at = now
    bulk.insert(contacts)
    audit.record_many(
        actor,
        "contact.create",
        (
            (contact, contact.customer, audit.diff({}, _snapshot(contact), redact=SENSITIVE_FIELDS))
            for contact in contacts
        ),
        reason=reason,
    )


def update_contact(
    actor: Actor,
    contact: Contact,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Contact:
    fields = _normalise(dict(fields))
    try:
        with transaction.atomic():
            contact = _lock_editable(
                actor, contact.pk, expected_version, lock_customer=bool(fields.get("is_primary"))
            )
            before = _snapshot(contact)
            texts = search_index.contact_texts(contact)
            for name, value in fields.items():
                setattr(contact, name, value)
            _derive(contact)
            contact.full_clean(validate_constraints=False)
            changes = audit.diff(before, _snapshot(contact), redact=SENSITIVE_FIELDS)
            if not changes:
                return contact
            contact.updated_at = timezone.now()
            contact.version = F("version") + 1  # type: ignore[assignment]
            _save(actor, contact)
            if search_index.contact_texts(contact) != texts:
                search_index.refresh([contact.customer_id])
            contact.refresh_from_db(fields=["version"])
            audit.record(
                actor,
                "contact.update",
                contact,
                customer=contact.customer,
                changes=changes,
                reason=reason,
            )
    except IntegrityError as exc:
        raise Conflict(RACE_MESSAGE) from exc
    return contact


def _lock_editable(
    actor: Actor, pk: int, expected_version: int | None, *, lock_customer: bool = False
) -> Contact:
    visible = get_visible(actor, pk)
    policy.require_edit_customer(actor.user, visible.customer)
    if lock_customer:  # customer before contact: the same lock order as create_contact
        _lock_customer(visible.customer_id)
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=pk)
    if expected_version is not None and contact.version != expected_version:
        raise PreconditionFailed(
            "该联系人已被他人修改,请刷新后再试", current_version=contact.version
        )
    return contact


def delete_contact(actor: Actor, contact: Contact, *, reason: str = "") -> None:
    with transaction.atomic():
        contact = _lock_editable(actor, contact.pk, None)
        audit.record(
            actor,
            "contact.delete",
            contact,
            customer=contact.customer,
            changes=audit.diff(_snapshot(contact), {}, redact=SENSITIVE_FIELDS),
            reason=reason,
        )
        customer_id = contact.customer_id
        contact.delete()
        search_index.refresh([customer_id])


def reveal(actor: Actor, contact: Contact, *, field: str, reason: str = "") -> str:
    """The clear value of a masked field; every reveal is logged (PIPL access log + timeline).

    ID number and bank account need the sensitive grant; mobile and email need what seeing them
    in full needs (policy.can_see_personal): pages mask them until the user asks.
    """
    if field not in REVEALABLE_FIELDS:
        raise ValidationError({"field": f"只能查看: {', '.join(REVEALABLE_FIELDS)}"})
    contact = get_visible(actor, contact.pk)
    if field in SENSITIVE_FIELDS:
        if not policy.can_reveal_sensitive(actor.user):
            raise PermissionDenied("您没有查看敏感信息的授权")
    elif not policy.can_see_personal(actor.user, contact.customer):
        raise PermissionDenied("您没有查看完整联系方式的授权,请联系管理员开通")
    with transaction.atomic():
        audit.record_sensitive_access(
            actor, contact=contact, customer=contact.customer, field=field, reason=reason.strip()
        )
        audit.record(
            actor,
            "contact.reveal",
            contact,
            customer=contact.customer,
            changes={"field": {"before": None, "after": REVEALABLE_FIELDS[field]}},
            reason=reason.strip(),
        )
    return str(getattr(contact, field))


def find_by_sensitive(actor: Actor, *, field: str, value: str) -> Any:
    """Contacts (visible to the actor) whose encrypted field equals `value`, via the blind index."""
    if field not in SENSITIVE_FIELDS:
        raise ValidationError({"field": f"只能按以下字段查找: {', '.join(SENSITIVE_FIELDS)}"})
    digest = crypto.blind_index(value, context=field)
    return Contact.objects.visible_to(actor.user).filter(**{f"{field}_bidx": digest})
