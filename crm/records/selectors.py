"""Reads for the record and to-do pages: every query starts from visible_to(user)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.customers.models import Customer

from .choices import TaskStatus
from .models import Record, Task

RECORDS_PAGE = 10
UPCOMING_DAYS = 7
LATE_CARDS_DAYS = 30
LATE_CARDS_LIMIT = 20
AGENDA_LIMIT = 100
_CURSOR = re.compile(r"([0-9]{1,20})-([0-9]{1,18})")


def _micros(value: datetime.datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def records_page(
    user: User, customer: Customer, cursor: str = ""
) -> tuple[list[Record], str | None]:
    """One page of the customer's cards, newest interaction first; keyset on (occurred_at, id)."""
    qs = (
        Record.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("maintainer")
        .prefetch_related("contacts")
        .order_by("-occurred_at", "-id")
    )
    found = _CURSOR.fullmatch(cursor or "")
    if found:
        at = datetime.datetime.fromtimestamp(int(found[1]) / 1_000_000, tz=datetime.UTC)
        pk = int(found[2])
        qs = qs.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk))
    rows = list(qs[: RECORDS_PAGE + 1])
    if len(rows) <= RECORDS_PAGE:
        return rows, None
    last = rows[RECORDS_PAGE - 1]
    return rows[:RECORDS_PAGE], f"{_micros(last.occurred_at)}-{last.pk}"


def open_tasks(user: User, customer: Customer) -> list[Task]:
    """The customer's open to-dos the user may see, soonest due first."""
    qs = Task.objects.visible_to(user).filter(customer=customer, status=TaskStatus.OPEN)
    return list(qs.select_related("owner", "collaborator").order_by("due", "id"))


def mark_task_actions(user: User, tasks: list[Task], editable: set[int]) -> None:
    """Set can_close / can_cancel / overdue on each to-do (editable: customer ids user edits)."""
    today = timezone.localdate()
    for task in tasks:
        mine = user.is_active and user.pk in {task.owner_id, task.collaborator_id}
        edits = task.customer_id in editable
        task.can_close = bool(mine or edits)  # type: ignore[attr-defined]
        task.can_cancel = bool(  # type: ignore[attr-defined]
            user.is_active and (user.pk in {task.owner_id, task.created_by_id} or edits)
        )
        task.overdue = task.due < today  # type: ignore[attr-defined]


def editable_customer_ids(user: User, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    scope = policy.customer_edit_scope(user)
    return set(Customer.objects.filter(scope, pk__in=ids).values_list("pk", flat=True))


# --- 我的待办 -----------------------------------------------------------------------------


def agenda_members(viewer: User) -> QuerySet[User]:
    """Whose agenda the viewer may open: an admin anyone's, a sales manager their teams'."""
    active = User.objects.filter(is_active=True)
    if viewer.is_admin:
        return active
    if viewer.role == Role.SALES_MANAGER:
        teams = policy.managed_team_ids(viewer)
        return active.filter(Q(team_id__in=teams) | Q(pk=viewer.pk))
    return active.filter(pk=viewer.pk)


def has_follow_up_due() -> bool:
    """The discipline engine adds Customer.follow_up_due; until then the section stays hidden."""
    return any(f.name == "follow_up_due" for f in Customer._meta.get_fields())


@dataclass
class Agenda:
    target: User
    today: datetime.date
    follow_ups: list[Customer] | None = None  # None: the field does not exist yet
    due: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    late_cards: list[Record] = field(default_factory=list)


def agenda(viewer: User, target: User) -> Agenda:
    """The target's follow-ups, to-dos and late cards, as far as the viewer may see them."""
    today = timezone.localdate()
    result = Agenda(target=target, today=today)
    if has_follow_up_due():
        customers = Customer.objects.visible_to(viewer).filter(
            owner=target, follow_up_due__lte=today
        )
        result.follow_ups = list(customers.order_by("follow_up_due", "id")[:AGENDA_LIMIT])
    tasks = (
        Task.objects.visible_to(viewer)
        .filter(owner=target, status=TaskStatus.OPEN, due__lte=today + _days(UPCOMING_DAYS))
        .select_related("customer", "owner", "collaborator")
        .order_by("due", "id")
    )
    rows = list(tasks[: AGENDA_LIMIT * 2])
    result.due = [t for t in rows if t.due <= today]
    result.upcoming = [t for t in rows if t.due > today]
    editable = editable_customer_ids(viewer, {t.customer_id for t in rows})
    mark_task_actions(viewer, rows, editable)
    since = timezone.now() - _days(LATE_CARDS_DAYS)
    late = Record.objects.visible_to(viewer).filter(
        maintainer=target, is_late=True, voided=False, filed_at__gte=since
    )
    result.late_cards = list(
        late.select_related("customer").order_by("-filed_at")[:LATE_CARDS_LIMIT]
    )
    return result


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def member_counts(viewer: User, members: list[User]) -> list[dict[str, Any]]:
    """Per team member: open to-dos due or overdue today, and due in the next 7 days."""
    today = timezone.localdate()
    horizon = today + _days(UPCOMING_DAYS)
    counts = (
        Task.objects.visible_to(viewer)
        .filter(owner__in=members, status=TaskStatus.OPEN, due__lte=horizon)
        .values("owner")
        .annotate(
            n_due=Count("id", filter=Q(due__lte=today)),
            n_upcoming=Count("id", filter=Q(due__gt=today)),
        )
    )
    by_owner = {row["owner"]: row for row in counts}
    return [
        {
            "user": m,
            "due": by_owner.get(m.pk, {}).get("n_due", 0),
            "upcoming": by_owner.get(m.pk, {}).get("n_upcoming", 0),
        }
        for m in members
    ]
