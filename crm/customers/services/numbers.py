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


def _bump(key: str) -> int:
    """Atomically take the next value of one counter (INSERT … ON CONFLICT … RETURNING)."""
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    col_key, col_value = connection.ops.quote_name("key"), connection.ops.quote_name("value")
    # Only quoted identifiers are interpolated; the key is a bound parameter.
    sql = (
        f"INSERT INTO {table} ({col_key}, {col_value}) VALUES (%s, 1) "  # noqa: S608
        f"ON CONFLICT ({col_key}) DO UPDATE SET {col_value} = {table}.{col_value} + 1 "
        f"RETURNING {col_value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        return int(cursor.fetchone()[0])


def allocate_number(industry_code: str) -> str:
    """Next free customer number; skips values already taken (e.g. by imported numbers)."""
    pattern, today = current_pattern(), timezone.localdate()
    key = numbering.sequence_key(pattern, today=today, ind=industry_code)
    for _ in range(1000):
        number = numbering.render(pattern, today=today, ind=industry_code, seq=_bump(key))
        if not Customer.objects.filter(number=number).exists():
            return number
    raise ValidationError("客户编号已用尽,请管理员调整编号规则")
