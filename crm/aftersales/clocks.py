"""The after-sales SLA clocks on the PRC working-day calendar (crm.workdays.sla, seed 002):

- acceptance 验收确认: starts on Delivery.delivered_on, due 3 working days later, answered by
  Delivery.accepted_on;
- survey 满意度调查: starts on Delivery.accepted_on, due 7 working days later, answered by
  Delivery.surveyed_on (the delivery's first survey);
- improvement 优化方案: starts on Survey.surveyed_on (when it has suggestions) or on
  Feedback.received_on (a suggestion), due 15 working days later, answered by
  improvement_planned_on.

"N working days later" is `sla.due_on`: the N-th working day after the start day, which itself
never counts. A clock is met when answered on or before its due date and breached when still
open after it or answered after it (`sla.status`).

The deep visit of the core pool is due on the quarter's last working day (not before today).
"""

from __future__ import annotations

import datetime

from crm.workdays import sla
from crm.workdays.calendar import add_workdays, is_workday

from . import rules

ACCEPTANCE, SURVEY, IMPROVEMENT = sla.ACCEPTANCE, sla.SURVEY, sla.IMPROVEMENT
CLOCKS = {c.code: c for c in (ACCEPTANCE, SURVEY, IMPROVEMENT)}


def acceptance_due(delivered_on: datetime.date | None) -> datetime.date | None:
    return sla.due_on(ACCEPTANCE, delivered_on) if delivered_on else None


def survey_due(accepted_on: datetime.date | None) -> datetime.date | None:
    return sla.due_on(SURVEY, accepted_on) if accepted_on else None


def improvement_due(started_on: datetime.date | None) -> datetime.date | None:
    return sla.due_on(IMPROVEMENT, started_on) if started_on else None


def status(due: datetime.date, done_on: datetime.date | None, today: datetime.date) -> str:
    return sla.status(due, done_on, today)


def last_workday_of_quarter(day: datetime.date) -> datetime.date:
    """The last working day of the quarter `day` falls in."""
    _, last = rules.quarter_bounds(*rules.quarter_of(day))
    return last if is_workday(last) else add_workdays(last, -1)


def visit_due(today: datetime.date) -> datetime.date:
    return max(last_workday_of_quarter(today), today)
