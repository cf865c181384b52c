"""SLA clocks of the five-step process (seed 002), counted on the PRC working-day calendar.

| clock | starts at | due |
|---|---|---|
| solution 方案提交 | needs confirmed | 3 working days later |
| objection 异议响应 | objection raised (a moment) | 24 hours later |
| handover 内部交接 | contract signed | 1 working day later |
| acceptance 验收确认 | delivered | 3 working days later |
| survey 满意度调查 | accepted | 7 working days later |
| improvement 优化方案 | suggestion received | 15 working days later |

A day clock is met when the step is done on or before its due date; it is breached when it is
still open after its due date, or was done after it. `status()` answers one of open / met /
due_today / breached for a clock given its start, its completion and today.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .calendar import add_workdays

HOURS_24 = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Clock:
    code: str
    label: Any  # a lazily translated string
    workdays: int


SOLUTION = Clock("solution", _("方案提交"), 3)
HANDOVER = Clock("handover", _("内部交接"), 1)
ACCEPTANCE = Clock("acceptance", _("验收确认"), 3)
SURVEY = Clock("survey", _("满意度调查"), 7)
IMPROVEMENT = Clock("improvement", _("优化方案"), 15)
OBJECTION_LABEL = _("异议响应")
DAY_CLOCKS = {c.code: c for c in (SOLUTION, HANDOVER, ACCEPTANCE, SURVEY, IMPROVEMENT)}

OPEN, MET, DUE_TODAY, BREACHED = "open", "met", "due_today", "breached"


def due_on(clock: Clock, started_on: datetime.date) -> datetime.date:
    """The due date: the `clock.workdays`-th working day after the start day (the start day
    is not counted, whatever it is: a step started on a holiday counts from the next day)."""
    return add_workdays(started_on, clock.workdays)


def status(due: datetime.date, done_on: datetime.date | None, today: datetime.date) -> str:
    if done_on is not None:
        return MET if done_on <= due else BREACHED
    if today > due:
        return BREACHED
    return DUE_TODAY if today == due else OPEN


def objection_due(raised_at: datetime.datetime) -> datetime.datetime:
    """Objections are answered within 24 hours (clock time, not working days)."""
    return raised_at + HOURS_24


def objection_status(
    raised_at: datetime.datetime, answered_at: datetime.datetime | None, now: datetime.datetime
) -> str:
    due = objection_due(raised_at)
    if answered_at is not None:
        return MET if answered_at <= due else BREACHED
    return BREACHED if now > due else OPEN


@dataclass(frozen=True)
class ClockRow:
    """One running (or late-closed) clock as the customer page and the agenda show it."""

    code: str
    label: str
    subject: str
    customer_id: int
    customer_name: str
    due: datetime.date
    status: str
    done_on: datetime.date | None = None

    @property
    def breached(self) -> bool:
        return self.status == BREACHED
