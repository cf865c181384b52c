"""Referrals 转介绍 and their rewards (seed 002: 成功推荐1位合作客户,可获得服务折扣或现金奖励).

- a referral belongs to the referrer (`customer`) and names the referred customer: linked
  when it is in the archive (a customer the actor can see, not the referrer itself, and
  referred at most once: one reward per new customer), else by name;
- the reward is an amount and/or a text (服务折扣 9 折); the status moves pending 待审批 →
  approved 已审批 → paid 已发放, one step at a time and never back (rules.referral_step_error);
- approving needs the referred customer linked and a reward set; approving and paying are
  for a sales manager of the referrer owner's team, or an administrator (the one who logged
  the referral does not approve its own reward); the rest is for editors of the referrer;
- a pending referral can be corrected; every write is audited on the referrer's timeline.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.models import Customer
from crm.customers.services.related import (
    BAD_KEYS,
    editable_customer,
    get_visible,
    pk_of,
    reject_unknown,
)

from .. import rules
from ..choices import ReferralStatus
from ..models import Referral
from .common import full_clean, locked_for_edit, save_version, squash, text
from .common import snapshot as shared_snapshot

REFERRAL_FIELDS = (
    "referred",
    "referred_name",
    "referred_on",
    "reward_amount",
    "reward_text",
    "notes",
)
AUDITED = (*REFERRAL_FIELDS, "status", "approved_on", "paid_on")


def snapshot(referral: Referral, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited values, the referred customer as its archive id only: the referrer's
    timeline is read by people who may not see the referred customer."""
    data = shared_snapshot(referral, fields)
    if data.get("referred") is not None:
        data["referred"] = f"客户档案 #{referral.referred_id}"
    return data


def get_visible_referral(actor: Actor, pk: Any) -> Referral:
    return get_visible(actor, Referral, pk)


def can_approve(user: User | None, referrer: Customer) -> bool:
    """Rewards are money: a sales manager of the referrer owner's team, or an administrator."""
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    teams = policy.managed_team_ids(user) if user.role == Role.SALES_MANAGER else set()
    return referrer.owner.team_id in teams


def _referred(actor: Actor, value: Any) -> Customer | None:
    if value in (None, ""):
        return None
    try:
        return Customer.objects.visible_to(actor.user).get(pk=pk_of(value))
    except (Customer.DoesNotExist, *BAD_KEYS) as exc:
        raise ValidationError({"referred": "被推荐客户不存在"}) from exc


def _check(referral: Referral, today: datetime.date) -> None:
    referral.referred_name = squash(referral.referred_name)
    referral.reward_text, referral.notes = squash(referral.reward_text), text(referral.notes)
    full_clean(referral, lambda: _rules(referral, today), exclude=["customer", "referred"])


def _rules(referral: Referral, today: datetime.date) -> dict[str, str | None]:
    extra = {"referred_on": rules.future_error(referral.referred_on, today, "推荐日期")}
    if referral.referred_id is None and not referral.referred_name:
        extra["referred_name"] = "请选择被推荐客户,或填写其名称"
    if referral.referred_id is not None and referral.referred_id == referral.customer_id:
        extra["referred"] = "推荐客户与被推荐客户不能是同一个客户"
    elif referral.referred_id is not None:
        taken = Referral.objects.filter(referred_id=referral.referred_id).exclude(pk=referral.pk)
        if taken.exists():
            extra["referred"] = "该客户已登记过转介绍,同一客户只能被推荐一次"
    return extra


def _save(referral: Referral) -> None:
    """In a savepoint: a referred customer taken by a concurrent write is a field error."""
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        raise ValidationError({"referred": "该客户已登记过转介绍,同一客户只能被推荐一次"}) from exc


def create_referral(
    actor: Actor,
    *,
    customer: Any,
    referred: Any = None,
    referred_name: str = "",
    referred_on: datetime.date | None = None,
    reward_amount: Decimal | None = None,
    reward_text: str = "",
    notes: str = "",
) -> Referral:
    """`customer` is the referrer; the referral date defaults to today."""
    found = editable_customer(actor, customer)
    referral = Referral(
        customer=found,
        referred=_referred(actor, referred),
        referred_name=referred_name,
        referred_on=referred_on or timezone.localdate(),
        reward_amount=reward_amount,
        reward_text=reward_text,
        notes=notes,
    )
    _check(referral, timezone.localdate())
    with transaction.atomic():
        referral.created_by = actor.user
        referral.created_at = referral.updated_at = timezone.now()
        _save(referral)
        audit.record(
            actor,
            "referral.create",
            referral,
            customer=found,
            changes=audit.diff({}, snapshot(referral, AUDITED)),
        )
    return referral


def update_referral(
    actor: Actor,
    referral: Referral,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Referral:
    """Correct a pending referral (who was referred, when, the reward, notes)."""
    reject_unknown(fields, REFERRAL_FIELDS)
    with transaction.atomic():
        locked = locked_for_edit(actor, Referral, referral, expected_version, "转介绍")
        if locked.status != ReferralStatus.PENDING:
            raise ValidationError({"status": "已审批的转介绍不能再修改"})
        if "referred" in fields:
            fields["referred"] = _referred(actor, fields["referred"])
        before = snapshot(locked, AUDITED)
        for name, value in fields.items():
            setattr(locked, name, value)
        _check(locked, timezone.localdate())
        changes = audit.diff(before, snapshot(locked, AUDITED))
        if not changes:
            return locked
        locked.updated_at, locked.version = timezone.now(), locked.version + 1
        _save(locked)
        audit.record(
            actor,
            "referral.update",
            locked,
            customer=locked.customer,
            changes=changes,
            reason=text(reason),
        )
    return locked


def _step(actor: Actor, referral: Referral, target: str, expected_version: int | None) -> Referral:
    locked = locked_for_edit(actor, Referral, referral, expected_version, "转介绍")
    if not can_approve(actor.user, locked.customer):
        raise PermissionDenied("转介绍奖励须由销售经理或管理员审批和发放")
    if problem := rules.referral_step_error(locked.status, target):
        raise ValidationError({"status": problem})
    return locked


def _record_step(
    actor: Actor, referral: Referral, before: dict[str, Any], action: str, reason: str
) -> Referral:
    save_version(referral)
    audit.record(
        actor,
        action,
        referral,
        customer=referral.customer,
        changes=audit.diff(before, snapshot(referral, AUDITED)),
        reason=text(reason),
    )
    return referral


def approve_referral(
    actor: Actor, referral: Referral, *, expected_version: int | None = None, reason: str = ""
) -> Referral:
    """pending → approved: the referred customer is linked and the reward is set."""
    with transaction.atomic():
        locked = _step(actor, referral, ReferralStatus.APPROVED, expected_version)
        errors = {}
        if locked.referred_id is None:
            errors["referred"] = "审批前请关联被推荐客户的客户档案"
        if locked.reward_amount is None and not locked.reward_text:
            errors["reward_amount"] = "审批前请填写奖励金额或奖励说明"
        if errors:
            raise ValidationError(errors)
        before = snapshot(locked, AUDITED)
        locked.status, locked.approved_on = ReferralStatus.APPROVED, timezone.localdate()
        locked.approved_by = actor.user
        return _record_step(actor, locked, before, "referral.approve", reason)


def pay_referral(
    actor: Actor,
    referral: Referral,
    *,
    paid_on: datetime.date | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> Referral:
    """approved → paid: the reward was given (default date today, not before the approval)."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = _step(actor, referral, ReferralStatus.PAID, expected_version)
        day = paid_on or today
        approved = locked.approved_on or today
        if problem := rules.check_answer_date(day, approved, today, "发放日期"):
            raise ValidationError({"paid_on": problem})
        before = snapshot(locked, AUDITED)
        locked.status, locked.paid_on, locked.paid_by = ReferralStatus.PAID, day, actor.user
        return _record_step(actor, locked, before, "referral.pay", reason)
