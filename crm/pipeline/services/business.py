"""Contracts 合同, orders 订单 and what follows from them on the customer.

- a customer's first and last cooperation dates and its cumulative amount are derived here
  (rules.cooperation), never typed, once the customer has a contract or an order;
- its level follows the trailing-12-month signed contract amount (rules.tier_for with the
  TierRules thresholds) unless an override with a reason holds it; a level change is an audit
  row on the customer's timeline;
- 合同到期 is flagged while an active contract ends within the warning days; an active
  contract past its end is marked expired by the daily run (run_day);
- contract and order numbers are unique; a contract without one gets HT-YYYYMMDD-NNN.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.choices import Level
from crm.customers.models import Customer
from crm.customers.services.numbers import next_in_sequence
from crm.customers.services.related import editable_customer, get_visible, pk_of, reject_unknown

from .. import rules
from ..choices import SIGNED_STATUSES, ContractStatus
from ..models import Contract, Opportunity, Order, TierRules
from .common import full_clean, lock

CONTRACT_FIELDS = (
    "number",
    "title",
    "amount",
    "signed_on",
    "starts_on",
    "ends_on",
    "status",
    "handover_on",
    "opportunity",
    "notes",
)
ORDER_FIELDS = ("number", "ordered_on", "amount", "summary", "contract")
SYSTEM = Actor(None, "system")


def tier_rules() -> TierRules:
    return TierRules.objects.filter(pk=1).first() or TierRules(pk=1)


# --- derived customer facts --------------------------------------------------------------------


def _deals(customer_id: int) -> tuple[list[rules.Deal], list[rules.Deal]]:
    contracts = [
        rules.Deal(on, amount)
        for on, amount in Contract.objects.filter(
            customer_id=customer_id, status__in=SIGNED_STATUSES
        ).values_list("signed_on", "amount")
    ]
    orders = [
        rules.Deal(on, amount, contract_id is not None)
        for on, amount, contract_id in Order.objects.filter(customer_id=customer_id).values_list(
            "ordered_on", "amount", "contract_id"
        )
    ]
    return contracts, orders


def recompute_customer(
    actor: Actor, customer_id: int, today: datetime.date | None = None
) -> Customer:
    """Cooperation dates, cumulative amount, level and 合同到期 from the customer's contracts
    and orders: one UPDATE of derived values (no version bump, as last_contacted_at), and an
    audit row when the level moves. Runs inside the caller's transaction."""
    today = today or timezone.localdate()
    config = tier_rules()
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    contracts, orders = _deals(customer_id)
    facts = rules.cooperation(contracts, orders)
    level = customer.level
    if not customer.level_manual:
        amount = rules.trailing_amount(contracts, today)
        level = rules.tier_for(amount, config.strategic_threshold, config.key_threshold)
    expiring = any(
        rules.is_expiring(ends_on, today, config.expiry_warning_days)
        for ends_on in Contract.objects.filter(
            customer_id=customer_id, status=ContractStatus.ACTIVE
        ).values_list("ends_on", flat=True)
    )
    derived = {
        "first_cooperation_on": facts.first_on,
        "last_cooperation_on": facts.last_on,
        "cumulative_amount": facts.cumulative,
        "level": level,
        "flag_contract_expiring": expiring,
    }
    changed = {k: v for k, v in derived.items() if getattr(customer, k) != v}
    if not changed:
        return customer
    old_level = customer.level
    Customer.objects.filter(pk=customer_id).update(**changed)
    for name, value in changed.items():
        setattr(customer, name, value)
    if "level" in changed:
        trailing = rules.trailing_amount(contracts, today)
        audit.record(
            actor,
            "customer.level",
            customer,
            customer=customer,
            changes={"level": {"before": old_level, "after": level}},
            reason=f"按近12个月已签合同金额 ¥{trailing:,.2f} 自动分级",
        )
    return customer


def set_level_override(actor: Actor, customer: Any, *, level: str, reason: str) -> Customer:
    """A level chosen by hand, held against the automatic tiering until cleared."""
    reason = (reason or "").strip()
    if level not in Level.values:
        raise ValidationError({"level": f"未知的客户等级: {level}"})
    if not reason:
        raise ValidationError({"reason": "手动指定客户等级需要填写原因"})
    with transaction.atomic():
        found = editable_customer(actor, customer)
        locked = Customer.objects.select_for_update().get(pk=found.pk)
        before = {"level": locked.level, "level_manual": locked.level_manual}
        Customer.objects.filter(pk=found.pk).update(level=level, level_manual=True)
        locked.level, locked.level_manual = level, True
        audit.record(
            actor,
            "customer.level",
            locked,
            customer=locked,
            changes=audit.diff(before, {"level": level, "level_manual": True}),
            reason=reason,
        )
    return locked


def clear_level_override(actor: Actor, customer: Any, *, reason: str = "") -> Customer:
    """Back to the automatic level from the contracts."""
    with transaction.atomic():
        found = editable_customer(actor, customer)
        locked = Customer.objects.select_for_update().get(pk=found.pk)
        if not locked.level_manual:
            raise ValidationError({"level": "该客户的等级已是自动计算"})
        Customer.objects.filter(pk=found.pk).update(level_manual=False)
        audit.record(
            actor,
            "customer.level",
            locked,
            customer=locked,
            changes={"level_manual": {"before": True, "after": False}},
            reason=(reason or "").strip() or "恢复按合同金额自动分级",
        )
        return recompute_customer(actor, found.pk)


# --- contracts ---------------------------------------------------------------------------------


def get_visible_contract(actor: Actor, pk: Any) -> Contract:
    return get_visible(actor, Contract, pk)


def get_visible_order(actor: Actor, pk: Any) -> Order:
    return get_visible(actor, Order, pk)


def _contract_number(today: datetime.date) -> str:
    return f"HT-{today:%Y%m%d}-{next_in_sequence(f'contract:{today:%Y%m%d}'):03d}"


def _check_contract(contract: Contract) -> None:
    contract.number = (contract.number or "").strip()
    contract.title = " ".join((contract.title or "").split())
    extra = rules.check_contract_dates(
        contract.status,
        contract.signed_on,
        contract.starts_on,
        contract.ends_on,
        contract.handover_on,
        timezone.localdate(),
    )
    opp = contract.opportunity
    if opp is not None and opp.customer_id != contract.customer_id:
        extra["opportunity"] = "所选商机不属于该客户"
    full_clean(contract, extra, exclude=["customer", "created_by"], validate_unique=False)


def _opportunity(value: Any) -> Opportunity | None:
    if value in (None, ""):
        return None
    try:
        return Opportunity.objects.get(pk=pk_of(value))
    except (Opportunity.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"opportunity": "商机不存在"}) from exc


def _save_unique(obj: Contract | Order, label: str) -> None:
    """Save in a savepoint: a number taken (also by a concurrent write) is a field error."""
    model = type(obj)
    if model._default_manager.filter(number=obj.number).exclude(pk=obj.pk).exists():
        raise ValidationError({"number": f"{label}编号 {obj.number} 已存在"})
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError({"number": f"{label}编号 {obj.number} 已存在"}) from exc


def create_contract(actor: Actor, *, customer: Any, **fields: Any) -> Contract:
    reject_unknown(fields, CONTRACT_FIELDS)
    found = editable_customer(actor, customer)
    fields["opportunity"] = _opportunity(fields.get("opportunity"))
    contract = Contract(customer=found, created_by=actor.user, **fields)
    with transaction.atomic():
        if not (contract.number or "").strip():
            contract.number = _contract_number(timezone.localdate())
        _check_contract(contract)
        _save_unique(contract, "合同")
        audit.record(
            actor,
            "contract.create",
            contract,
            customer=found,
            changes=audit.diff({}, audit.snapshot(contract, CONTRACT_FIELDS)),
        )
        recompute_customer(actor, found.pk)
    return contract


def _locked_of_customer[M: (Contract, Order)](
    actor: Actor, model: type[M], obj: M, expected_version: int | None, label: str
) -> M:
    visible = get_visible(actor, model, obj.pk)
    editable_customer(actor, visible.customer_id)
    locked = lock(model, visible.pk, expected_version, label)
    locked.customer = visible.customer
    return locked


def update_contract(
    actor: Actor,
    contract: Contract,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Contract:
    reject_unknown(fields, CONTRACT_FIELDS)
    if "opportunity" in fields:
        fields["opportunity"] = _opportunity(fields["opportunity"])
    with transaction.atomic():
        contract = _locked_of_customer(actor, Contract, contract, expected_version, "合同")
        before = audit.snapshot(contract, CONTRACT_FIELDS)
        for name, value in fields.items():
            setattr(contract, name, value)
        _check_contract(contract)
        changes = audit.diff(before, audit.snapshot(contract, CONTRACT_FIELDS))
        if not changes:
            return contract
        contract.updated_at = timezone.now()
        contract.version += 1
        _save_unique(contract, "合同")
        audit.record(
            actor,
            "contract.update",
            contract,
            customer=contract.customer,
            changes=changes,
            reason=(reason or "").strip(),
        )
        recompute_customer(actor, contract.customer_id)
    return contract


# --- orders ------------------------------------------------------------------------------------


def _contract_of(customer_id: int, value: Any) -> Contract | None:
    if value in (None, ""):
        return None
    try:
        return Contract.objects.get(pk=pk_of(value), customer_id=customer_id)
    except (Contract.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"contract": "所选合同不属于该客户"}) from exc


def _check_order(order: Order) -> None:
    order.number = (order.number or "").strip()
    order.summary = " ".join((order.summary or "").split())
    full_clean(order, exclude=["customer", "created_by"], validate_unique=False)


def create_order(actor: Actor, *, customer: Any, **fields: Any) -> Order:
    reject_unknown(fields, ORDER_FIELDS)
    found = editable_customer(actor, customer)
    fields["contract"] = _contract_of(found.pk, fields.get("contract"))
    order = Order(customer=found, created_by=actor.user, **fields)
    _check_order(order)
    with transaction.atomic():
        _save_unique(order, "订单")
        audit.record(
            actor,
            "order.create",
            order,
            customer=found,
            changes=audit.diff({}, audit.snapshot(order, ORDER_FIELDS)),
        )
        recompute_customer(actor, found.pk)
    return order


def update_order(
    actor: Actor,
    order: Order,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Order:
    reject_unknown(fields, ORDER_FIELDS)
    with transaction.atomic():
        order = _locked_of_customer(actor, Order, order, expected_version, "订单")
        if "contract" in fields:
            fields["contract"] = _contract_of(order.customer_id, fields["contract"])
        before = audit.snapshot(order, ORDER_FIELDS)
        for name, value in fields.items():
            setattr(order, name, value)
        _check_order(order)
        changes = audit.diff(before, audit.snapshot(order, ORDER_FIELDS))
        if not changes:
            return order
        order.updated_at = timezone.now()
        order.version += 1
        _save_unique(order, "订单")
        audit.record(
            actor,
            "order.update",
            order,
            customer=order.customer,
            changes=changes,
            reason=(reason or "").strip(),
        )
        recompute_customer(actor, order.customer_id)
    return order


def delete_order(actor: Actor, order: Order, *, reason: str) -> None:
    """An order entered by mistake goes, with a reason; the audit row keeps what it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "删除订单需要填写原因"})
    with transaction.atomic():
        order = _locked_of_customer(actor, Order, order, None, "订单")
        before = audit.snapshot(order, ORDER_FIELDS)
        customer_id, pk = order.customer_id, order.pk
        audit.record(
            actor,
            "order.delete",
            order,
            customer=order.customer,
            changes=audit.diff(before, {}),
            reason=reason,
        )
        order.delete()
        order.pk = pk
        recompute_customer(actor, customer_id)


# --- settings and the daily run -----------------------------------------------------------------

TIER_FIELDS = ("strategic_threshold", "key_threshold", "expiry_warning_days")


def save_tier_rules(actor: Actor, *, reason: str = "", **fields: Any) -> TierRules:
    """Change the thresholds; every customer with contracts is tiered again at once."""
    policy.require(actor.user, "settings.manage")
    reject_unknown(fields, TIER_FIELDS)
    with transaction.atomic():
        config = TierRules.objects.select_for_update().filter(pk=1).first() or TierRules(pk=1)
        before = audit.snapshot(config, TIER_FIELDS)
        for name, value in fields.items():
            setattr(config, name, value)
        extra = {}
        if Decimal(config.key_threshold) > Decimal(config.strategic_threshold):
            extra["key_threshold"] = "重点客户下限不能高于战略客户下限"
        full_clean(config, extra)
        config.updated_at, config.updated_by = timezone.now(), actor.user
        config.save()
        audit.record(
            actor,
            "settings.tier_rules",
            config,
            changes=audit.diff(before, audit.snapshot(config, TIER_FIELDS)),
            reason=(reason or "").strip(),
        )
        recompute_all(actor, timezone.localdate())
    return config


def _customers_with_business() -> Iterable[int]:
    with_contracts = Contract.objects.values_list("customer_id", flat=True)
    with_orders = Order.objects.values_list("customer_id", flat=True)
    return sorted(set(with_contracts) | set(with_orders))


def recompute_all(actor: Actor, today: datetime.date) -> int:
    count = 0
    for customer_id in _customers_with_business():
        with transaction.atomic():
            recompute_customer(actor, customer_id, today)
        count += 1
    return count


def run_day(today: datetime.date) -> dict[str, int]:
    """The daily run: active contracts past their end become expired (audited), then every
    customer with business is tiered again (the 12-month window moved) and flagged."""
    expired = 0
    stale = Contract.objects.filter(status=ContractStatus.ACTIVE).filter(Q(ends_on__lt=today))
    for contract in stale.select_related("customer"):
        with transaction.atomic():
            Contract.objects.filter(pk=contract.pk).update(
                status=ContractStatus.EXPIRED, updated_at=timezone.now()
            )
            audit.record(
                SYSTEM,
                "contract.expire",
                contract,
                customer=contract.customer,
                changes={"status": {"before": "active", "after": "expired"}},
                reason=f"合同已于 {contract.ends_on:%Y-%m-%d} 到期",
            )
        expired += 1
    return {"contracts_expired": expired, "customers_tiered": recompute_all(SYSTEM, today)}
