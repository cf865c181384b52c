"""Deliveries 交付, their weekly progress notes and acceptance 验收.

- a delivery is created while the work goes on (no delivery date: 交付中) or once delivered;
  progress notes 交付进度 are added along the way (seed 002: 每周向客户同步进度);
- the delivery date starts the acceptance clock (due 3 working days later, stored as
  `acceptance_due_on`); the acceptance date answers it and starts the survey clock (7 working
  days, `survey_due_on`); the delivery's first survey answers that one (`surveyed_on`);
- an optional contract must be one of the same customer's;
- acceptance needs a delivery date and is not before it; neither lies in the future; an
  acceptance with a survey after it can be corrected but not removed nor moved past the survey;
- editors of the customer write; every write is audited on the customer's timeline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.services.related import (
    BAD_KEYS,
    editable_customer,
    get_visible,
    pk_of,
    reject_unknown,
)
from crm.pipeline.models import Contract
from crm.records.rules import CONTENT_MESSAGE, is_filler

from .. import clocks, rules
from ..models import Delivery, DeliveryProgress
from .common import full_clean, locked_for_edit, save_new, save_version, snapshot, squash, text

DELIVERY_FIELDS = ("title", "contract", "delivered_on", "accepted_on", "notes")
AUDITED = (*DELIVERY_FIELDS, "acceptance_due_on", "survey_due_on")


def get_visible_delivery(actor: Actor, pk: Any) -> Delivery:
    return get_visible(actor, Delivery, pk)


def _contract_of(customer_id: int, value: Any) -> Contract | None:
    if value in (None, ""):
        return None
    try:
        return Contract.objects.get(pk=pk_of(value), customer_id=customer_id)
    except (Contract.DoesNotExist, *BAD_KEYS) as exc:
        raise ValidationError({"contract": "所选合同不属于该客户"}) from exc


def _check(delivery: Delivery, today: datetime.date) -> None:
    delivery.title, delivery.notes = squash(delivery.title), text(delivery.notes)
    full_clean(
        delivery,
        lambda: rules.check_delivery_dates(
            delivery.delivered_on, delivery.accepted_on, today, surveyed_on=delivery.surveyed_on
        ),
        exclude=["customer", "contract"],
    )
    delivery.acceptance_due_on = clocks.acceptance_due(delivery.delivered_on)
    delivery.survey_due_on = clocks.survey_due(delivery.accepted_on)


def create_delivery(
    actor: Actor,
    *,
    customer: Any,
    title: str,
    contract: Any = None,
    delivered_on: datetime.date | None = None,
    accepted_on: datetime.date | None = None,
    notes: str = "",
) -> Delivery:
    found = editable_customer(actor, customer)
    delivery = Delivery(
        customer=found,
        contract=_contract_of(found.pk, contract),
        title=title,
        delivered_on=delivered_on,
        accepted_on=accepted_on,
        notes=notes,
    )
    _check(delivery, timezone.localdate())
    with transaction.atomic():
        save_new(delivery, actor)
        audit.record(
            actor,
            "delivery.create",
            delivery,
            customer=found,
            changes=audit.diff({}, snapshot(delivery, AUDITED)),
        )
    return delivery


def _apply(
    actor: Actor, delivery: Delivery, fields: dict[str, Any], action: str, reason: str
) -> Delivery:
    before = snapshot(delivery, AUDITED)
    for name, value in fields.items():
        setattr(delivery, name, value)
    _check(delivery, timezone.localdate())
    changes = audit.diff(before, snapshot(delivery, AUDITED))
    if not changes:
        return delivery
    save_version(delivery)
    audit.record(
        actor, action, delivery, customer=delivery.customer, changes=changes, reason=text(reason)
    )
    return delivery


def update_delivery(
    actor: Actor,
    delivery: Delivery,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Delivery:
    """Correct a delivery: title, contract, notes, the delivery and acceptance dates."""
    reject_unknown(fields, DELIVERY_FIELDS)
    with transaction.atomic():
        locked = locked_for_edit(actor, Delivery, delivery, expected_version, "交付")
        if "contract" in fields:
            fields["contract"] = _contract_of(locked.customer_id, fields["contract"])
        return _apply(actor, locked, fields, "delivery.update", reason)


def mark_delivered(
    actor: Actor,
    delivery: Delivery,
    *,
    delivered_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Delivery:
    """登记交付 (default today): the acceptance clock starts."""
    with transaction.atomic():
        locked = locked_for_edit(actor, Delivery, delivery, expected_version, "交付")
        if locked.delivered_on is not None:
            raise ValidationError(
                {"delivered_on": f"该交付已于 {locked.delivered_on:%Y-%m-%d} 交付"}
            )
        day = delivered_on or timezone.localdate()
        return _apply(actor, locked, {"delivered_on": day}, "delivery.deliver", "")


def accept_delivery(
    actor: Actor,
    delivery: Delivery,
    *,
    accepted_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Delivery:
    """The customer signed the 《验收确认单》 (default today): the survey clock starts."""
    with transaction.atomic():
        locked = locked_for_edit(actor, Delivery, delivery, expected_version, "交付")
        if locked.accepted_on is not None:
            raise ValidationError({"accepted_on": f"该交付已于 {locked.accepted_on:%Y-%m-%d} 验收"})
        day = accepted_on or timezone.localdate()
        return _apply(actor, locked, {"accepted_on": day}, "delivery.accept", "")


def add_progress(
    actor: Actor, delivery: Delivery, *, content: str, noted_on: datetime.date | None = None
) -> DeliveryProgress:
    """A weekly progress note, written by the actor (default date today)."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = locked_for_edit(actor, Delivery, delivery, None, "交付")
        note = DeliveryProgress(
            delivery=locked, noted_on=noted_on or today, content=text(content), author=actor.user
        )
        full_clean(
            note,
            lambda: {
                "noted_on": rules.future_error(note.noted_on, today, "进度日期"),
                "content": CONTENT_MESSAGE if is_filler(note.content) else None,
            },
            exclude=["delivery", "author"],
        )
        note.save()
        audit.record(
            actor,
            "delivery.progress",
            locked,
            customer=locked.customer,
            changes={"progress": {"before": None, "after": f"{note.noted_on}:{note.content}"}},
        )
    return note
