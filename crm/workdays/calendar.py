"""The PRC working-day calendar: the ONE place that answers "is this a working day?".

Every other module (deadlines, reminders, SLAs, reports) calls these functions; none reads
chinese-calendar or the override table itself.

Where a day's status comes from, first match wins:

1. a `CalendarOverride` row (admin-edited through crm.workdays.services);
2. chinese-calendar, for the years it knows (`PACKAGE_YEARS`; 2004-2026 in release 1.11.0):
   statutory holidays are days off, 调休 make-up days (weekend days) are working days, every
   other day goes by its weekday;
3. any other year: Monday-Friday are working days, Saturday and Sunday are not.

All functions take `datetime.date` values; a `datetime` is refused (TypeError) because which
date it falls on depends on the time zone: pass `timezone.localdate(moment)`.

Caching: the override table is read once into a per-process dict (one query) and reused until
it goes stale. It is stale when the version token in Django's cache changes (services bump it
on every override write, in the transaction and again on commit) or after `MAX_AGE_SECONDS`
(the bound on staleness in other processes when the cache is per-process, as LocMemCache is).
So a loop over 10,000 customers costs one cache read per call and no query.
"""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import chinese_calendar
from django.core.cache import cache

ONE_DAY = datetime.timedelta(days=1)
VERSION_KEY = "workdays:overrides:version"
MAX_AGE_SECONDS = 60.0

_HOLIDAYS: Mapping[datetime.date, str] = chinese_calendar.holidays
_MAKEUP_DAYS: Mapping[datetime.date, str] = chinese_calendar.workdays
# chinese-calendar covers whole years from its first to its last holiday (it raises
# NotImplementedError outside them); read from its data so a new release needs no code change.
PACKAGE_YEARS = range(min(_HOLIDAYS).year, max(_HOLIDAYS).year + 1)
_CHINESE_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


@dataclass(frozen=True)
class _Snapshot:
    version: str
    loaded_at: float
    days: Mapping[datetime.date, bool]
    years: frozenset[int]


_snapshot: _Snapshot | None = None


# --- the override cache ---------------------------------------------------------------------


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:  # first use, or the cache was cleared or evicted: start a new epoch
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or ""
    return str(version)


def _overrides() -> _Snapshot:
    """The override table as {day: is_workday}, from the process cache when still current."""
    global _snapshot
    version = _current_version()  # read before the table, so a concurrent write is seen next time
    snap = _snapshot
    fresh = snap is not None and time.monotonic() - snap.loaded_at <= MAX_AGE_SECONDS
    if snap is not None and fresh and snap.version == version:
        return snap
    from .models import CalendarOverride

    days = dict(CalendarOverride.objects.values_list("day", "is_workday"))
    snap = _Snapshot(
        version, time.monotonic(), MappingProxyType(days), frozenset(d.year for d in days)
    )
    _snapshot = snap  # one assignment: threads see the old or the new snapshot, never half
    return snap


def invalidate() -> None:
    """Forget the cached overrides here and, through the shared version token, everywhere."""
    global _snapshot
    _snapshot = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


# --- single days ----------------------------------------------------------------------------


def _check(day: object) -> datetime.date:
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError(f"a datetime.date is expected, not {type(day).__name__}")
    return day


def _is_workday(day: datetime.date, overrides: Mapping[datetime.date, bool]) -> bool:
    found = overrides.get(day)
    if found is not None:
        return found
    if day.year in PACKAGE_YEARS:
        return day in _MAKEUP_DAYS or (day.weekday() < 5 and day not in _HOLIDAYS)
    return day.weekday() < 5


def is_workday(day: datetime.date) -> bool:
    """True when `day` is a working day: override, else chinese-calendar, else Mon-Fri."""
    return _is_workday(_check(day), _overrides().days)


def package_knows(year: int) -> bool:
    """True when chinese-calendar has the State Council's holiday schedule for `year`."""
    return year in PACKAGE_YEARS


def known_year(year: int) -> bool:
    """True when `year` has a holiday schedule: chinese-calendar knows it, or an administrator
    has entered at least one override in it (entering the published notice is how a year the
    package lags on becomes known; one override counts, as completeness cannot be told).
    False means answers for that year assume plain weekends and may miss holidays."""
    return package_knows(year) or year in _overrides().years


# --- walking --------------------------------------------------------------------------------


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (n > 0) or before it (n < 0), not counting `start`.

    n = 0 returns `start` when it is a working day, else the first working day after it.
    Examples (2026): add_workdays(Wed 30 Sep, 1) = Thu 8 Oct (1-7 Oct are the National Day
    holiday); add_workdays(Fri 9 Oct, 1) = Sat 10 Oct (a make-up working day);
    add_workdays(Sat 3 Oct, 0) = Thu 8 Oct. For b a working day after a,
    add_workdays(a, workdays_between(a, b)) == b.
    """
    overrides = _overrides().days
    day = _check(start)
    if n == 0:
        while not _is_workday(day, overrides):
            day += ONE_DAY
        return day
    step = ONE_DAY if n > 0 else -ONE_DAY
    left = abs(n)
    while left:
        day += step
        if _is_workday(day, overrides):
            left -= 1
    return day


def next_workday(day: datetime.date) -> datetime.date:
    """The first working day strictly after `day` (= add_workdays(day, 1))."""
    return add_workdays(day, 1)


def workdays_between(a: datetime.date, b: datetime.date) -> int:
    """The number of working days in (a, b]: after `a`, up to and including `b`.

    0 when a == b. When b < a the answer is negative: -workdays_between(b, a), so the function
    is antisymmetric. Example: workdays_between(Wed 30 Sep 2026, Fri 9 Oct 2026) == 2.
    """
    _check(a), _check(b)
    if b < a:
        return -workdays_between(b, a)
    overrides = _overrides().days
    count, day = 0, a
    while day < b:
        day += ONE_DAY
        if _is_workday(day, overrides):
            count += 1
    return count


# --- a year's special days (the settings page) ----------------------------------------------


@dataclass(frozen=True)
class PackageDay:
    day: datetime.date
    is_workday: bool  # True: a make-up working day on a weekend; False: a holiday day off
    name: str  # the holiday's Chinese name, e.g. 国庆节


def package_days(year: int) -> list[PackageDay]:
    """chinese-calendar's holidays and make-up working days in `year`, by date ([] if unknown)."""
    rows = [
        PackageDay(day, False, _CHINESE_NAMES.get(name, name))
        for day, name in _HOLIDAYS.items()
        if day.year == year
    ]
    rows += [
        PackageDay(day, True, _CHINESE_NAMES.get(name, name))
        for day, name in _MAKEUP_DAYS.items()
        if day.year == year
    ]
    return sorted(rows, key=lambda row: row.day)
