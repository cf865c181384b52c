"""Follow-up discipline 跟进纪律 as pure functions: facts + today + cadence in, a verdict out.

No database and no clock of their own: `today` is always passed in, and working days are
counted only through crm.workdays.calendar (add_workdays / workdays_between; its override
table is cached per process, so a loop over many customers costs no query).

Semantics (DOMAIN.md §6; defaults in `Cadence`):

- Cadences are counted in **working days** (PRC calendar, 调休 included): weekly = 5,
  every two weeks = 10, monthly = 21 (about 250 working days / 12 months).
- Candidates for the next-due date, the earliest (tightest) wins:
  * intent: high 5, medium 10, low 21 working days after the last contact;
  * stage: intent and cooperating 5, dormant and lost 21 working days after the last contact;
    potential: the next contact date the latest card set ("after each interaction"), or
    `potential_days` (3) working days after the last contact when the card set none;
  * level: A (战略) 5 working days by default; B and C none unless configured;
  * any stage: the next contact date the latest card set (a promise to call back counts).
  The last contact is the last interaction's date, or the customer's creation date when
  there was none (a new lead is due within its cadence too).
- A due date always falls on a working day: a date on a holiday or weekend moves to the
  next working day (a card asking for 3 Oct 2026 is due Thu 8 Oct).
- Due: today >= next-due. Overdue days: working days after next-due up to today
  (workdays_between); overdue means at least one. So a follow-up due Friday and missed is
  still "due" on Saturday and 1 day overdue on Monday.
- Escalated (to the team manager): overdue days >= `escalate_after_days` (2). Before that the
  overdue follow-up is the owner's alone.
- Dormant (长期无合作): the last cooperation date is `dormant_months` (6) calendar months or more
  ago. A customer with no cooperation date is never flagged (nothing to measure from).
- Info re-check missed (信息待核实): the last info check (or, never checked, the creation date)
  is `info_check_months` (6) calendar months or more ago.
"""

from __future__ import annotations

import calendar as _months
import datetime
from dataclasses import dataclass

from crm.workdays.calendar import add_workdays, workdays_between

WEEK = 5  # working days in a week
FORTNIGHT = 10
MONTH = 21  # working days in a month, on average


@dataclass(frozen=True)
class Cadence:
    """The configurable rule values (crm.discipline.models.DisciplineRules holds them)."""

    intent_high_days: int = WEEK
    intent_medium_days: int = FORTNIGHT
    intent_low_days: int = MONTH
    potential_days: int = 3
    intent_stage_days: int = WEEK
    cooperating_days: int = WEEK
    dormant_days: int = MONTH
    lost_days: int = MONTH
    level_a_days: int | None = WEEK
    level_b_days: int | None = None
    level_c_days: int | None = None
    dormant_months: int = 6
    info_check_months: int = 6
    escalate_after_days: int = 2


@dataclass(frozen=True)
class Facts:
    stage: str
    intent: str
    level: str
    created_on: datetime.date
    last_contact_on: datetime.date | None = None
    next_contact_on: datetime.date | None = None  # set by the latest card
    last_cooperation_on: datetime.date | None = None
    info_checked_on: datetime.date | None = None


@dataclass(frozen=True)
class Verdict:
    due_on: datetime.date
    due: bool
    overdue_days: int
    escalated: bool
    dormant: bool
    info_check_missed: bool

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, _months.monthrange(year, month)[1]))


def cadence_days(facts: Facts, rules: Cadence) -> int | None:
    """The tightest cadence in working days from intent, stage and level (None: none applies)."""
    by_intent = {
        "high": rules.intent_high_days,
        "medium": rules.intent_medium_days,
        "low": rules.intent_low_days,
    }
    by_stage = {
        "potential": rules.potential_days if facts.next_contact_on is None else None,
        "intent": rules.intent_stage_days,
        "cooperating": rules.cooperating_days,
        "dormant": rules.dormant_days,
        "lost": rules.lost_days,
    }
    by_level = {"A": rules.level_a_days, "B": rules.level_b_days, "C": rules.level_c_days}
    found = [
        by_intent.get(facts.intent),
        by_stage.get(facts.stage),
        by_level.get(facts.level),
    ]
    days = [d for d in found if d is not None and d > 0]
    return min(days) if days else None


def next_due(facts: Facts, rules: Cadence) -> datetime.date:
    """The next date a follow-up is due, always a working day (see the module docstring)."""
    anchor = facts.last_contact_on or facts.created_on
    candidates = []
    days = cadence_days(facts, rules)
    if days is not None:
        candidates.append(add_workdays(anchor, days))
    if facts.next_contact_on is not None:
        candidates.append(add_workdays(facts.next_contact_on, 0))
    if not candidates:  # every cadence switched off: a monthly review at the latest
        candidates.append(add_workdays(anchor, MONTH))
    return min(candidates)


def overdue_days(due_on: datetime.date, today: datetime.date) -> int:
    """Working days after `due_on` up to and including `today` (0 when not past due)."""
    return max(workdays_between(due_on, today), 0) if today > due_on else 0


def is_dormant(facts: Facts, today: datetime.date, rules: Cadence) -> bool:
    last = facts.last_cooperation_on
    return last is not None and today >= add_months(last, rules.dormant_months)


def info_check_missed(facts: Facts, today: datetime.date, rules: Cadence) -> bool:
    checked = facts.info_checked_on or facts.created_on
    return today >= add_months(checked, rules.info_check_months)


def evaluate(facts: Facts, today: datetime.date, rules: Cadence) -> Verdict:
    """Everything the engine stores for one customer on `today`."""
    due_on = next_due(facts, rules)
    late = overdue_days(due_on, today)
    return Verdict(
        due_on=due_on,
        due=today >= due_on,
        overdue_days=late,
        escalated=late >= rules.escalate_after_days > 0,
        dormant=is_dormant(facts, today, rules),
        info_check_missed=info_check_missed(facts, today, rules),
    )
