"""Writes of the discipline app: the rules (administrators), the half-yearly info check and
the calendar feed's secret address.

A rule change is audited (`settings.discipline`) and then re-evaluates every customer for
today (engine, source "system"), after the change has committed.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.accounts import policy
from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.models import Customer

from . import engine
from .models import RULE_FIELDS, CalendarFeed, DisciplineRules


def get_rules() -> DisciplineRules:
    """The settings row; an unsaved row with the defaults when none was saved yet."""
    return DisciplineRules.objects.filter(pk=1).first() or DisciplineRules(pk=1)


def update_rules(actor: Actor, *, reevaluate: bool = True, **fields: Any) -> DisciplineRules:
    """Change some rule values; unchanged values write nothing. Re-evaluates all customers."""
    policy.require(actor.user, "settings.manage")
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(f"未知的规则字段: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        row = DisciplineRules.objects.select_for_update().filter(pk=1).first()
        row = row or DisciplineRules(pk=1)
        before = audit.snapshot(row, RULE_FIELDS)  # a new row holds the defaults
        for name, value in fields.items():
            setattr(row, name, value)
        row.full_clean()
        changes = _changes(before, audit.snapshot(row, RULE_FIELDS))
        if not changes:
            return row
        row.updated_at, row.updated_by = timezone.now(), actor.user
        row.save()
        audit.record(actor, "settings.discipline", row, changes=changes)
    if reevaluate:
        engine.evaluate(None, timezone.localdate())
    return row


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in RULE_FIELDS
        if before.get(name) != after.get(name)
    }


def confirm_info(actor: Actor, customer: Customer) -> Customer:
    """The half-yearly re-check is done (信息已核实): today becomes the last check date and
    信息待核实 is cleared. Whoever may edit the customer confirms."""
    from crm.records.services import get_visible_customer

    customer = get_visible_customer(actor, customer)
    policy.require_edit_customer(actor.user, customer)
    today = timezone.localdate()
    with transaction.atomic():
        before = audit.snapshot(customer, ("info_checked_on", "flag_to_verify"))
        Customer.objects.filter(pk=customer.pk).update(info_checked_on=today, flag_to_verify=False)
        customer.info_checked_on, customer.flag_to_verify = today, False
        after = audit.snapshot(customer, ("info_checked_on", "flag_to_verify"))
        changes = {
            name: {"before": before[name], "after": after[name]}
            for name in after
            if before[name] != after[name]
        }
        audit.record(actor, "customer.info_checked", customer, customer=customer, changes=changes)
    return customer


# --- the calendar feed (日历订阅) ------------------------------------------------------------

LAST_USED_EVERY = datetime.timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reset_calendar_feed(actor: Actor) -> str:
    """Make (or replace) the actor's feed; return the new secret token, shown once."""
    user = actor.user
    assert user is not None
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        existed = CalendarFeed.objects.filter(user=user).delete()[0] > 0
        feed = CalendarFeed.objects.create(user=user, token_hash=_hash(token), prefix=token[:6])
        action = "calendar_feed.reset" if existed else "calendar_feed.create"
        audit.record(actor, action, feed)
    return token


def revoke_calendar_feed(actor: Actor) -> bool:
    """Remove the actor's feed (the address stops working). False when there was none."""
    user = actor.user
    assert user is not None
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return False
        audit.record(actor, "calendar_feed.revoke", feed)
        feed.delete()
    return True


def calendar_feed_user(token: str) -> User | None:
    """The active user whose feed this token opens, or None. Notes the access (hourly)."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
