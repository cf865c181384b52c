"""Read models for the working-day pages: a year's special days, package and overrides merged."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import calendar
from .models import CalendarOverride

WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


@dataclass(frozen=True)
class ScheduleRow:
    """One day that is not an ordinary weekday/weekend: a holiday, a make-up day, an override."""

    day: datetime.date
    package: calendar.PackageDay | None  # what chinese-calendar says, if it names this day
    override: CalendarOverride | None  # the administrators' correction, which wins

    @property
    def is_workday(self) -> bool:
        if self.override is not None:
            return self.override.is_workday
        if self.package is not None:
            return self.package.is_workday
        return self.day.weekday() < 5

    @property
    def weekday(self) -> str:
        return str(WEEKDAYS[self.day.weekday()])


def year_schedule(year: int) -> list[ScheduleRow]:
    """`year`'s holidays, make-up working days and overrides, by date (one query)."""
    package = {row.day: row for row in calendar.package_days(year)}
    overrides = {
        o.day: o
        for o in CalendarOverride.objects.filter(day__year=year).select_related("updated_by")
    }
    days = sorted(package.keys() | overrides.keys())
    return [ScheduleRow(day, package.get(day), overrides.get(day)) for day in days]
