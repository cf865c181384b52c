"""The personal calendar feed 日历订阅 (ICS): next follow-ups and open to-do due dates.

- Secret per-user address `/calendar/<token>.ics`, made, reset and revoked by
  crm.discipline.services (only the token's SHA-256 is stored; audited). An inactive user's
  feed answers 404.
- Content, as the user sees it in the app (visible_to scopes): customers they own with a next
  follow-up date (from the discipline engine), with the channel and focus the latest card
  planned, and open to-dos they own or assist, each as an all-day event on its date, from
  PAST_DAYS ago on, at most LIMIT of each, soonest first. Stable UIDs, so a calendar client
  moves an event when the date changes and drops it when the to-do is closed.
- The calendar declares Asia/Shanghai (X-WR-TIMEZONE and its VTIMEZONE), so clients put
  all-day events on the Chinese calendar date.
- No personal data of contacts (no phones, no e-mail): names of customers and to-dos only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from crm.accounts.models import User
from crm.customers.models import Customer
from crm.records.choices import TaskStatus
from crm.records.models import Record, Task

PAST_DAYS = 30
LIMIT = 500
TZID = "Asia/Shanghai"
PRODID = "-//CRM 客户关系管理系统//跟进与待办//ZH"


def _link(path: str) -> str:
    site = getattr(settings, "CRM_SITE_URL", "").rstrip("/")
    return f"{site}{path}" if site else ""


def _event(
    uid: str, summary: str, day: datetime.date, lines: list[str], customer_id: int, **extra: Any
) -> Event:
    """An all-day event on `day`, linked to the customer's page when the site is known."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", extra["stamp"])
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    url = _link(reverse("customers:detail", args=[customer_id]))
    if url:
        event.add("url", url)
        lines = [*lines, url]
    event.add("description", "\n".join(lines))
    event.add("categories", [extra["category"]])
    return event


def _follow_up_events(user: User, since: datetime.date, stamp: datetime.datetime) -> list[Event]:
    planned = Record.objects.filter(customer=OuterRef("pk"), voided=False).order_by(
        "-occurred_at", "-id"
    )
    customers = (
        Customer.objects.visible_to(user)
        .filter(owner=user, follow_up_due__gte=since)
        .annotate(
            planned_channel=Subquery(planned.values("next_channel")[:1]),
            planned_focus=Subquery(planned.values("next_focus")[:1]),
        )
        .only("pk", "name", "number", "stage", "follow_up_due", "follow_up_overdue_days")
        .order_by("follow_up_due", "pk")[:LIMIT]
    )
    channels = dict(Record._meta.get_field("next_channel").choices or [])
    events = []
    for customer in customers:
        lines = [
            _("客户编号 %(number)s · %(stage)s")
            % {"number": customer.number, "stage": customer.get_stage_display()}
        ]
        channel = getattr(customer, "planned_channel", "")
        focus = getattr(customer, "planned_focus", "")
        if channel:
            lines.append(_("计划方式: %(channel)s") % {"channel": channels.get(channel, channel)})
        if focus:
            lines.append(_("重点方向: %(focus)s") % {"focus": focus})
        if customer.follow_up_overdue_days:
            lines.append(_("已逾期 %(n)d 个工作日") % {"n": customer.follow_up_overdue_days})
        uid = f"crm-follow-up-{customer.pk}@crm"
        summary = _("跟进: %(name)s") % {"name": customer.name}
        day = customer.follow_up_due
        events.append(
            _event(uid, summary, day, lines, customer.pk, stamp=stamp, category=_("跟进"))
        )
    return events


def _task_events(user: User, since: datetime.date, stamp: datetime.datetime) -> list[Event]:
    tasks = (
        Task.objects.visible_to(user)
        .filter(Q(owner=user) | Q(collaborator=user), status=TaskStatus.OPEN, due__gte=since)
        .select_related("customer", "owner")
        .only("pk", "description", "due", "customer__name", "owner__full_name", "owner__username")
        .order_by("due", "pk")[:LIMIT]
    )
    events = []
    for task in tasks:
        lines = [
            _("客户: %(customer)s") % {"customer": task.customer.name},
            _("负责人: %(owner)s") % {"owner": task.owner},
            task.description,
        ]
        uid = f"crm-task-{task.pk}@crm"
        summary = _("待办: %(task)s") % {"task": task.description[:120]}
        extra = {"stamp": stamp, "category": _("待办")}
        events.append(_event(uid, summary, task.due, lines, task.customer_id, **extra))
    return events


def render(user: User, today: datetime.date | None = None) -> bytes:
    """The user's feed as iCalendar bytes (RFC 5545)."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=PAST_DAYS)
    stamp = timezone.now().replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("CRM 跟进与待办 · %(name)s") % {"name": user})
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add_component(Timezone.from_tzid(TZID))
    for event in _follow_up_events(user, since, stamp) + _task_events(user, since, stamp):
        calendar.add_component(event)
    return calendar.to_ical()
