"""The discipline engine: apply crm.discipline.rules to customers and store the verdicts.

Stored on Customer (so lists filter and sort on them): follow_up_due, follow_up_overdue_days,
escalated, and the consequences status (normal <-> to_follow), flag_long_inactive and
flag_to_verify.

- Bounded memory: customers are read in keyset chunks of CHUNK (pk order), each chunk with
  one query (the latest card's next contact date comes from a subquery) and written back
  with one bulk_update of the rows that changed, in its own transaction.
- Status: `to_follow` when a follow-up is due, `normal` when nothing is due; `lost` and
  `needs_upgrade` (set by people) are never overridden.
- Audit: only changes, one `discipline.evaluate` event per changed customer, listing the
  changed status / escalated / flags. follow_up_due and follow_up_overdue_days are derived
  values (like last_contacted_at) and are not audited: overdue days grow every day and would
  write one row per customer per day.
- Idempotent: a second run on the same day writes nothing and audits nothing.
- The customer's version and updated_at are not bumped (no person edited the archive), so an
  open edit form or an If-Match stays valid.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.core.chunks import keyset_chunks
from crm.customers.choices import Status
from crm.customers.models import Customer

from . import rules
from .models import DisciplineRules

CHUNK = 1000
STORED = (
    "follow_up_due",
    "follow_up_overdue_days",
    "escalated",
    "status",
    "flag_long_inactive",
    "flag_to_verify",
)
AUDITED = ("status", "escalated", "flag_long_inactive", "flag_to_verify")
MANUAL_STATUSES = frozenset({Status.LOST, Status.NEEDS_UPGRADE})
READ_FIELDS = (
    "pk",
    "name",
    "stage",
    "intent",
    "level",
    "status",
    "created_at",
    "last_contacted_at",
    "last_cooperation_on",
    "info_checked_on",
    *STORED[:3],
    "flag_long_inactive",
    "flag_to_verify",
)


@dataclass
class Summary:
    evaluated: int = 0
    due: int = 0
    overdue: int = 0
    escalated: int = 0
    dormant: int = 0
    info_to_verify: int = 0
    changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def current_rules() -> rules.Cadence:
    """The saved rules, or the documents' defaults when none were saved yet (no write)."""
    row = DisciplineRules.objects.filter(pk=1).first()
    return row.cadence() if row else rules.Cadence()


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def facts_of(customer: Customer) -> rules.Facts:
    return rules.Facts(
        stage=customer.stage,
        intent=customer.intent,
        level=customer.level,
        created_on=timezone.localdate(customer.created_at),
        last_contact_on=_local_date(customer.last_contacted_at),
        next_contact_on=getattr(customer, "latest_next_contact_on", None),
        last_cooperation_on=customer.last_cooperation_on,
        info_checked_on=customer.info_checked_on,
    )


def _with_facts(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    from crm.records.models import Record

    latest = Record.objects.filter(customer=OuterRef("pk"), voided=False).order_by(
        "-occurred_at", "-id"
    )
    return customers.only(*READ_FIELDS).annotate(
        latest_next_contact_on=Subquery(latest.values("next_contact_on")[:1])
    )


def _apply(customer: Customer, verdict: rules.Verdict) -> dict[str, Any]:
    """Set the verdict on the customer; return {field: (before, after)} of what changed."""
    status = customer.status
    if status not in MANUAL_STATUSES:
        status = Status.TO_FOLLOW if verdict.due else Status.NORMAL
    new = {
        "follow_up_due": verdict.due_on,
        "follow_up_overdue_days": verdict.overdue_days,
        "escalated": verdict.escalated,
        "status": status,
        "flag_long_inactive": (
            verdict.dormant
            if customer.last_cooperation_on is not None
            else customer.flag_long_inactive
        ),
        "flag_to_verify": customer.flag_to_verify or verdict.info_check_missed,
    }
    changed = {}
    for name, value in new.items():
        old = getattr(customer, name)
        if old != value:
            changed[name] = (old, value)
            setattr(customer, name, value)
    return changed


def _count(summary: Summary, verdict: rules.Verdict) -> None:
    summary.evaluated += 1
    summary.due += verdict.due
    summary.overdue += verdict.overdue
    summary.escalated += verdict.escalated
    summary.dormant += verdict.dormant
    summary.info_to_verify += verdict.info_check_missed


def _store(customers: list[Customer]) -> None:
    """Write the derived fields: one UPDATE per distinct set of values (a day's run has a
    few dozen: due dates × statuses), far cheaper than a CASE per row and per field."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for customer in customers:
        groups.setdefault(tuple(getattr(customer, name) for name in STORED), []).append(customer.pk)
    for values, pks in groups.items():
        for start in range(0, len(pks), 500):
            Customer.objects.filter(pk__in=pks[start : start + 500]).update(
                **dict(zip(STORED, values, strict=True))
            )


def _evaluate_chunk(
    ids: list[int], today: datetime.date, cadence: rules.Cadence, actor: Actor, summary: Summary
) -> None:
    with transaction.atomic():
        rows = Customer.objects.filter(pk__in=ids).select_for_update(of=("self",))
        changed_rows, events = [], []
        for customer in _with_facts(rows).order_by("pk"):
            verdict = rules.evaluate(facts_of(customer), today, cadence)
            _count(summary, verdict)
            changed = _apply(customer, verdict)
            if not changed:
                continue
            changed_rows.append(customer)
            shown = {
                name: {"before": audit.to_json(old), "after": audit.to_json(new)}
                for name, (old, new) in changed.items()
                if name in AUDITED
            }
            if shown:
                events.append((customer, customer, shown))
        if changed_rows:
            _store(changed_rows)
            summary.changed += len(changed_rows)
        if events:
            audit.record_many(actor, "discipline.evaluate", events, reason=f"跟进纪律评估 {today}")


def evaluate(
    customers: QuerySet[Customer] | None,
    today: datetime.date,
    *,
    actor: Actor | None = None,
    cadence: rules.Cadence | None = None,
    chunk: int = CHUNK,
) -> Summary:
    """Evaluate `customers` (all when None) for `today`; store and audit what changed.

    flag_long_inactive follows the last cooperation date when there is one (set after the
    dormant period, cleared when cooperation is recent again) and is left as people set it
    when there is none; flag_to_verify is only set here and cleared by services.confirm_info.
    """
    actor = actor or Actor.system()
    cadence = cadence or current_rules()
    queryset = customers if customers is not None else Customer.objects.all()
    summary = Summary()
    for rows in keyset_chunks(queryset, chunk):
        _evaluate_chunk([r["pk"] for r in rows], today, cadence, actor, summary)
    return summary


def evaluate_customer(
    customer_id: int, today: datetime.date | None = None, *, actor: Actor | None = None
) -> Summary:
    """Re-evaluate one customer (after a card is filed, or on request)."""
    today = today or timezone.localdate()
    return evaluate(Customer.objects.filter(pk=customer_id), today, actor=actor)
