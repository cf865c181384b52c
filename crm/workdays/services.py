"""Writes to the working-day calendar: administrators set or remove a day's override.

Each write is authorised (settings.manage), validated, audited in its transaction, and
invalidates the calendar cache (crm.workdays.calendar) at once and again on commit.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.core.errors import Conflict, NotFound

from . import calendar
from .models import CalendarOverride

ATTRS = ("day", "is_workday", "note")
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)


def check_day(day: object, field: str = "day") -> datetime.date:
    """A calendar date between 1900-01-01 and 2100-12-31, else a ValidationError on `field`."""
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise ValidationError({field: "请输入日期,格式为 YYYY-MM-DD"})
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError({field: "日期须在 1900-01-01 至 2100-12-31 之间"})
    return day


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-field before/after; unlike audit.diff, False (a day off) is a value, not blank."""
    blank = (None, "")
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in ATTRS
        if before.get(name) != after.get(name)
        and not (before.get(name) in blank and after.get(name) in blank)
    }


def _invalidate() -> None:
    # now, so this transaction reads its own write; on commit, so a reader that loaded the
    # table between our bump and our commit (still seeing the old row) reloads it
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)


def set_override(
    actor: Actor, *, day: datetime.date, is_workday: bool, note: str = ""
) -> CalendarOverride:
    """Make `day` a working day (is_workday=True) or a day off, whatever chinese-calendar says.

    Creates the day's override or changes it; an unchanged override is returned as is,
    with no write and no audit row.
    """
    policy.require(actor.user, "settings.manage")
    check_day(day)
    note = (note or "").strip()
    try:
        with transaction.atomic():
            obj = CalendarOverride.objects.select_for_update().filter(day=day).first()
            before = audit.snapshot(obj, ATTRS) if obj else {}
            obj = obj or CalendarOverride(day=day)
            obj.is_workday, obj.note = bool(is_workday), note
            changes = _changes(before, audit.snapshot(obj, ATTRS))
            if not changes:
                return obj
            obj.updated_by = actor.user
            obj.full_clean()
            obj.save()
            audit.record(actor, "workday.override_set", obj, changes=changes)
            _invalidate()
    except IntegrityError as exc:  # another administrator created the same day just now
        raise Conflict("该日期刚被其他人设置,请刷新后重试") from exc
    return obj


def remove_override(actor: Actor, *, day: datetime.date) -> None:
    """Delete `day`'s override: the day goes back to chinese-calendar (or Mon-Fri)."""
    policy.require(actor.user, "settings.manage")
    check_day(day)
    with transaction.atomic():
        obj = CalendarOverride.objects.select_for_update().filter(day=day).first()
        if obj is None:
            raise NotFound("该日期没有调整记录")
        changes = _changes(audit.snapshot(obj, ATTRS), {})
        audit.record(actor, "workday.override_remove", obj, changes=changes)
        obj.delete()
        _invalidate()
