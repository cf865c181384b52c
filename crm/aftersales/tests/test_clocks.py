"""SLA due dates of the after-sales clocks on the real 2026 PRC calendar (chinese-calendar):

- 春节 Sun 15 - Mon 23 Feb off; Sat 14 Feb and Sat 28 Feb are make-up working days;
- 中秋 Fri 25 - Sun 27 Sep off; 国庆节 Thu 1 - Wed 7 Oct off; Sun 20 Sep and Sat 10 Oct are the
  National Day make-up working days.

The start day never counts. The calendar reads its override table, hence the database mark.
"""

from __future__ import annotations

import datetime

import pytest

from crm.aftersales import clocks

pytestmark = pytest.mark.django_db
d = datetime.date


@pytest.mark.parametrize(
    ("delivered", "due"),
    [
        (d(2026, 9, 30), d(2026, 10, 10)),  # Wed before 国庆: 8, 9 Oct and the make-up Saturday
        (d(2026, 9, 29), d(2026, 10, 9)),  # 30 Sep, 8, 9 Oct
        (d(2026, 10, 3), d(2026, 10, 10)),  # delivered on a holiday: counts from 8 Oct
        (d(2026, 10, 9), d(2026, 10, 13)),  # Sat 10 Oct works, Sun 11 Oct does not
        (d(2026, 9, 18), d(2026, 9, 22)),  # the make-up Sunday 20 Sep counts
        (d(2026, 2, 12), d(2026, 2, 24)),  # 13, Sat 14 Feb, then 春节 until 23 Feb
        (d(2026, 2, 13), d(2026, 2, 25)),
        (d(2026, 3, 6), d(2026, 3, 11)),  # an ordinary weekend
    ],
    ids=str,
)
def test_acceptance_is_due_3_working_days_after_delivery(
    delivered: datetime.date, due: datetime.date
) -> None:
    assert clocks.acceptance_due(delivered) == due


@pytest.mark.parametrize(
    ("accepted", "due"),
    [
        (d(2026, 9, 30), d(2026, 10, 15)),  # 8, 9, 10, 12, 13, 14, 15 Oct
        (d(2026, 9, 24), d(2026, 10, 12)),  # over 中秋 and 国庆
        (d(2026, 2, 12), d(2026, 2, 28)),  # 13, 14, 24-27 Feb and the make-up Sat 28 Feb
        (d(2026, 2, 10), d(2026, 2, 26)),
        (d(2026, 10, 12), d(2026, 10, 21)),
    ],
    ids=str,
)
def test_the_survey_is_due_7_working_days_after_acceptance(
    accepted: datetime.date, due: datetime.date
) -> None:
    assert clocks.survey_due(accepted) == due


@pytest.mark.parametrize(
    ("suggested", "due"),
    [
        (d(2026, 9, 30), d(2026, 10, 27)),
        (d(2026, 9, 18), d(2026, 10, 15)),  # over the make-up Sunday, 中秋 and 国庆
        (d(2026, 2, 10), d(2026, 3, 9)),  # over 春节 and both make-up Saturdays
        (d(2026, 10, 12), d(2026, 11, 2)),
    ],
    ids=str,
)
def test_an_improvement_plan_is_due_15_working_days_after_the_suggestion(
    suggested: datetime.date, due: datetime.date
) -> None:
    assert clocks.improvement_due(suggested) == due


def test_no_start_no_due_date() -> None:
    assert (clocks.acceptance_due(None), clocks.survey_due(None), clocks.improvement_due(None)) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("done", "today", "status"),
    [
        (None, d(2026, 10, 9), "open"),
        (None, d(2026, 10, 10), "due_today"),
        (None, d(2026, 10, 12), "breached"),
        (d(2026, 10, 10), d(2026, 10, 20), "met"),
        (d(2026, 10, 12), d(2026, 10, 20), "breached"),
    ],
    ids=str,
)
def test_a_clock_due_on_the_make_up_saturday(
    done: datetime.date | None, today: datetime.date, status: str
) -> None:
    assert clocks.status(d(2026, 10, 10), done, today) == status


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (d(2026, 8, 1), d(2026, 9, 30)),
        (d(2026, 11, 5), d(2026, 12, 31)),
        (d(2026, 2, 1), d(2026, 3, 31)),
        (d(2023, 11, 1), d(2023, 12, 29)),  # Sun 31 Dec 2023: the Friday before
        (d(2026, 9, 30), d(2026, 9, 30)),
    ],
    ids=str,
)
def test_the_deep_visit_is_due_on_the_quarters_last_working_day(
    day: datetime.date, due: datetime.date
) -> None:
    assert clocks.visit_due(day) == due
