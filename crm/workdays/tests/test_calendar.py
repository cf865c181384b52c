"""The working-day calendar: chinese-calendar's 2026 schedule, overrides, unknown years, cache.

2026 facts used below (chinese-calendar 1.11.0, from the State Council notice):
- 春节 Sun 15 - Mon 23 Feb off; Sat 14 Feb and Sat 28 Feb are make-up working days.
- 中秋 Fri 25 - Sun 27 Sep off; 国庆节 Thu 1 - Wed 7 Oct off;
  Sun 20 Sep and Sat 10 Oct are the National Day make-up working days; Sun 11 Oct is off.
- An ordinary weekend: Sat 7 / Sun 8 Mar.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import chinese_calendar
import pytest
from django.core.cache import cache

from crm.core.testing import Personas, actor
from crm.workdays import calendar, services
from crm.workdays.calendar import add_workdays, is_workday, known_year, workdays_between
from crm.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
d = datetime.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (d(2026, 9, 20), True),  # Sunday, National Day make-up working day
        (d(2026, 9, 25), False),  # Friday, 中秋
        (d(2026, 9, 30), True),
        (d(2026, 10, 1), False),  # Thursday, 国庆节
        (d(2026, 10, 7), False),  # Wednesday, last day of the holiday
        (d(2026, 10, 8), True),
        (d(2026, 10, 10), True),  # Saturday, make-up working day
        (d(2026, 10, 11), False),  # Sunday
        (d(2026, 2, 13), True),
        (d(2026, 2, 14), True),  # Saturday, Spring Festival make-up working day
        (d(2026, 2, 15), False),  # Sunday, 春节
        (d(2026, 2, 23), False),  # Monday, last day of 春节
        (d(2026, 2, 24), True),
        (d(2026, 2, 28), True),  # Saturday, make-up working day
        (d(2026, 3, 6), True),  # ordinary Friday
        (d(2026, 3, 7), False),  # ordinary Saturday
        (d(2026, 3, 8), False),  # ordinary Sunday
        (d(2026, 3, 9), True),  # ordinary Monday
    ],
    ids=str,
)
def test_is_workday_follows_the_2026_schedule(day: datetime.date, expected: bool) -> None:
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (d(2026, 9, 30), 1, d(2026, 10, 8)),  # over the National Day holiday
        (d(2026, 9, 30), 3, d(2026, 10, 10)),  # 8, 9 Oct and the make-up Saturday
        (d(2026, 9, 30), 4, d(2026, 10, 12)),  # Sunday 11 Oct is off
        (d(2026, 9, 24), 1, d(2026, 9, 28)),  # over 中秋
        (d(2026, 9, 24), 4, d(2026, 10, 8)),  # over both holidays
        (d(2026, 10, 9), 1, d(2026, 10, 10)),
        (d(2026, 10, 8), -1, d(2026, 9, 30)),
        (d(2026, 10, 3), -1, d(2026, 9, 30)),  # backwards from inside the holiday
        (d(2026, 10, 12), -3, d(2026, 10, 8)),
        (d(2026, 10, 3), 0, d(2026, 10, 8)),  # 0 from a day off: the next working day
        (d(2026, 10, 8), 0, d(2026, 10, 8)),  # 0 from a working day: the day itself
        (d(2026, 10, 10), 0, d(2026, 10, 10)),  # a make-up Saturday is a working day
        (d(2026, 2, 13), 1, d(2026, 2, 14)),
        (d(2026, 2, 14), 1, d(2026, 2, 24)),  # over 春节
        (d(2026, 2, 24), -1, d(2026, 2, 14)),
        (d(2026, 3, 6), 1, d(2026, 3, 9)),  # over an ordinary weekend
        (d(2026, 3, 7), 0, d(2026, 3, 9)),
        (d(2026, 3, 7), 1, d(2026, 3, 9)),  # the start never counts, working day or not
        (d(2026, 3, 9), -1, d(2026, 3, 6)),
    ],
    ids=str,
)
def test_add_workdays(start: datetime.date, n: int, expected: datetime.date) -> None:
    assert add_workdays(start, n) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (d(2026, 9, 30), d(2026, 10, 9), 2),  # 8 and 9 Oct
        (d(2026, 9, 30), d(2026, 10, 7), 0),  # only holiday days
        (d(2026, 10, 9), d(2026, 9, 30), -2),  # backwards: the same count, negative
        (d(2026, 9, 24), d(2026, 10, 12), 7),  # 28-30 Sep, 8-10 Oct, 12 Oct
        (d(2026, 9, 19), d(2026, 9, 20), 1),  # the make-up Sunday counts
        (d(2026, 10, 8), d(2026, 10, 8), 0),
        (d(2026, 2, 13), d(2026, 2, 28), 6),  # 14, 24-27, 28 Feb
        (d(2026, 3, 6), d(2026, 3, 9), 1),  # a weekend in between
        (d(2026, 3, 6), d(2026, 3, 6), 0),
        (d(2025, 12, 31), d(2026, 12, 31), 248),  # every working day of 2026
    ],
    ids=str,
)
def test_workdays_between_counts_after_a_up_to_and_including_b(
    a: datetime.date, b: datetime.date, expected: int
) -> None:
    assert workdays_between(a, b) == expected


def test_adding_the_count_between_two_working_days_lands_on_the_later_one() -> None:
    a, b = d(2026, 9, 24), d(2026, 10, 10)

    assert add_workdays(a, workdays_between(a, b)) == b


def test_next_workday_is_the_first_working_day_strictly_after() -> None:
    assert [
        calendar.next_workday(d(2026, 9, 30)),
        calendar.next_workday(d(2026, 10, 8)),
        calendar.next_workday(d(2026, 10, 9)),
        calendar.next_workday(d(2026, 3, 7)),
    ] == [d(2026, 10, 8), d(2026, 10, 9), d(2026, 10, 10), d(2026, 3, 9)]


def test_adding_250_working_days_is_exact_and_fast() -> None:
    began = time.perf_counter()
    whole_2026 = add_workdays(d(2025, 12, 31), 248)
    past_it = add_workdays(d(2025, 12, 31), 250)
    elapsed = time.perf_counter() - began

    assert whole_2026 == d(2026, 12, 31)
    # 2027 is not in chinese-calendar 1.11.0: Fri 1 Jan counts as a working day, then Mon 4 Jan
    assert past_it == d(2027, 1, 4)
    assert elapsed < 0.05


def test_every_day_the_package_knows_matches_chinese_calendar() -> None:
    day, last = d(2004, 1, 1), d(2026, 12, 31)
    mismatches = []
    while day <= last:
        if is_workday(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += datetime.timedelta(days=1)

    assert mismatches == []


def test_a_datetime_is_refused() -> None:
    with pytest.raises(TypeError):
        is_workday(datetime.datetime(2026, 10, 8, 9, 0))  # type: ignore[arg-type]


# --- overrides ------------------------------------------------------------------------------


def test_override_makes_a_saturday_a_working_day_and_a_monday_a_day_off(
    personas: Personas,
) -> None:
    services.set_override(actor(personas.admin), day=d(2026, 3, 7), is_workday=True, note="")
    services.set_override(actor(personas.admin), day=d(2026, 3, 9), is_workday=False, note="")

    assert (is_workday(d(2026, 3, 7)), is_workday(d(2026, 3, 9))) == (True, False)
    assert add_workdays(d(2026, 3, 6), 1) == d(2026, 3, 7)
    assert add_workdays(d(2026, 3, 6), 2) == d(2026, 3, 10)
    assert workdays_between(d(2026, 3, 6), d(2026, 3, 10)) == 2


def test_override_wins_over_the_package(personas: Personas) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=d(2026, 10, 10), is_workday=False, note="公司不补班")
    services.set_override(admin, day=d(2026, 10, 5), is_workday=True, note="值班")

    assert add_workdays(d(2026, 9, 30), 1) == d(2026, 10, 5)
    assert add_workdays(d(2026, 10, 9), 1) == d(2026, 10, 12)
    assert workdays_between(d(2026, 9, 30), d(2026, 10, 12)) == 4  # 5, 8, 9, 12 Oct


def test_removing_an_override_restores_the_package_answer(personas: Personas) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=d(2026, 10, 10), is_workday=False, note="")
    assert is_workday(d(2026, 10, 10)) is False

    services.remove_override(admin, day=d(2026, 10, 10))

    assert is_workday(d(2026, 10, 10)) is True


# --- years the package does not know --------------------------------------------------------


def test_package_covers_2004_to_2026() -> None:
    assert (calendar.PACKAGE_YEARS.start, calendar.PACKAGE_YEARS.stop - 1) == (2004, 2026)
    assert [known_year(y) for y in (2003, 2004, 2026, 2027, 2031)] == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_unknown_year_has_plain_weekends() -> None:
    # Wed 1 Jan 2031 would be New Year's Day, but nobody has published 2031's schedule
    assert [is_workday(d(2031, 1, 1) + datetime.timedelta(days=i)) for i in range(7)] == [
        True,  # Wed
        True,  # Thu
        True,  # Fri
        False,  # Sat
        False,  # Sun
        True,  # Mon
        True,  # Tue
    ]
    assert add_workdays(d(2031, 1, 3), 1) == d(2031, 1, 6)
    assert workdays_between(d(2030, 12, 31), d(2031, 1, 7)) == 5


def test_unknown_year_uses_overrides_and_becomes_known(personas: Personas) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=d(2031, 1, 1), is_workday=False, note="元旦")
    services.set_override(admin, day=d(2031, 1, 4), is_workday=True, note="补班")

    assert known_year(2031) is True
    assert calendar.package_knows(2031) is False
    assert add_workdays(d(2030, 12, 31), 1) == d(2031, 1, 2)
    assert workdays_between(d(2030, 12, 31), d(2031, 1, 7)) == 5  # 2, 3, 4, 6, 7 Jan


# --- the cache ------------------------------------------------------------------------------


def test_a_thousand_calls_cost_at_most_one_query(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    services.set_override(actor(personas.admin), day=d(2026, 3, 7), is_workday=True, note="")
    days = [d(2026, 1, 1) + datetime.timedelta(days=i % 365) for i in range(1000)]

    with django_assert_max_num_queries(1):
        answers = [is_workday(day) for day in days]

    # 1 Jan 2026 - 27 Sep 2026 and 2026 twice more: 2 × 249 + 184 (the Saturday counts)
    assert answers.count(True) == 682


def test_walking_a_year_costs_no_query_once_loaded(django_assert_num_queries: Any) -> None:
    is_workday(d(2026, 1, 1))

    with django_assert_num_queries(0):
        add_workdays(d(2026, 1, 1), 200)
        workdays_between(d(2026, 1, 1), d(2026, 12, 31))
        known_year(2027)


def test_an_override_write_invalidates_the_cache(personas: Personas) -> None:
    assert is_workday(d(2026, 3, 7)) is False  # loads and caches the (empty) table

    services.set_override(actor(personas.admin), day=d(2026, 3, 7), is_workday=True, note="")

    assert is_workday(d(2026, 3, 7)) is True


def test_a_write_elsewhere_is_seen_when_the_shared_version_changes() -> None:
    assert is_workday(d(2026, 3, 7)) is False
    CalendarOverride.objects.create(day=d(2026, 3, 7), is_workday=True)  # another process
    assert is_workday(d(2026, 3, 7)) is False  # still the cached table

    cache.set(calendar.VERSION_KEY, "bumped-by-another-process", None)

    assert is_workday(d(2026, 3, 7)) is True


def test_the_cached_table_expires_after_max_age(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_workday(d(2026, 3, 7)) is False
    CalendarOverride.objects.create(day=d(2026, 3, 7), is_workday=True)  # unseen bump
    now = time.monotonic()

    monkeypatch.setattr(time, "monotonic", lambda: now + calendar.MAX_AGE_SECONDS + 1)

    assert is_workday(d(2026, 3, 7)) is True
