"""My agenda 我的待办: what a salesperson has to do today, in the issue's order.

1. follow-ups due today, 2. overdue follow-ups (working days overdue, escalated ones first),
3. to-dos due today, 4. overdue to-dos, 5. late cards (filed > 24 h after the interaction)
of the last LATE_CARD_DAYS days. Each list holds at most LIMIT rows; the counts are exact.

A fixed number of queries whatever the data: one aggregate and two lists per table.
Follow-ups are read from the stored `follow_up_due` and split with the working-day calendar:
due today = due on or after the last working day up to today (a follow-up due Friday is
still "today's" on Saturday); overdue = due before it. Overdue days are recomputed for
`today`, so the agenda is right even when the daily job has not run yet.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.errors import NotFound
from crm.customers.models import Customer
from crm.records.choices import TaskStatus
from crm.records.models import Record, Task
from crm.workdays.calendar import add_workdays, is_workday, workdays_between

from . import rules

LIMIT = 100
LATE_CARD_DAYS = 30


def agenda_user(viewer: User, target_id: Any | None) -> User:
    """The user whose agenda `viewer` may read: themselves, a member of a team they manage,
    anyone for an administrator. Anything else answers 404, as for a missing user."""
    if target_id in (None, "", viewer.pk, str(viewer.pk)):
        return viewer
    try:
        target = User.objects.get(pk=int(target_id))
    except (User.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc
    if viewer.is_admin or (target.team_id and target.team_id in policy.managed_team_ids(viewer)):
        return target
    raise NotFound()


def last_workday(today: datetime.date) -> datetime.date:
    return today if is_workday(today) else add_workdays(today, -1)


def _customer_row(customer: Customer, today: datetime.date) -> dict[str, Any]:
    due = customer.follow_up_due
    late = rules.overdue_days(due, today) if due else 0
    return {
        "id": customer.pk,
        "number": customer.number,
        "name": customer.name,
        "stage": customer.stage,
        "intent": customer.intent,
        "level": customer.level,
        "status": customer.status,
        "follow_up_due": due,
        "overdue_days": late,
        "escalated": customer.escalated,
        "last_contacted_at": customer.last_contacted_at,
    }


def _task_row(task: Task, today: datetime.date) -> dict[str, Any]:
    return {
        "id": task.pk,
        "description": task.description,
        "due": task.due,
        "overdue_days": max(workdays_between(task.due, today), 0),
        "customer": {"id": task.customer_id, "name": task.customer.name},
        "owner": task.owner_id,
        "collaborator": task.collaborator_id,
        "record": task.record_id,
    }


def _record_row(record: Record) -> dict[str, Any]:
    return {
        "id": record.pk,
        "customer": {"id": record.customer_id, "name": record.customer.name},
        "occurred_at": record.occurred_at,
        "filed_at": record.filed_at,
        "channel": record.channel,
    }


def _follow_ups(viewer: User, user: User, today: datetime.date) -> dict[str, Any]:
    mine = Customer.objects.visible_to(viewer).filter(owner=user, follow_up_due__lte=today)
    edge = last_workday(today)
    is_today, is_over = Q(follow_up_due__gte=edge), Q(follow_up_due__lt=edge)
    counts = mine.aggregate(today=Count("pk", filter=is_today), over=Count("pk", filter=is_over))
    due = mine.filter(is_today).order_by("follow_up_due", "pk")[:LIMIT]
    over = mine.filter(is_over).order_by("-escalated", "follow_up_due", "pk")[:LIMIT]
    return {
        "follow_ups_due_today": [_customer_row(c, today) for c in due],
        "follow_ups_overdue": [_customer_row(c, today) for c in over],
        "counts": {"follow_ups_due_today": counts["today"], "follow_ups_overdue": counts["over"]},
    }


def _tasks(user: User, today: datetime.date) -> dict[str, Any]:
    mine = Task.objects.filter(
        Q(owner=user) | Q(collaborator=user), status=TaskStatus.OPEN, due__lte=today
    )
    is_today, is_over = Q(due=today), Q(due__lt=today)
    counts = mine.aggregate(today=Count("pk", filter=is_today), over=Count("pk", filter=is_over))
    rows = mine.select_related("customer").only(
        "description", "due", "customer__name", "owner", "collaborator", "record"
    )
    due = rows.filter(is_today).order_by("pk")[:LIMIT]
    over = rows.filter(is_over).order_by("due", "pk")[:LIMIT]
    return {
        "tasks_due_today": [_task_row(t, today) for t in due],
        "tasks_overdue": [_task_row(t, today) for t in over],
        "counts": {"tasks_due_today": counts["today"], "tasks_overdue": counts["over"]},
    }


def _late_cards(viewer: User, user: User, today: datetime.date) -> dict[str, Any]:
    since = today - datetime.timedelta(days=LATE_CARD_DAYS)
    late = Record.objects.visible_to(viewer).filter(
        maintainer=user, is_late=True, voided=False, filed_at__date__gte=since
    )
    count = late.count()
    rows = late.select_related("customer").order_by("-filed_at", "-pk")[:LIMIT]
    return {"late_cards": [_record_row(r) for r in rows], "counts": {"late_cards": count}}


def agenda(viewer: User, user: User, today: datetime.date) -> dict[str, Any]:
    """The agenda of `user` as `viewer` sees it (agenda_user has authorised the pair)."""
    parts = [
        _follow_ups(viewer, user, today),
        _tasks(user, today),
        _late_cards(viewer, user, today),
    ]
    body: dict[str, Any] = {"user": {"id": user.pk, "name": str(user)}, "date": today}
    counts: dict[str, int] = {}
    for part in parts:
        counts.update(part.pop("counts"))
        body.update(part)
    body["counts"] = counts
    return body
