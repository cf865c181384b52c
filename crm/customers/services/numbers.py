"""Customer numbers: the configurable rule and the collision-free counters."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor

from .. import numbering
from ..models import (
    Customer,
    NumberRule,
    NumberSequence,
)

# --- numbers --------------------------------------------------------------------------------


def current_pattern() -> str:
    rule = NumberRule.objects.order_by("pk").first()
    return rule.pattern if rule else numbering.DEFAULT_PATTERN


def set_number_pattern(actor: Actor, *, pattern: str, reason: str = "") -> NumberRule:
    policy.require(actor.user, "settings.manage")
    numbering.validate_pattern(pattern)
    with transaction.atomic():
        rule = NumberRule.objects.select_for_update().order_by("pk").first() or NumberRule()
        before = rule.pattern if rule.pk else numbering.DEFAULT_PATTERN
        rule.pattern = pattern
        rule.save()
        audit.record(
            actor,
            "settings.number_rule",
            rule,
            changes=audit.diff({"pattern": before}, {"pattern": pattern}),
            reason=reason,
        )
    return rule


def next_in_sequence(key: str) -> int:
    """The next value of a named counter (contract numbers use one per day)."""
    return _bump(key)


def _bump(key: str, count: int = 1) -> int:
    """Atomically take the next `count` values of one counter (INSERT … ON CONFLICT …
    RETURNING); answers the last value taken."""
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    col_key, col_value = connection.ops.quote_name("key"), connection.ops.quote_name("value")
    # Only quoted identifiers are interpolated; the key and the count are bound parameters.
    sql = (
        f"INSERT INTO {table} ({col_key}, {col_value}) VALUES (%s, %s) "  # noqa: S608
        f"ON CONFLICT ({col_key}) DO UPDATE SET {col_value} = {table}.{col_value} + %s "
        f"RETURNING {col_value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, count, count])
        return int(cursor.fetchone()[0])


def allocate_number(industry_code: str) -> str:
    """Next free customer number; skips values already taken (e.g. by imported numbers)."""
    return allocate_numbers([industry_code])[0]


def allocate_numbers(industry_codes: list[str], reserved: set[str] | None = None) -> list[str]:
    """One free number per entry (in order), a counter bump per distinct sequence: an import
    of 500 customers takes its numbers in a couple of statements, never colliding, neither
    with the archive nor with `reserved` (numbers the same batch brings from its file)."""
    reserved = reserved or set()
    pattern, today = current_pattern(), timezone.localdate()
    keys = [numbering.sequence_key(pattern, today=today, ind=code) for code in industry_codes]
    numbers: list[str] = [""] * len(industry_codes)
    for _ in range(1000):
        wanted: dict[str, list[int]] = {}
        for index, number in enumerate(numbers):
            if not number:
                wanted.setdefault(keys[index], []).append(index)
        if not wanted:
            return numbers
        fresh: dict[int, str] = {}
        for key, indexes in wanted.items():
            last = _bump(key, len(indexes))
            code = industry_codes[indexes[0]]
            for offset, index in enumerate(indexes):
                seq = last - len(indexes) + 1 + offset
                fresh[index] = numbering.render(pattern, today=today, ind=code, seq=seq)
        taken = set(
            Customer.objects.filter(number__in=list(fresh.values())).values_list(
                "number", flat=True
            )
        )
        for index, number in fresh.items():
            if number not in taken and number not in reserved:
                numbers[index] = number
    raise ValidationError("客户编号已用尽,请管理员调整编号规则")
