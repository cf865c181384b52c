"""Reads of a user's notifications: the unread badge and the inbox, newest first.

A notification shows only while its customer is still the reader's to see (an owner who
was transferred away no longer reads the name), or the to-do is the reader's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from crm.accounts import policy
from crm.accounts.models import User
from crm.records.choices import TaskStatus

from . import text
from .choices import TASK_KINDS
from .models import Notification

PAGE = 30
BADGE_CAP = 99


def inbox(user: User) -> QuerySet[Notification]:
    scope = policy.customer_scope(user, prefix="customer__")
    own_task = Q(task__owner=user) | Q(task__collaborator=user)
    mine = Notification.objects.filter(recipient=user)
    return mine.filter(scope | own_task) if scope else mine


@dataclass
class Row:
    notification: Notification
    message: str
    resolved: bool

    @property
    def pk(self) -> int:
        return self.notification.pk


def is_resolved(n: Notification) -> bool:
    """The occurrence is over: the follow-up was done (a new due date, or no longer overdue),
    the to-do was closed or given a new due date."""
    if n.kind in TASK_KINDS:
        task = n.task
        return task is None or task.status != TaskStatus.OPEN or task.due != n.due
    customer = n.customer
    return customer.follow_up_due != n.due or not customer.follow_up_overdue_days


def page(
    user: User, before: int | None = None, unread_only: bool = False
) -> tuple[list[Row], int | None]:
    """One page of the inbox (keyset on id) and the id to continue before, if any."""
    qs = inbox(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if before:
        qs = qs.filter(pk__lt=before)
    qs = qs.select_related("customer", "task", "subject").only(
        "kind",
        "due",
        "overdue_days",
        "created_at",
        "read_at",
        "emailed_at",
        "customer__name",
        "customer__follow_up_due",
        "customer__follow_up_overdue_days",
        "task__description",
        "task__status",
        "task__due",
        "subject__full_name",
        "subject__username",
    )
    rows = list(qs.order_by("-pk")[: PAGE + 1])
    more = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return [Row(n, text.message(n), is_resolved(n)) for n in rows[:PAGE]], more
