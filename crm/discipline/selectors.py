"""My agenda 我的待办, the one reader behind the web page and GET /api/v1/agenda/.

Sections, in the issue's order: 1. follow-ups due today, 2. overdue follow-ups (escalated
first, then the longest overdue), 3. to-dos due today, 4. overdue to-dos, then the to-dos of
the next UPCOMING_DAYS days, 5. late cards (filed > 24 h after the interaction) of the last
LATE_CARD_DAYS days, 6. the SLA clocks 服务时限 running on the user's business (crm.discipline.sla:
open clocks, overdue first, and the breaches among them). Each list holds at most LIMIT (30)
rows; the counts are exact.

- Scope: everything is read through visible_to(viewer), so a manager reading a member's
  agenda sees only what the manager may see. To-dos are the user's as owner or collaborator.
- A fixed number of queries whatever the data: one aggregate and the lists per table.
- Follow-ups come from the stored `follow_up_due` and are split with the working-day
  calendar: due today = due on or after the last working day up to today (a follow-up due
  Friday is still "today's" on Saturday); overdue = due before it. Overdue days are
  recomputed for `today`, so the agenda is right even when the daily job has not run yet.
- The team view (`member_counts`) gives the same counts per member in three queries, and the
  breached SLA clocks per member in seven more (crm.discipline.sla.member_breaches).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.core.errors import NotFound
from crm.customers.models import Customer
from crm.records.choices import TaskStatus
from crm.records.models import Record, Task
from crm.records.selectors import editable_customer_ids, mark_task_actions
from crm.workdays.calendar import add_workdays, is_workday
from crm.workdays.sla import ClockRow

from . import rules, sla

LIMIT = 30
# What the rows show (and the permission checks read): not the whole customer of each row.
TASK_COLUMNS = (
    "description",
    "due",
    "status",
    "customer_id",
    "owner_id",
    "collaborator_id",
    "created_by_id",
    "record_id",
    "customer__name",
    "owner__full_name",
    "owner__username",
    "collaborator__full_name",
    "collaborator__username",
)
CARD_COLUMNS = ("customer_id", "occurred_at", "filed_at", "channel", "content", "customer__name")
UPCOMING_DAYS = 7
LATE_CARD_DAYS = 30
SECTIONS = (
    "follow_ups_due_today",
    "follow_ups_overdue",
    "tasks_due_today",
    "tasks_overdue",
    "tasks_upcoming",
    "late_cards",
)


def agenda_members(viewer: User) -> QuerySet[User]:
    """Whose agenda the viewer may open: an admin anyone's, a sales manager their teams'."""
    active = User.objects.filter(is_active=True)
    if viewer.is_admin:
        return active
    if viewer.role == Role.SALES_MANAGER:
        return active.filter(Q(team_id__in=policy.managed_team_ids(viewer)) | Q(pk=viewer.pk))
    return active.filter(pk=viewer.pk)


def agenda_user(viewer: User, target_id: Any | None) -> User:
    """The user whose agenda `viewer` may read: themselves, a member of a team they manage,
    anyone for an administrator. Anything else answers 404, as for a missing user."""
    if target_id in (None, "", viewer.pk, str(viewer.pk)):
        return viewer
    try:
        pk = int(target_id)
    except (TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc
    if not -(2**63) <= pk < 2**63:
        raise NotFound()
    target = agenda_members(viewer).filter(pk=pk).first()
    if target is None:
        raise NotFound()
    return target


def last_workday(today: datetime.date) -> datetime.date:
    return today if is_workday(today) else add_workdays(today, -1)


@dataclass
class Agenda:
    user: User
    today: datetime.date
    follow_ups_due_today: list[Customer] = field(default_factory=list)
    follow_ups_overdue: list[Customer] = field(default_factory=list)
    tasks_due_today: list[Task] = field(default_factory=list)
    tasks_overdue: list[Task] = field(default_factory=list)
    tasks_upcoming: list[Task] = field(default_factory=list)
    late_cards: list[Record] = field(default_factory=list)
    clocks: list[ClockRow] = field(default_factory=list)
    breaches: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def tasks_due(self) -> list[Task]:
        """Overdue first, then today's: the web page's one list of to-dos to close now."""
        return self.tasks_overdue + self.tasks_due_today


def _follow_ups(agenda: Agenda, viewer: User) -> None:
    user, today = agenda.user, agenda.today
    mine = Customer.objects.visible_to(viewer).filter(owner=user, follow_up_due__lte=today)
    edge = last_workday(today)
    is_today, is_over = Q(follow_up_due__gte=edge), Q(follow_up_due__lt=edge)
    counts = mine.aggregate(today=Count("pk", filter=is_today), over=Count("pk", filter=is_over))
    rows = mine.only(
        "pk",
        "number",
        "name",
        "stage",
        "intent",
        "level",
        "status",
        "follow_up_due",
        "escalated",
        "last_contacted_at",
        "owner_id",
    )
    due = list(rows.filter(is_today).order_by("follow_up_due", "pk")[:LIMIT])
    over = list(rows.filter(is_over).order_by("-escalated", "follow_up_due", "pk")[:LIMIT])
    for customer in due + over:
        customer.overdue_days = rules.overdue_days(customer.follow_up_due, today)  # type: ignore[attr-defined]
    agenda.follow_ups_due_today, agenda.follow_ups_overdue = due, over
    agenda.counts.update(follow_ups_due_today=counts["today"], follow_ups_overdue=counts["over"])


def _day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` on the local calendar: `filed_at >= _day_start(d)` is
    `filed_at__date >= d`, but reads an index instead of converting every row's time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _tasks(agenda: Agenda, viewer: User) -> None:
    user, today = agenda.user, agenda.today
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    # One's own agenda: task_scope already admits every to-do one owns or assists with, so
    # the scope's join to the customers would only cost a row read per to-do
    scoped = Task.objects.all() if viewer == user else Task.objects.visible_to(viewer)
    mine = scoped.filter(
        Q(owner=user) | Q(collaborator=user), status=TaskStatus.OPEN, due__lte=horizon
    )
    is_today, is_over, is_soon = Q(due=today), Q(due__lt=today), Q(due__gt=today)
    counts = mine.aggregate(
        today=Count("pk", filter=is_today),
        over=Count("pk", filter=is_over),
        soon=Count("pk", filter=is_soon),
    )
    rows = Task.objects.select_related("customer", "owner", "collaborator").only(*TASK_COLUMNS)

    def first(section: Q, *order: str) -> list[Task]:
        # the page's ids from the indexes alone, then those rows with their joins: sorting
        # the joined rows of an owner with tens of thousands of to-dos would read them all
        ids = mine.filter(section).order_by(*order).values_list("pk", flat=True)[:LIMIT]
        return list(rows.filter(pk__in=ids).order_by(*order))

    today_rows = first(is_today, "pk")
    over_rows = first(is_over, "due", "pk")
    soon_rows = first(is_soon, "due", "pk")
    every = today_rows + over_rows + soon_rows
    editable = editable_customer_ids(viewer, {t.customer_id for t in every})
    mark_task_actions(viewer, every, editable, today)
    for task in every:
        task.overdue_days = rules.overdue_days(task.due, today)  # type: ignore[attr-defined]
        task.assisting = task.owner_id != user.pk  # type: ignore[attr-defined]
    agenda.tasks_due_today, agenda.tasks_overdue = today_rows, over_rows
    agenda.tasks_upcoming = soon_rows
    agenda.counts.update(
        tasks_due_today=counts["today"], tasks_overdue=counts["over"], tasks_upcoming=counts["soon"]
    )


def _late_cards(agenda: Agenda, viewer: User) -> None:
    since = _day_start(agenda.today - datetime.timedelta(days=LATE_CARD_DAYS))
    late = Record.objects.visible_to(viewer).filter(
        maintainer=agenda.user, is_late=True, voided=False, filed_at__gte=since
    )
    agenda.counts["late_cards"] = late.count()
    rows = late.select_related("customer").only(*CARD_COLUMNS).order_by("-filed_at", "-pk")
    agenda.late_cards = list(rows[:LIMIT])


def _clocks(agenda: Agenda, viewer: User) -> None:
    found = sla.owner_summary(viewer, agenda.user, agenda.today, LIMIT)
    agenda.clocks, agenda.breaches = found.rows, found.breaches
    agenda.counts["clocks"] = found.total


def agenda(viewer: User, user: User, today: datetime.date) -> Agenda:
    """The agenda of `user` as `viewer` sees it (agenda_user has authorised the pair)."""
    result = Agenda(user=user, today=today)
    _follow_ups(result, viewer)
    _tasks(result, viewer)
    _late_cards(result, viewer)
    _clocks(result, viewer)
    return result


def member_counts(viewer: User, members: list[User], today: datetime.date) -> list[dict[str, Any]]:
    """The team view: per member, the agenda's counts as the viewer sees them, and the SLA
    clocks open past due (3 + 7 queries)."""
    if not members:
        return []
    edge = last_workday(today)
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    follow_ups = (
        Customer.objects.visible_to(viewer)
        .filter(owner__in=members, follow_up_due__lte=today)
        .values("owner")
        .annotate(
            follow_ups_due_today=Count("pk", filter=Q(follow_up_due__gte=edge)),
            follow_ups_overdue=Count("pk", filter=Q(follow_up_due__lt=edge)),
            escalated=Count("pk", filter=Q(follow_up_due__lt=edge, escalated=True)),
        )
    )
    tasks = (
        Task.objects.visible_to(viewer)
        .filter(owner__in=members, status=TaskStatus.OPEN, due__lte=horizon)
        .values("owner")
        .annotate(
            tasks_due_today=Count("pk", filter=Q(due=today)),
            tasks_overdue=Count("pk", filter=Q(due__lt=today)),
            tasks_upcoming=Count("pk", filter=Q(due__gt=today)),
        )
    )
    since = _day_start(today - datetime.timedelta(days=LATE_CARD_DAYS))
    late = (
        Record.objects.visible_to(viewer)
        .filter(maintainer__in=members, is_late=True, voided=False, filed_at__gte=since)
        .values("maintainer")
        .annotate(late_cards=Count("pk"))
    )
    by_user: dict[int, dict[str, int]] = {m.pk: {} for m in members}
    for row in follow_ups:
        by_user[row.pop("owner")].update(row)
    for row in tasks:
        by_user[row.pop("owner")].update(row)
    for row in late:
        by_user[row.pop("maintainer")].update(row)
    for pk, n in sla.member_breaches(viewer, members, today, timezone.now()).items():
        by_user[pk]["clocks_breached"] = n
    names = ("escalated", *SECTIONS, "clocks_breached")
    return [{"user": m, **{name: by_user[m.pk].get(name, 0) for name in names}} for m in members]
