"""The discipline rules as tables: facts + today -> next due, overdue, escalated, dormant.

2026 facts used below: Mid-Autumn 25-27 Sep off, Sun 20 Sep a make-up working day; National
Day 1-7 Oct off, Sat 10 Oct a make-up working day.
"""

from __future__ import annotations

import datetime

import pytest

from crm.discipline import rules
from crm.discipline.rules import Cadence, Facts

pytestmark = pytest.mark.django_db  # the working-day calendar reads its override table

D = datetime.date
DEFAULT = Cadence()


def facts(stage: str = "potential", intent: str = "", level: str = "C", **kw: object) -> Facts:
    kw.setdefault("created_on", D(2026, 8, 3))
    return Facts(stage=stage, intent=intent, level=level, **kw)  # type: ignore[arg-type]


NEXT_DUE = [
    # (case, facts, expected next-due)
    (
        "high intent: 5 working days, across National Day to the make-up Saturday",
        facts("cooperating", "high", last_contact_on=D(2026, 9, 28)),
        D(2026, 10, 10),
    ),
    (
        "medium intent alone: 10 working days",
        facts("dormant", "medium", last_contact_on=D(2026, 11, 2)),
        D(2026, 11, 16),
    ),
    (
        "low intent and dormant stage: a month of 21 working days",
        facts("dormant", "low", last_contact_on=D(2026, 11, 2)),
        D(2026, 12, 1),
    ),
    (
        "stage intent is weekly even with low intent (tightest wins)",
        facts("intent", "low", last_contact_on=D(2026, 11, 2)),
        D(2026, 11, 9),
    ),
    (
        "level A tightens a dormant customer to weekly",
        facts("dormant", "low", "A", last_contact_on=D(2026, 11, 2)),
        D(2026, 11, 9),
    ),
    (
        "lost stage: a monthly review",
        facts("lost", "", "B", last_contact_on=D(2026, 11, 2)),
        D(2026, 12, 1),
    ),
    (
        "potential without a next date on the card: 3 working days",
        facts("potential", last_contact_on=D(2026, 9, 30)),
        D(2026, 10, 10),
    ),
    (
        "potential: the next contact date the card set",
        facts("potential", last_contact_on=D(2026, 9, 30), next_contact_on=D(2026, 10, 20)),
        D(2026, 10, 20),
    ),
    (
        "a card date inside the holiday moves to the first working day after it",
        facts(
            "potential", "medium", last_contact_on=D(2026, 9, 30), next_contact_on=D(2026, 10, 3)
        ),
        D(2026, 10, 8),
    ),
    (
        "a card date later than the intent cadence: the cadence wins",
        facts(
            "potential", "medium", last_contact_on=D(2026, 8, 10), next_contact_on=D(2026, 9, 30)
        ),
        D(2026, 8, 24),
    ),
    (
        "a card date earlier than the cadence wins",
        facts("intent", "high", last_contact_on=D(2026, 11, 2), next_contact_on=D(2026, 11, 4)),
        D(2026, 11, 4),
    ),
    (
        "a card date on a weekend moves to Monday",
        facts("potential", last_contact_on=D(2026, 11, 2), next_contact_on=D(2026, 11, 7)),
        D(2026, 11, 9),
    ),
    (
        "never contacted: counted from the creation date",
        facts("potential", created_on=D(2026, 11, 2)),
        D(2026, 11, 5),
    ),
    (
        "a make-up Sunday counts: 5 working days after Mon 14 Sep 2026 is Sun 20 Sep",
        facts("cooperating", "low", last_contact_on=D(2026, 9, 14)),
        D(2026, 9, 20),
    ),
]


@pytest.mark.parametrize(("case", "given", "expected"), NEXT_DUE, ids=[c[0] for c in NEXT_DUE])
def test_next_due(case: str, given: Facts, expected: datetime.date) -> None:
    assert rules.next_due(given, DEFAULT) == expected


HIGH_BEFORE_NATIONAL_DAY = facts("cooperating", "high", last_contact_on=D(2026, 9, 28))
OVERDUE = [
    # (today, due, overdue working days, escalated) for a follow-up due Sat 10 Oct 2026
    (D(2026, 9, 30), False, 0, False),
    (D(2026, 10, 9), False, 0, False),
    (D(2026, 10, 10), True, 0, False),  # the make-up Saturday itself
    (D(2026, 10, 11), True, 0, False),  # Sunday: no working day has passed since
    (D(2026, 10, 12), True, 1, False),  # Monday: one working day overdue, the owner's
    (D(2026, 10, 13), True, 2, True),  # two working days: escalated to the manager
    (D(2026, 10, 19), True, 6, True),
]


@pytest.mark.parametrize(("today", "due", "late", "escalated"), OVERDUE)
def test_due_overdue_and_escalation_across_national_day(
    today: datetime.date, due: bool, late: int, escalated: bool
) -> None:
    verdict = rules.evaluate(HIGH_BEFORE_NATIONAL_DAY, today, DEFAULT)
    assert (verdict.due_on, verdict.due, verdict.overdue_days, verdict.escalated) == (
        D(2026, 10, 10),
        due,
        late,
        escalated,
    )


def test_escalation_after_is_configurable() -> None:
    verdict = rules.evaluate(
        HIGH_BEFORE_NATIONAL_DAY, D(2026, 10, 12), Cadence(escalate_after_days=1)
    )
    assert verdict.escalated is True


def test_a_configured_cadence_replaces_the_default() -> None:
    assert rules.next_due(HIGH_BEFORE_NATIONAL_DAY, Cadence(intent_high_days=2)) == D(2026, 9, 30)


DORMANT = [
    (D(2026, 4, 15), D(2026, 10, 14), False),
    (D(2026, 4, 15), D(2026, 10, 15), True),
    (D(2026, 8, 31), D(2027, 2, 27), False),  # 31 Aug + 6 months = 28 Feb (clamped)
    (D(2026, 8, 31), D(2027, 2, 28), True),
    (None, D(2030, 1, 1), False),  # no cooperation date: nothing to measure from
]


@pytest.mark.parametrize(("last", "today", "dormant"), DORMANT)
def test_dormant_after_six_months_without_cooperation(
    last: datetime.date | None, today: datetime.date, dormant: bool
) -> None:
    given = facts("cooperating", last_contact_on=today, last_cooperation_on=last)
    assert rules.evaluate(given, today, DEFAULT).dormant is dormant


INFO_CHECK = [
    (D(2026, 3, 31), D(2026, 9, 29), False),
    (D(2026, 3, 31), D(2026, 9, 30), True),
    (None, D(2027, 2, 2), False),  # never checked: from the creation date, 3 Aug 2026
    (None, D(2027, 2, 3), True),
]


@pytest.mark.parametrize(("checked", "today", "missed"), INFO_CHECK)
def test_half_yearly_info_check(
    checked: datetime.date | None, today: datetime.date, missed: bool
) -> None:
    given = facts(last_contact_on=today, info_checked_on=checked)
    assert rules.evaluate(given, today, DEFAULT).info_check_missed is missed


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert rules.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert rules.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
