"""The one write path for needs analyses 需求分析 and demand changes 需求变化.

- whoever may edit the customer files them; the interview it follows may be named by its
  record card (the card's time is the interview time) and must be the same customer's;
- an analysis sets the customer's intent level (customers.update_customer, audited, reason
  需求分析), after which the discipline engine re-plans the follow-up cadence at once;
- its decision chain names contacts of the customer with their roles and concerns; each
  contact takes them on (contacts.update_contact, audited) so the contact list and the next
  analysis agree;
- filed more than 24 h after the interview, an analysis is marked late (it is still kept);
- a demand change may be raised from the record card that surfaced it, in one step.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.audit import services as audit
from crm.contacts import services as contacts
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.customers import services as customers
from crm.customers.models import Customer
from crm.customers.services.related import editable_customer, get_visible, pk_of, reject_unknown
from crm.discipline import engine as discipline
from crm.pipeline.services.common import full_clean, lock, save_version
from crm.records.models import Record

from . import rules
from .models import DecisionMember, DemandChange, NeedsAnalysis

LIST_FIELDS = ("pain_points", "explicit_needs", "latent_needs")
ANALYSIS_FIELDS = (
    "interviewed_at",
    *LIST_FIELDS,
    "budget_min",
    "budget_max",
    "budget_negotiable",
    "budget_note",
    "intent",
)
CHANGE_FIELDS = ("original_need", "current_need", "trigger", "priority", "changed_on")


def get_visible_analysis(actor: Actor, pk: Any) -> NeedsAnalysis:
    return get_visible(actor, NeedsAnalysis, pk)


def get_visible_change(actor: Actor, pk: Any) -> DemandChange:
    return get_visible(actor, DemandChange, pk)


def _record_of(customer: Customer, record: Any) -> Record | None:
    if record in (None, ""):
        return None
    try:
        return Record.objects.get(pk=pk_of(record), customer=customer, voided=False)
    except (Record.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"record": "所选记录卡不属于该客户或已作废"}) from exc


def _check_analysis(analysis: NeedsAnalysis) -> None:
    extra: dict[str, str] = {}
    for name in LIST_FIELDS:
        items = rules.split_points(getattr(analysis, name) or [])
        setattr(analysis, name, items)
        problem = rules.points_error(items)
        if problem:
            extra[name] = problem
    if not analysis.pain_points and "pain_points" not in extra:
        extra["pain_points"] = "请至少填写一条核心痛点"
    extra.update(rules.budget_errors(analysis.budget_min, analysis.budget_max))
    moment = analysis.interviewed_at
    if isinstance(moment, datetime.datetime) and moment > timezone.now() + _TOLERANCE:
        extra["interviewed_at"] = "访谈时间不能晚于现在"
    full_clean(analysis, extra, exclude=["customer", "record", "created_by"])


_TOLERANCE = datetime.timedelta(minutes=5)


def _chain(customer: Customer, chain: Iterable[Mapping[str, Any]]) -> list[DecisionMember]:
    members: list[DecisionMember] = []
    specs = list(chain)
    try:
        ids = [pk_of(spec.get("contact")) for spec in specs]
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"chain": "决策链中的联系人无效"}) from exc
    if len(set(ids)) != len(ids):
        raise ValidationError({"chain": "同一联系人在决策链中只能出现一次"})
    found = Contact.objects.filter(customer=customer, pk__in=ids).in_bulk()
    for index, (pk, spec) in enumerate(zip(ids, specs, strict=True), start=1):
        if pk not in found:
            raise ValidationError({"chain": f"第 {index} 位:联系人不属于该客户"})
        member = DecisionMember(
            contact=found[pk],
            role=spec.get("role") or "",
            concerns=" ".join(str(spec.get("concerns") or "").split())[:200],
        )
        try:
            member.full_clean(exclude=["analysis"], validate_constraints=False)
        except ValidationError as exc:
            raise ValidationError({"chain": [f"第 {index} 位:{m}" for m in exc.messages]}) from exc
        members.append(member)
    return members


def _apply(actor: Actor, analysis: NeedsAnalysis, members: list[DecisionMember]) -> None:
    """The customer takes the intent, the contacts their roles; the cadence is re-planned."""
    for member in members:
        contact = member.contact
        if (contact.decision_role, contact.concerns) != (member.role, member.concerns):
            contacts.update_contact(
                actor,
                contact,
                decision_role=member.role,
                concerns=member.concerns,
                reason="需求分析",
            )
    customer = analysis.customer
    if customer.intent != analysis.intent:
        customers.update_customer(actor, customer, intent=analysis.intent, reason="需求分析")
        discipline.evaluate_customer(customer.pk, timezone.localdate())


def _snapshot(analysis: NeedsAnalysis, members: list[DecisionMember]) -> dict[str, Any]:
    data = audit.snapshot(analysis, ANALYSIS_FIELDS)
    data["chain"] = [
        f"{m.get_role_display()}:{m.contact.name} {m.concerns}".strip() for m in members
    ]
    return data


def file_analysis(
    actor: Actor,
    *,
    customer: Any,
    record: Any = None,
    chain: Iterable[Mapping[str, Any]] = (),
    **fields: Any,
) -> NeedsAnalysis:
    reject_unknown(fields, ANALYSIS_FIELDS)
    found = editable_customer(actor, customer)
    card = _record_of(found, record)
    if card is not None and not fields.get("interviewed_at"):
        fields["interviewed_at"] = card.occurred_at
    now = timezone.now()
    analysis = NeedsAnalysis(
        customer=found, record=card, created_by=actor.user, filed_at=now, **fields
    )
    _check_analysis(analysis)
    members = _chain(found, chain)
    analysis.is_late = rules.is_late(analysis.interviewed_at, now)
    with transaction.atomic():
        analysis.save()
        for member in members:
            member.analysis = analysis
        DecisionMember.objects.bulk_create(members)
        audit.record(
            actor,
            "needs.file",
            analysis,
            customer=found,
            changes=audit.diff({}, _snapshot(analysis, members)),
        )
        _apply(actor, analysis, members)
    return analysis


def update_analysis(
    actor: Actor,
    analysis: NeedsAnalysis,
    *,
    expected_version: int | None = None,
    reason: str = "",
    chain: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> NeedsAnalysis:
    """Correct an analysis; filed_at stays, is_late follows a corrected interview time."""
    reject_unknown(fields, ANALYSIS_FIELDS)
    with transaction.atomic():
        visible = get_visible_analysis(actor, analysis.pk)
        editable_customer(actor, visible.customer_id)
        analysis = lock(NeedsAnalysis, visible.pk, expected_version, "需求分析")
        analysis.customer = visible.customer
        old = list(analysis.chain.select_related("contact"))
        before = _snapshot(analysis, old)
        for name, value in fields.items():
            setattr(analysis, name, value)
        _check_analysis(analysis)
        members = old if chain is None else _chain(analysis.customer, chain)
        analysis.is_late = rules.is_late(analysis.interviewed_at, analysis.filed_at)
        changes = audit.diff(before, _snapshot(analysis, members))
        if not changes:
            return analysis
        save_version(analysis)
        if chain is not None:
            analysis.chain.all().delete()
            for member in members:
                member.pk, member.analysis = None, analysis
            DecisionMember.objects.bulk_create(members)
        audit.record(
            actor,
            "needs.update",
            analysis,
            customer=analysis.customer,
            changes=changes,
            reason=(reason or "").strip(),
        )
        _apply(actor, analysis, members)
    return analysis


# --- demand changes -------------------------------------------------------------------------


def _check_change(change: DemandChange) -> None:
    for name in ("original_need", "current_need", "trigger"):
        setattr(change, name, " ".join((getattr(change, name) or "").split()))
    extra = {}
    if change.original_need and change.original_need == change.current_need:
        extra["current_need"] = "现需求与原需求相同,无需记录变化"
    full_clean(change, extra, exclude=["customer", "record", "created_by"])


def record_change(
    actor: Actor, *, customer: Any, record: Any = None, **fields: Any
) -> DemandChange:
    """A demand change, optionally from the record card that surfaced it (its date by default)."""
    reject_unknown(fields, CHANGE_FIELDS)
    found = editable_customer(actor, customer)
    card = _record_of(found, record)
    if card is not None and not fields.get("changed_on"):
        fields["changed_on"] = timezone.localdate(card.occurred_at)
    change = DemandChange(customer=found, record=card, created_by=actor.user, **fields)
    _check_change(change)
    with transaction.atomic():
        change.save()
        audit.record(
            actor,
            "demand_change.create",
            change,
            customer=found,
            changes=audit.diff({}, audit.snapshot(change, CHANGE_FIELDS)),
        )
    return change


def update_change(
    actor: Actor,
    change: DemandChange,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> DemandChange:
    reject_unknown(fields, CHANGE_FIELDS)
    with transaction.atomic():
        visible = get_visible_change(actor, change.pk)
        editable_customer(actor, visible.customer_id)
        change = lock(DemandChange, visible.pk, expected_version, "需求变化")
        change.customer = visible.customer
        before = audit.snapshot(change, CHANGE_FIELDS)
        for name, value in fields.items():
            setattr(change, name, value)
        _check_change(change)
        changes = audit.diff(before, audit.snapshot(change, CHANGE_FIELDS))
        if changes:
            save_version(change)
            audit.record(
                actor,
                "demand_change.update",
                change,
                customer=change.customer,
                changes=changes,
                reason=(reason or "").strip(),
            )
    return change
