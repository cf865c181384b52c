"""The archive's writes: create, update, stage, owner, collaborators, addresses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.audit import services as audit
from crm.contacts.models import Contact
from crm.core import bulk
from crm.core.actor import Actor
from crm.core.errors import NotFound, PreconditionFailed
from crm.core.pinyin import pinyin_keys

from .. import custom_fields, search_index
from ..choices import AddressKind, Kind, Stage, Status
from ..models import (
    Address,
    Collaborator,
    Customer,
    CustomFieldDefinition,
    StageTransition,
    Tag,
)
from ..rules import normalise_name
from .duplicates import duplicate_error, find_duplicate, normal_uscc, raise_if_duplicate
from .numbers import allocate_numbers

EDITABLE_FIELDS = (
    "name",
    "short_name",
    "kind",
    "uscc",
    "industry",
    "level",
    "source",
    "region",
    "status",
    "intent",
    "need_keywords",
    "founded_on",
    "headcount",
    "main_products",
    "annual_revenue",
    "first_cooperation_on",
    "last_cooperation_on",
    "cooperation_products",
    "preferred_channel",
    "service_preference",
    "focus",
    "flag_complaint",
    "flag_contract_expiring",
    "flag_churn_risk",
    "flag_to_verify",
    "flag_long_inactive",
    "custom",
    "notes",
)
AUDITED_FIELDS = (*EDITABLE_FIELDS, "number", "owner", "stage", "churn_reason", "level_manual")
OWNER_ROLES = {Role.SALES, Role.SALES_MANAGER, Role.CUSTOMER_SUCCESS, Role.ADMIN}


# --- reads that authorise -------------------------------------------------------------------


def get_visible(actor: Actor, pk: Any) -> Customer:
    """Fetch a customer the actor may see; a missing and a hidden customer answer alike."""
    try:
        return Customer.objects.visible_to(actor.user).get(pk=int(pk))
    except (Customer.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


def get_editable(actor: Actor, pk: Any) -> Customer:
    customer = get_visible(actor, pk)
    policy.require_edit_customer(actor.user, customer)
    return customer


# --- create / update ------------------------------------------------------------------------


def _derive(customer: Customer) -> None:
    customer.name = " ".join(customer.name.split())
    customer.uscc = normal_uscc(customer.uscc)
    customer.name_key = normalise_name(customer.name)
    person = customer.kind == Kind.INDIVIDUAL
    customer.name_pinyin, customer.name_initials = pinyin_keys(customer.name, person=person)
    if customer.kind == Kind.INDIVIDUAL and customer.uscc:
        raise ValidationError({"uscc": "个人客户不填写统一社会信用代码"})


def _clean_custom(values: Mapping[str, Any]) -> dict[str, Any]:
    return custom_fields.clean_values(CustomFieldDefinition.objects.filter(is_active=True), values)


def _active_custom(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values of fields still active (a retired field's value stays, untouched)."""
    active = set(CustomFieldDefinition.objects.filter(is_active=True).values_list("key", flat=True))
    return {k: v for k, v in stored.items() if k in active}


def _set_tags(customer: Customer, names: Iterable[str]) -> None:
    wanted = [n.strip()[:30] for n in names if n and n.strip()]
    tags = []
    for name in dict.fromkeys(wanted):
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    customer.tags.set(tags)


def _save_checked(actor: Actor, customer: Customer, **save_kwargs: Any) -> None:
    """Save inside a savepoint; a unique-constraint race becomes the same Duplicate answer."""
    try:
        with transaction.atomic():
            customer.save(**save_kwargs)
    except IntegrityError:
        found = find_duplicate(
            kind=customer.kind, name=customer.name, uscc=customer.uscc, exclude_pk=customer.pk
        )
        if found is None:
            raise
        raise duplicate_error(actor, *found) from None


FOREIGN_KEYS = ["industry", "source", "region", "owner", "created_by"]


@dataclass
class NewCustomer:
    """A customer validated and ready to write, with what is written alongside it."""

    customer: Customer
    tags: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


def prepare_customer(
    actor: Actor,
    *,
    owner: User | None = None,
    tags: Sequence[str] = (),
    addresses: Sequence[Mapping[str, Any]] = (),
    contacts: Sequence[Mapping[str, Any]] = (),
    stage: str = "",
    churn_reason: str = "",
    number: str = "",
    definitions: Sequence[CustomFieldDefinition] | None = None,
    **fields: Any,
) -> NewCustomer:
    """Every check of a new customer that needs no write: fields, owner, custom fields,
    addresses, contacts. A stage (an import's 合作阶段) and a number (an import's own 客户编号)
    may be given; duplicates are checked by the caller (one query, or one per batch)."""
    from crm.contacts import services as contact_services

    policy.require(actor.user, "customer.create")
    owner = owner or actor.user
    _check_owner(actor, owner)
    _reject_unknown(fields)
    customer = Customer(owner=owner, created_by=actor.user, **fields)
    if stage:
        customer.stage = stage
    if stage == Stage.LOST:  # as change_stage has it: a lost customer says why
        if not churn_reason.strip():
            raise ValidationError({"churn_reason": "转为流失客户时必须填写流失原因"})
        customer.churn_reason, customer.status = churn_reason.strip(), Status.LOST
    if "level" in fields:
        customer.level_manual = True
    if number:
        customer.number = number.strip()
    _derive(customer)
    if definitions is None:
        definitions = list(CustomFieldDefinition.objects.filter(is_active=True))
    customer.custom = custom_fields.clean_values(definitions, customer.custom or {})
    # Foreign keys arrive as rows already read (validating them again costs a query each);
    # fields left at their defaults need no validation either (an import's short rows).
    given = {"name", "uscc", "custom", "stage", *fields}
    untouched = [
        f.name for f in Customer._meta.concrete_fields if f.editable and f.name not in given
    ]
    customer.full_clean(
        exclude=["name_key", *FOREIGN_KEYS, *untouched] + ([] if number else ["number"]),
        validate_unique=False,
        validate_constraints=False,
    )
    prepared = NewCustomer(customer, tags=_tag_names(tags))
    for data in addresses:
        address = Address(customer=customer, **data)
        address.full_clean(exclude=["customer", "region"], validate_constraints=False)
        prepared.addresses.append(address)
    if sum(a.kind == AddressKind.HQ for a in prepared.addresses) > 1:
        raise ValidationError({"addresses": "每个客户只能有一个总部地址,其他地址请选择分支机构"})
    for index, data in enumerate(contacts):
        try:
            prepared.contacts.append(contact_services.prepare_contact(None, data))
        except ValidationError as exc:
            raise ValidationError({f"contacts[{index}]": exc.messages}) from exc
    return prepared


def create_customer(
    actor: Actor,
    *,
    owner: User | None = None,
    tags: Sequence[str] = (),
    addresses: Sequence[Mapping[str, Any]] = (),
    contacts: Sequence[Mapping[str, Any]] = (),
    **fields: Any,
) -> Customer:
    _reject_unknown({k: v for k, v in fields.items() if k != "stage"})  # number …: an import's
    prepared = prepare_customer(
        actor, owner=owner, tags=tags, addresses=addresses, contacts=contacts, **fields
    )
    customer = prepared.customer
    raise_if_duplicate(actor, customer)
    try:
        with transaction.atomic():
            create_prepared(actor, [prepared])
    except IntegrityError:
        found = find_duplicate(kind=customer.kind, name=customer.name, uscc=customer.uscc)
        if found is None:
            raise
        raise duplicate_error(actor, *found) from None
    return customer


def create_prepared(actor: Actor, items: Sequence[NewCustomer], *, reason: str = "") -> None:
    """Write prepared customers in bulk (the caller's transaction): numbers, customers, the
    建档 stage rows, tags, addresses, contacts and one audit row per object. A customer that
    a concurrent writer created meanwhile breaks a unique constraint: IntegrityError, and the
    caller's transaction (all of `items`) is rolled back."""
    from crm.contacts import services as contact_services

    assert transaction.get_connection().in_atomic_block, "create_prepared runs in a transaction"
    unnumbered = [item.customer for item in items if not item.customer.number]
    brought = {item.customer.number for item in items if item.customer.number}
    numbers = allocate_numbers(
        [c.industry.number_code if c.industry else "" for c in unnumbered], reserved=brought
    )
    for customer, number in zip(unnumbered, numbers, strict=True):
        customer.number = number
    customers = [item.customer for item in items]
    now = timezone.now()  # one moment for the whole write (one transaction)
    for customer in customers:
        customer.created_at = customer.updated_at = customer.stage_changed_at = now
    bulk.insert(customers)
    bulk.insert(
        [
            StageTransition(
                customer=c,
                from_stage=c.stage,
                to_stage=c.stage,
                at=now,
                actor=actor.user,
                reason="建档",
            )
            for c in customers
        ]
    )
    tags = _tags_named({name for item in items for name in item.tags})
    if tags:
        bulk.insert(
            [
                Customer.tags.through(customer_id=item.customer.pk, tag_id=tags[name].pk)
                for item in items
                for name in item.tags
            ]
        )
    for item in items:
        for address in item.addresses:
            address.customer = item.customer
    addresses = [address for item in items for address in item.addresses]
    if addresses:
        bulk.insert(addresses)
    audit.record_many(
        actor,
        "customer.create",
        ((item.customer, item.customer, audit.diff({}, _new_snapshot(item))) for item in items),
        reason=reason,
    )
    contacts = []
    for item in items:
        for contact in item.contacts:
            contact.customer = item.customer
            contacts.append(contact)
    if contacts:
        contact_services.create_for_new_customers(actor, contacts, reason=reason)
    search_index.add(customers, contacts)


def _tag_names(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n.strip()[:30] for n in names if n and n.strip()))


def _tags_named(names: set[str]) -> dict[str, Tag]:
    """The tags of these names, created when missing (a concurrent creator is tolerated)."""
    if not names:
        return {}
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = names - set(found)
    if missing:
        Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
        found.update({tag.name: tag for tag in Tag.objects.filter(name__in=missing)})
    return found


def _new_snapshot(item: NewCustomer) -> dict[str, Any]:
    """What `_snapshot` reads back after a create, from memory (no queries)."""
    data = audit.snapshot(item.customer, AUDITED_FIELDS)
    data["tags"] = sorted(item.tags)
    data["addresses"] = [str(a) for a in sorted(item.addresses, key=lambda a: a.kind != "hq")]
    data["collaborators"] = []
    return data


def _reject_unknown(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"不能直接修改的字段: {', '.join(sorted(unknown))}")


def _check_owner(actor: Actor, owner: User | None) -> None:
    if owner is None or not owner.is_active or owner.role not in OWNER_ROLES:
        raise ValidationError({"owner": "主责人必须是在职的销售、销售经理、客户成功或管理员"})
    user = actor.user
    if user is None or owner == user or user.is_admin:
        return
    if not policy.has(user, "customer.transfer"):
        raise PermissionDenied("只有销售经理或管理员可以为他人建档")
    if owner.team_id not in policy.managed_team_ids(user):
        raise ValidationError({"owner": "销售经理只能把客户分配给本团队的成员"})


def _snapshot(customer: Customer) -> dict[str, Any]:
    data = audit.snapshot(customer, AUDITED_FIELDS)
    data["tags"] = sorted(t.name for t in customer.tags.all())
    data["addresses"] = [str(a) for a in customer.addresses.select_related("region__parent")]
    data["collaborators"] = sorted(str(u) for u in customer.collaborators.all())
    return data


def _add_address(customer: Customer, data: Mapping[str, Any]) -> Address:
    address = Address(customer=customer, **data)
    address.full_clean()
    address.save()
    return address


def add_address(actor: Actor, customer: Customer, *, reason: str = "", **data: Any) -> Address:
    """A head-office or branch address; the change shows on the customer's timeline."""
    with transaction.atomic():
        customer = _lock_editable(actor, customer.pk, None)
        before = _snapshot(customer)
        address = _add_address(customer, data)
        _save_version(actor, customer, before, "customer.address", reason)
    return address


def _locked_address(actor: Actor, customer: Customer, address_id: Any) -> tuple[Customer, Address]:
    customer = _lock_editable(actor, customer.pk, None)
    address = Address.objects.filter(customer=customer, pk=address_id).first()
    if address is None:
        raise NotFound("该客户没有这个地址")
    return customer, address


def update_address(
    actor: Actor, customer: Customer, *, address_id: Any, reason: str = "", **data: Any
) -> Address:
    with transaction.atomic():
        customer, address = _locked_address(actor, customer, address_id)
        before = _snapshot(customer)
        for name, value in data.items():
            setattr(address, name, value)
        address.full_clean()
        address.save()
        _save_version(actor, customer, before, "customer.address", reason)
    return address


def remove_address(actor: Actor, customer: Customer, *, address_id: Any, reason: str = "") -> None:
    with transaction.atomic():
        customer, address = _locked_address(actor, customer, address_id)
        before = _snapshot(customer)
        address.delete()
        _save_version(actor, customer, before, "customer.address", reason)


def update_customer(
    actor: Actor,
    customer: Customer,
    *,
    expected_version: int | None = None,
    reason: str = "",
    tags: Sequence[str] | None = None,
    **fields: Any,
) -> Customer:
    """Change archive fields. With expected_version, a stale edit raises PreconditionFailed."""
    _reject_unknown(fields)
    with transaction.atomic():
        customer = _lock_editable(actor, customer.pk, expected_version)
        before = _snapshot(customer)
        texts = search_index.customer_texts(customer)
        for name, value in fields.items():
            setattr(customer, name, value)
        if "custom" in fields:
            stored, active = before["custom"], _active_custom(before["custom"])
            retired = {k: v for k, v in stored.items() if k not in active}
            customer.custom = {**retired, **_clean_custom({**active, **(fields["custom"] or {})})}
        if "level" in fields and fields["level"] != before["level"]:
            customer.level_manual = True
        _derive(customer)
        customer.full_clean(exclude=["number", "name_key"], validate_constraints=False)
        raise_if_duplicate(actor, customer)
        if tags is not None:
            _set_tags(customer, tags)
        customer = _save_version(actor, customer, before, "customer.update", reason)
        if search_index.customer_texts(customer) != texts:
            search_index.refresh([customer.pk])
        return customer


def _lock_editable(actor: Actor, pk: int, expected_version: int | None) -> Customer:
    customer = Customer.objects.select_for_update().filter(pk=pk).first()
    if customer is None or not Customer.objects.visible_to(actor.user).filter(pk=pk).exists():
        raise NotFound()
    policy.require_edit_customer(actor.user, customer)
    if expected_version is not None and customer.version != expected_version:
        raise PreconditionFailed(
            "该客户已被他人修改,请刷新后再试", current_version=customer.version
        )
    return customer


def _save_version(
    actor: Actor, customer: Customer, before: dict[str, Any], action: str, reason: str
) -> Customer:
    changes = audit.diff(before, _snapshot(customer))
    if not changes:
        return customer
    customer.updated_at = timezone.now()
    customer.version = F("version") + 1  # type: ignore[assignment]
    _save_checked(actor, customer)
    customer.refresh_from_db(fields=["version"])
    audit.record(actor, action, customer, customer=customer, changes=changes, reason=reason)
    return customer


def change_stage(
    actor: Actor,
    customer: Customer,
    *,
    stage: str,
    reason: str,
    churn_reason: str = "",
    expected_version: int | None = None,
) -> Customer:
    if stage not in Stage.values:
        raise ValidationError({"stage": f"未知的合作阶段: {stage}"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写阶段变更原因"})
    if stage == Stage.LOST and not churn_reason.strip():
        raise ValidationError({"churn_reason": "转为流失客户时必须填写流失原因"})
    with transaction.atomic():
        customer = _lock_editable(actor, customer.pk, expected_version)
        if customer.stage == stage:
            raise ValidationError({"stage": "客户已处于该阶段"})
        before = _snapshot(customer)
        StageTransition.objects.create(
            customer=customer,
            from_stage=customer.stage,
            to_stage=stage,
            actor=actor.user,
            reason=reason.strip(),
            churn_reason=churn_reason.strip() if stage == Stage.LOST else "",
        )
        customer.stage, customer.stage_changed_at = stage, timezone.now()
        if stage == Stage.LOST:
            customer.churn_reason, customer.status = churn_reason.strip(), Status.LOST
        elif customer.status == Status.LOST:
            customer.status = Status.TO_FOLLOW
        return _save_version(actor, customer, before, "customer.stage", reason.strip())


def transfer_owner(
    actor: Actor,
    customer: Customer,
    *,
    owner: User,
    reason: str,
    keep_as_collaborator: bool = False,
) -> Customer:
    if not reason.strip():
        raise ValidationError({"reason": "请填写转移原因"})
    with transaction.atomic():
        customer = _lock_editable(actor, customer.pk, None)
        if not policy.can_transfer_customer(actor.user, customer):
            raise PermissionDenied("只有该团队的销售经理或管理员可以转移客户")
        _check_owner(actor, owner)
        if owner.pk == customer.owner_id:
            raise ValidationError({"owner": "新主责人与当前主责人相同"})
        before = _snapshot(customer)
        previous = customer.owner
        customer.owner = owner
        Collaborator.objects.filter(customer=customer, user=owner).delete()
        if keep_as_collaborator:
            Collaborator.objects.get_or_create(customer=customer, user=previous)
        return _save_version(actor, customer, before, "customer.transfer", reason.strip())


def add_collaborator(actor: Actor, customer: Customer, *, user: User, reason: str = "") -> Customer:
    with transaction.atomic():
        customer = _lock_editable(actor, customer.pk, None)
        if not policy.can_manage_collaborators(actor.user, customer):
            raise PermissionDenied("只有主责人、团队经理或管理员可以调整协办人")
        if user.pk == customer.owner_id or not user.is_active:
            raise ValidationError({"user": "主责人或已停用的用户不能作为协办人"})
        _, created = Collaborator.objects.get_or_create(customer=customer, user=user)
        if created:
            audit.record(
                actor,
                "customer.collaborator_add",
                customer,
                customer=customer,
                changes={"collaborators": {"before": None, "after": str(user)}},
                reason=reason,
            )
    return customer


def remove_collaborator(
    actor: Actor, customer: Customer, *, user: User, reason: str = ""
) -> Customer:
    with transaction.atomic():
        customer = _lock_editable(actor, customer.pk, None)
        if not policy.can_manage_collaborators(actor.user, customer):
            raise PermissionDenied("只有主责人、团队经理或管理员可以调整协办人")
        deleted, _ = Collaborator.objects.filter(customer=customer, user=user).delete()
        if not deleted:
            raise NotFound("该用户不是此客户的协办人")
        audit.record(
            actor,
            "customer.collaborator_remove",
            customer,
            customer=customer,
            changes={"collaborators": {"before": str(user), "after": None}},
            reason=reason,
        )
    return customer
