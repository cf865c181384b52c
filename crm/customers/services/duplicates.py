"""One customer, one owner: duplicate detection, the masked hint and claims to a manager."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.audit import services as audit
from crm.core import crypto
from crm.core.actor import Actor
from crm.core.errors import Duplicate, NotFound
from crm.core.validators import validate_uscc

from ..choices import ClaimStatus, Kind
from ..models import (
    Collaborator,
    Customer,
    DuplicateClaim,
)
from ..rules import mask_customer_name, mask_person_name, normalise_name

CLAIM_CONTEXT = "crm.customers.duplicate-claim"
CLAIM_TOKEN_SECONDS = 7 * 24 * 3600


# --- duplicates -----------------------------------------------------------------------------


def normal_uscc(value: str) -> str:
    """The stored form of a USCC (full-width folded, upper case); invalid input stays as typed
    so that validation can name the problem."""
    try:
        return validate_uscc(value) if value.strip() else ""
    except ValidationError:
        return value.strip().upper()


def make_claim_token(customer: Customer) -> str:
    """An opaque, expiring token naming a customer the requester may not see (not its id)."""
    return crypto.encrypt(f"{customer.pk}:{int(time.time())}", context=CLAIM_CONTEXT)


def _claimed_customer(token: str) -> Customer:
    try:
        pk, issued = crypto.decrypt(token, context=CLAIM_CONTEXT).split(":")
        if time.time() - int(issued) > CLAIM_TOKEN_SECONDS:
            raise ValueError("expired")
        return Customer.objects.get(pk=int(pk))
    except (ImproperlyConfigured, ValueError, Customer.DoesNotExist) as exc:
        raise ValidationError(
            {"claim_token": "申请凭证无效或已过期,请重新检查客户是否存在"}
        ) from exc


def find_duplicate(
    *, kind: str, name: str, uscc: str, exclude_pk: int | None = None
) -> tuple[Customer, str] | None:
    """The existing customer this one would duplicate, and why ("uscc" or "name")."""
    others = Customer.objects.select_related("owner")
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if uscc:
        found = others.filter(uscc=normal_uscc(uscc)).first()
        if found:
            return found, "uscc"
    if kind == Kind.ENTERPRISE and name.strip():
        found = others.filter(kind=Kind.ENTERPRISE, name_key=normalise_name(name)).first()
        if found:
            return found, "name"
    return None


def duplicate_hint(customer: Customer) -> str:
    owner = customer.owner.full_name or customer.owner.username
    return f"已存在: {mask_customer_name(customer.name)} 负责人 {mask_person_name(owner)}"


def duplicate_error(actor: Actor, customer: Customer, match: str) -> Duplicate:
    visible = Customer.objects.visible_to(actor.user).filter(pk=customer.pk).exists()
    what = "统一社会信用代码" if match == "uscc" else "客户名称"
    return Duplicate(
        f"{what}与已有客户重复。{duplicate_hint(customer)}",
        hint=duplicate_hint(customer),
        match=match,
        existing_id=customer.pk if visible else None,
        claim_token=None if visible else make_claim_token(customer),
    )


def check_duplicate(
    actor: Actor, *, name: str = "", uscc: str = "", kind: str = Kind.ENTERPRISE
) -> dict[str, Any]:
    """ "Does this customer exist?" — any signed-in user may ask; the answer is masked."""
    if actor.user is None:
        raise PermissionDenied("请先登录")
    found = find_duplicate(kind=kind, name=name, uscc=uscc)
    if found is None:
        return {
            "exists": False,
            "hint": "",
            "match": None,
            "existing_id": None,
            "claim_token": None,
        }
    error = duplicate_error(actor, *found)
    return {"exists": True, **error.details}


def raise_if_duplicate(actor: Actor, customer: Customer) -> None:
    found = find_duplicate(
        kind=customer.kind, name=customer.name, uscc=customer.uscc, exclude_pk=customer.pk
    )
    if found:
        raise duplicate_error(actor, *found)


# --- duplicate claims -----------------------------------------------------------------------


def request_claim(actor: Actor, *, claim_token: str, note: str = "") -> DuplicateClaim:
    """Ask the existing customer's team manager to resolve a refused duplicate."""
    policy.require(actor.user, "customer.create")  # those who would own customers
    assert actor.user is not None
    customer = _claimed_customer(claim_token)
    already = ValidationError({"claim_token": "您已提交过该客户的申请,请等待经理处理"})
    try:
        with transaction.atomic():
            if DuplicateClaim.objects.filter(
                customer=customer, requester=actor.user, status=ClaimStatus.OPEN
            ).exists():
                raise already
            claim = DuplicateClaim.objects.create(
                customer=customer, requester=actor.user, note=note.strip()[:1000]
            )
            audit.record(
                actor,
                "customer.claim_request",
                claim,
                customer=customer,
                reason=note,
                changes={"status": {"before": None, "after": ClaimStatus.OPEN}},
            )
    except IntegrityError as exc:  # the same request sent twice at once
        raise already from exc
    return claim


def claims_for(user: User | None) -> Any:
    """Claims the user filed, and claims on customers whose team the user manages."""
    if user is None:
        return DuplicateClaim.objects.none()
    managed = Q(customer__owner__team__in=policy.managed_team_ids(user))
    scope = Q() if user.is_admin else managed | Q(requester=user)
    visible = Customer.objects.visible_to(user).filter(pk=OuterRef("customer"))
    return (
        DuplicateClaim.objects.filter(scope)
        .select_related("customer", "requester")
        .annotate(customer_visible=Exists(visible))
    )


def get_claim(actor: Actor, pk: Any) -> DuplicateClaim:
    try:
        return claims_for(actor.user).get(pk=int(pk))
    except (DuplicateClaim.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc


def resolve_claim(
    actor: Actor, claim: DuplicateClaim, *, approve: bool, resolution: str = ""
) -> DuplicateClaim:
    """Approve (requester becomes a collaborator) or reject; managers of the owner's team."""
    with transaction.atomic():
        claim = (
            DuplicateClaim.objects.select_for_update()
            .select_related("customer__owner")
            .get(pk=claim.pk)
        )
        if not (
            policy.has(actor.user, "duplicate.resolve")
            and policy.can_transfer_customer(actor.user, claim.customer)
        ):
            raise PermissionDenied("只有该客户所在团队的销售经理或管理员可以处理申请")
        if claim.status != ClaimStatus.OPEN:
            raise ValidationError("该申请已处理")
        claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        claim.resolved_by, claim.resolved_at = actor.user, timezone.now()
        claim.resolution = resolution.strip()
        claim.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
        if approve and claim.requester_id != claim.customer.owner_id:
            Collaborator.objects.get_or_create(customer=claim.customer, user=claim.requester)
        audit.record(
            actor,
            "customer.claim_resolve",
            claim,
            customer=claim.customer,
            changes={"status": {"before": "open", "after": claim.status}},
            reason=resolution,
        )
    return claim
