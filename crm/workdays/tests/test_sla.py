"""SLA clocks of the five-step process as pure-function tables across PRC holidays.

2026: Spring Festival 15-23 Feb off with Sat 14 Feb and Sat 28 Feb worked; Labour Day 1-5 May
off (Sat 2 and Sun 3 are weekend days anyway) with Sat 9 May worked; National Day 1-7 Oct
off with Sun 20 Sep and Sat 10 Oct worked.
"""

from __future__ import annotations

import datetime

import pytest

from crm.workdays import sla

D = datetime.date


@pytest.mark.parametrize(
    ("clock", "start", "due"),
    [
        (sla.SOLUTION, D(2026, 9, 30), D(2026, 10, 10)),  # Oct 8, 9, then the make-up Saturday
        (sla.HANDOVER, D(2026, 9, 30), D(2026, 10, 8)),  # signed before the holiday
        (sla.HANDOVER, D(2026, 2, 13), D(2026, 2, 14)),  # Fri → the make-up Saturday
        (sla.ACCEPTANCE, D(2026, 2, 13), D(2026, 2, 25)),  # Sat 14, then Tue 24, Wed 25
        (sla.ACCEPTANCE, D(2026, 10, 3), D(2026, 10, 10)),  # delivered on a holiday
        (sla.SURVEY, D(2026, 3, 2), D(2026, 3, 11)),  # an ordinary fortnight
        (sla.IMPROVEMENT, D(2026, 4, 30), D(2026, 5, 25)),  # across Labour Day
    ],
)
def test_due_dates_count_working_days_after_the_start(db, clock, start, due):
    assert sla.due_on(clock, start) == due


@pytest.mark.parametrize(
    ("done", "today", "state"),
    [
        (None, D(2026, 3, 10), sla.OPEN),
        (None, D(2026, 3, 11), sla.DUE_TODAY),
        (None, D(2026, 3, 12), sla.BREACHED),
        (D(2026, 3, 11), D(2026, 3, 20), sla.MET),
        (D(2026, 3, 12), D(2026, 3, 20), sla.BREACHED),
    ],
)
def test_a_day_clock_is_met_on_or_before_its_due_date(done, today, state):
    assert sla.status(D(2026, 3, 11), done, today) == state


def test_objections_are_answered_within_24_clock_hours():
    raised = datetime.datetime(2026, 9, 30, 17, 0, tzinfo=datetime.UTC)
    hour = datetime.timedelta(hours=1)
    assert sla.objection_due(raised) == raised + 24 * hour
    assert sla.objection_status(raised, None, raised + 23 * hour) == sla.OPEN
    assert sla.objection_status(raised, None, raised + 25 * hour) == sla.BREACHED
    assert sla.objection_status(raised, raised + 24 * hour, raised + 30 * hour) == sla.MET
    assert sla.objection_status(raised, raised + 25 * hour, raised + 30 * hour) == sla.BREACHED
