"""Overdue follow-ups and to-dos reach people: the owner first, the team manager later.

Run by the daily job after the engine (crm.discipline.tasks, `crm discipline run`), from the
stored state, so a missed day is caught up by the next run and a second run raises nothing:

- a customer whose follow-up is overdue (follow_up_overdue_days >= 1) notifies its owner;
  once it is escalated (overdue >= escalate_after_days working days) it also notifies the
  manager of the owner's team (unless the manager is the owner);
- an open to-do past its due date by at least one working day notifies its owner and its
  collaborator; escalated after the same number of working days, to the owner's manager.

Each occurrence is keyed by what was missed and its due date (`fu:<customer>:<due>`,
`task:<task>:<due>`), so it is raised once per recipient, and a follow-up missed again later
(a new due date) is raised again. Bounded memory: rows are read in keyset chunks.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from crm.core.chunks import keyset_chunks
from crm.customers.models import Customer
from crm.notifications import services as notifications
from crm.notifications.choices import Kind
from crm.notifications.services import Spec
from crm.records.choices import TaskStatus
from crm.records.models import Task

from . import rules

CHUNK = 2000


@dataclass
class AlertSummary:
    follow_ups: int = 0
    escalations: int = 0
    tasks: int = 0
    emails: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _follow_up_specs(row: dict[str, Any]) -> list[Spec]:
    due, days, owner = row["follow_up_due"], row["follow_up_overdue_days"], row["owner_id"]
    key = f"fu:{row['pk']}:{due:%Y%m%d}"
    specs = []
    if row["owner__is_active"]:
        specs.append(Spec(owner, Kind.FOLLOW_UP_OVERDUE, key, row["pk"], due, days))
    manager = row["owner__team__manager_id"]
    if row["escalated"] and manager and manager != owner and row["owner__team__manager__is_active"]:
        specs.append(
            Spec(manager, Kind.FOLLOW_UP_ESCALATED, key, row["pk"], due, days, subject_id=owner)
        )
    return specs


def _task_specs(row: dict[str, Any], today: datetime.date, cadence: rules.Cadence) -> list[Spec]:
    due = row["due"]
    days = rules.overdue_days(due, today)
    if days < 1:
        return []
    key = f"task:{row['pk']}:{due:%Y%m%d}"
    owner = row["owner_id"] if row["owner__is_active"] else None
    helper = row["collaborator_id"] if row["collaborator__is_active"] else None
    base = {"customer_id": row["customer_id"], "due": due, "overdue_days": days}
    specs = [
        Spec(person, Kind.TASK_OVERDUE, key, task_id=row["pk"], **base)
        for person in dict.fromkeys((owner, helper))
        if person
    ]
    manager = row["owner__team__manager_id"]
    escalated = days >= cadence.escalate_after_days > 0
    active_manager = manager and row["owner__team__manager__is_active"]
    if escalated and active_manager and manager not in {row["owner_id"], helper}:
        specs.append(
            Spec(
                manager,
                Kind.TASK_ESCALATED,
                key,
                task_id=row["pk"],
                subject_id=row["owner_id"],
                **base,
            )
        )
    return specs


def raise_alerts(today: datetime.date, cadence: rules.Cadence | None = None) -> AlertSummary:
    """Raise the day's overdue and escalation notifications; mail the digests if configured."""
    from .engine import current_rules

    cadence = cadence or current_rules()
    summary = AlertSummary()
    overdue = Customer.objects.filter(follow_up_overdue_days__gte=1, follow_up_due__isnull=False)
    fields = (
        "follow_up_due",
        "follow_up_overdue_days",
        "escalated",
        "owner_id",
        "owner__is_active",
        "owner__team__manager_id",
        "owner__team__manager__is_active",
    )
    for rows in keyset_chunks(overdue, CHUNK, fields):
        specs = [spec for row in rows for spec in _follow_up_specs(row)]
        summary.follow_ups += notifications.notify_many(
            [s for s in specs if s.kind == Kind.FOLLOW_UP_OVERDUE]
        )
        summary.escalations += notifications.notify_many(
            [s for s in specs if s.kind == Kind.FOLLOW_UP_ESCALATED]
        )
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN, due__lt=today)
    task_fields = (
        "due",
        "customer_id",
        "owner_id",
        "owner__is_active",
        "collaborator_id",
        "collaborator__is_active",
        "owner__team__manager_id",
        "owner__team__manager__is_active",
    )
    for rows in keyset_chunks(open_tasks, CHUNK, task_fields):
        specs = [spec for row in rows for spec in _task_specs(row, today, cadence)]
        summary.tasks += notifications.notify_many(
            [s for s in specs if s.kind == Kind.TASK_OVERDUE]
        )
        summary.escalations += notifications.notify_many(
            [s for s in specs if s.kind == Kind.TASK_ESCALATED]
        )
    summary.emails = notifications.send_digests()
    return summary
