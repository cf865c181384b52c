"""The case library 案例库: a customer's story promoted for the team to learn from — a deal won
成交, a customer retained 挽留 or lost 流失 — with tags (华东, 制造业, 价格战 …).

- every signed-in user reads every case (Case.objects.visible_to); editors of the customer
  promote, correct and withdraw its cases; someone who reads a case of a customer they may not
  edit is refused (PermissionDenied), a case that does not exist is NotFound;
- tags are trimmed and de-duplicated, at most 10 of at most 20 characters (rules.normalise_tags);
- withdrawing deletes the case, with a reason; the audit row keeps what it said.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.services.related import editable_customer, get_visible, reject_unknown
from crm.records.rules import is_filler

from .. import rules
from ..models import Case
from .common import full_clean, locked_for_edit, save_new, save_version, snapshot, squash, text

CASE_FIELDS = ("kind", "title", "story", "lessons", "tags")


def get_case(actor: Actor, pk: Any) -> Case:
    return get_visible(actor, Case, pk)


def _check(case: Case) -> None:
    case.title, case.story, case.lessons = squash(case.title), text(case.story), text(case.lessons)
    tags, problem = rules.normalise_tags(case.tags or [])
    case.tags, case.tag_index = tags, rules.tag_index(tags)
    story = "请写明案例经过" if is_filler(case.story) else None
    full_clean(case, lambda: {"tags": problem, "story": story}, exclude=["customer"])


def create_case(
    actor: Actor,
    *,
    customer: Any,
    kind: str,
    title: str,
    story: str,
    lessons: str = "",
    tags: Iterable[str] = (),
) -> Case:
    found = editable_customer(actor, customer)
    case = Case(customer=found, kind=kind, title=title, story=story, lessons=lessons)
    case.tags = list(tags)
    _check(case)
    with transaction.atomic():
        save_new(case, actor)
        audit.record(
            actor,
            "case.create",
            case,
            customer=found,
            changes=audit.diff({}, snapshot(case, CASE_FIELDS)),
        )
    return case


def update_case(
    actor: Actor,
    case: Case,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Case:
    reject_unknown(fields, CASE_FIELDS)
    with transaction.atomic():
        locked = locked_for_edit(actor, Case, case, expected_version, "案例")
        before = snapshot(locked, CASE_FIELDS)
        for name, value in fields.items():
            setattr(locked, name, list(value) if name == "tags" else value)
        _check(locked)
        changes = audit.diff(before, snapshot(locked, CASE_FIELDS))
        if not changes:
            return locked
        save_version(locked)
        audit.record(
            actor,
            "case.update",
            locked,
            customer=locked.customer,
            changes=changes,
            reason=text(reason),
        )
    return locked


def withdraw_case(actor: Actor, case: Case, *, reason: str) -> None:
    """Take a case out of the library, with a reason."""
    reason = text(reason)
    if not reason:
        raise ValidationError({"reason": "撤下案例需要填写原因"})
    with transaction.atomic():
        locked = locked_for_edit(actor, Case, case, None, "案例")
        pk = locked.pk
        audit.record(
            actor,
            "case.withdraw",
            locked,
            customer=locked.customer,
            changes=audit.diff(snapshot(locked, CASE_FIELDS), {}),
            reason=reason,
        )
        locked.delete()
        locked.pk = pk
