"""Reads for the record and to-do pages: every query starts from visible_to(user).

我的待办 (the agenda) is read by crm.discipline.selectors."""

from __future__ import annotations

import datetime
import re

from django.db.models import Q
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.customers.models import Customer

from .choices import TaskStatus
from .models import Record, Task

RECORDS_PAGE = 10
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


TASKS_SHOWN = 10  # the customer page's to-do card; 显示全部 loads the rest


def open_tasks(
    user: User, customer: Customer, limit: int | None = TASKS_SHOWN
) -> tuple[list[Task], int]:
    """The customer's open to-dos the user may see, soonest due first (at most `limit`), and
    how many there are."""
    qs = Task.objects.visible_to(user).filter(customer=customer, status=TaskStatus.OPEN)
    qs = qs.select_related("owner", "collaborator").order_by("due", "id")
    if limit is None:
        rows = list(qs)
        return rows, len(rows)
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, len(rows)
    return rows[:limit], qs.count()


def mark_task_actions(
    user: User, tasks: list[Task], editable: set[int], today: datetime.date | None = None
) -> None:
    """Set can_close / can_cancel / overdue on each to-do (editable: customer ids user edits)."""
    today = today or timezone.localdate()
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
