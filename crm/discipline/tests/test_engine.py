"""The engine over a simulated 90 days (Mon 3 Aug - Sat 31 Oct 2026) for a small team.

Each day: the daily job runs in the morning (00:30), we look at the customers, then the day's
cards are filed (each re-evaluates its customer). The wall clock is never read: `today` is
passed in and django.utils.timezone.now is frozen at 10:00 of the simulated day.

The team (华东销售一部): alice and bob, manager carol.
- C1 alice, stage intent, high intent, level B: cards 3 and 10 Aug, then nothing.
- C2 bob, potential, medium intent: card 3 Aug asks for 5 Aug; 5 Aug (no date); 10 Aug and
  24 Aug ask for 30 Sep (the medium cadence of 10 working days comes first).
- C3 alice, cooperating, low intent, last cooperation 20 Mar 2026, info checked 15 Apr 2026:
  a card every Monday that is a working day (none on Mon 5 Oct, National Day).
- C4 alice, dormant stage, level A (weekly): card 3 Aug, then nothing.
- C5 bob, stage lost, status lost: card 3 Aug; monthly review.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.discipline import engine, tasks
from crm.notifications.models import Notification
from crm.records import services as records
from crm.workdays.calendar import is_workday

pytestmark = pytest.mark.django_db
D = datetime.date
START, END = D(2026, 8, 3), D(2026, 10, 31)
TZ = timezone.get_default_timezone()


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def mondays() -> Iterator[datetime.date]:
    day = START
    while day <= END:
        if is_workday(day):
            yield day
        day += datetime.timedelta(days=7)


@pytest.fixture
def team(personas: Personas, customer_of: Any) -> dict[str, Customer]:
    p = personas
    specs: dict[str, tuple[Any, dict[str, Any]]] = {
        "C1": (p.alice, {"stage": "intent", "intent": "high", "level": "B"}),
        "C2": (p.bob, {"stage": "potential", "intent": "medium"}),
        "C3": (
            p.alice,
            {
                "stage": "cooperating",
                "intent": "low",
                "last_cooperation_on": D(2026, 3, 20),
                "info_checked_on": D(2026, 4, 15),
            },
        ),
        "C4": (p.alice, {"stage": "dormant", "level": "A"}),
        "C5": (p.bob, {"stage": "lost", "status": "lost"}),
    }
    made = {}
    for name, (owner, fields) in specs.items():
        customer = customer_of(owner, name=f"{name}杭州模拟科技有限公司")
        Customer.objects.filter(pk=customer.pk).update(created_at=at(START, 9), **fields)
        made[name] = customer
    return made


def cards_of(team: dict[str, Customer], p: Personas) -> dict[datetime.date, list[tuple]]:
    """day -> [(customer, filer, next contact date)]"""
    plan: dict[datetime.date, list[tuple]] = {}

    def add(day: datetime.date, name: str, who: Any, next_on: datetime.date | None = None) -> None:
        plan.setdefault(day, []).append((team[name], who, next_on))

    add(D(2026, 8, 3), "C1", p.alice)
    add(D(2026, 8, 10), "C1", p.alice)
    add(D(2026, 8, 3), "C2", p.bob, D(2026, 8, 5))
    add(D(2026, 8, 5), "C2", p.bob)
    add(D(2026, 8, 10), "C2", p.bob, D(2026, 9, 30))
    add(D(2026, 8, 24), "C2", p.bob, D(2026, 9, 30))
    for monday in mondays():
        add(monday, "C3", p.alice)
    add(D(2026, 8, 3), "C4", p.alice)
    add(D(2026, 8, 3), "C5", p.bob)
    return plan


def state(team: dict[str, Customer]) -> dict[str, dict[str, Any]]:
    names = {c.pk: n for n, c in team.items()}
    return {
        names[c.pk]: {
            "due": c.follow_up_due,
            "late": c.follow_up_overdue_days,
            "escalated": c.escalated,
            "status": c.status,
            "dormant": c.flag_long_inactive,
            "verify": c.flag_to_verify,
        }
        for c in Customer.objects.filter(pk__in=names)
    }


def due_set(s: dict[str, dict[str, Any]], day: datetime.date) -> set[str]:
    return {n for n, v in s.items() if v["due"] <= day}


@pytest.fixture
def simulation(
    personas: Personas, team: dict[str, Customer], monkeypatch: pytest.MonkeyPatch
) -> dict[datetime.date, dict[str, dict[str, Any]]]:
    """Morning state (after the daily job, before the day's cards) for every day."""
    plan, mornings = cards_of(team, personas), {}
    day = START
    while day <= END:
        monkeypatch.setattr(timezone, "now", lambda day=day: at(day, 10))
        tasks.run_day(day)  # the daily job: the engine, then the notifications
        mornings[day] = state(team)
        for customer, who, next_on in plan.get(day, []):
            records.file_record(
                actor(who),
                customer=customer,
                occurred_at=at(day, 9),
                channel="phone",
                purpose="regular_visit",
                content="沟通下季度采购计划,客户关注交付周期",
                next_contact_on=next_on,
            )
        day += datetime.timedelta(days=1)
    return mornings


EXPECTED = [
    # (morning of, due, {overdue customer: working days}, escalated, dormant)
    (D(2026, 8, 5), {"C2"}, {}, set(), set()),
    (D(2026, 8, 10), {"C1", "C2", "C3", "C4"}, {}, set(), set()),
    (D(2026, 8, 12), {"C4"}, {"C4": 2}, {"C4"}, set()),
    (D(2026, 8, 18), {"C1", "C4"}, {"C1": 1, "C4": 6}, {"C4"}, set()),
    (D(2026, 8, 19), {"C1", "C4"}, {"C1": 2, "C4": 7}, {"C1", "C4"}, set()),
    (D(2026, 9, 2), {"C1", "C4", "C5"}, {"C1": 12, "C4": 17, "C5": 1}, {"C1", "C4"}, set()),
    (
        D(2026, 9, 19),
        {"C1", "C2", "C4", "C5"},
        {"C1": 24, "C2": 9, "C4": 29, "C5": 13},
        {"C1", "C2", "C4", "C5"},
        set(),
    ),
    # Sun 20 Sep is a make-up working day: C3's weekly follow-up falls due on it
    (
        D(2026, 9, 20),
        {"C1", "C2", "C3", "C4", "C5"},
        {"C1": 25, "C2": 10, "C4": 30, "C5": 14},
        {"C1", "C2", "C4", "C5"},
        {"C3"},
    ),
    # C3's card of Mon 28 Sep: 5 working days across National Day end on Sat 10 Oct
    (
        D(2026, 10, 10),
        {"C1", "C2", "C3", "C4", "C5"},
        {"C1": 35, "C2": 20, "C4": 40, "C5": 24},
        {"C1", "C2", "C4", "C5"},
        {"C3"},
    ),
    (
        D(2026, 10, 12),
        {"C1", "C2", "C3", "C4", "C5"},
        {"C1": 36, "C2": 21, "C3": 1, "C4": 41, "C5": 25},
        {"C1", "C2", "C4", "C5"},
        {"C3"},
    ),
    (
        D(2026, 10, 31),
        {"C1", "C2", "C4", "C5"},
        {"C1": 50, "C2": 35, "C4": 55, "C5": 39},
        {"C1", "C2", "C4", "C5"},
        {"C3"},
    ),
]


@pytest.mark.parametrize(
    ("day", "due", "overdue", "escalated", "dormant"), EXPECTED, ids=[str(e[0]) for e in EXPECTED]
)
def test_ninety_days_of_a_small_team(
    simulation: dict[datetime.date, dict[str, dict[str, Any]]],
    day: datetime.date,
    due: set[str],
    overdue: dict[str, int],
    escalated: set[str],
    dormant: set[str],
) -> None:
    s = simulation[day]
    assert due_set(s, day) == due
    assert {n: v["late"] for n, v in s.items() if v["late"]} == overdue
    assert {n for n, v in s.items() if v["escalated"]} == escalated
    assert {n for n, v in s.items() if v["dormant"]} == dormant


def test_ninety_days_of_notifications_reach_the_owner_then_the_manager(
    simulation: dict[datetime.date, dict[str, dict[str, Any]]], team: dict[str, Customer]
) -> None:
    """Each missed follow-up notifies its owner on its first overdue working day and carol,
    the team manager, two working days after its due date; once per occurrence."""
    names = {c.pk: n for n, c in team.items()}
    raised = [
        (
            timezone.localdate(n.created_at),
            n.recipient.username,
            n.kind,
            names[n.customer_id],
            n.due,
        )
        for n in Notification.objects.select_related("recipient").order_by("created_at", "pk")
    ]
    overdue, escalated = "follow_up_overdue", "follow_up_escalated"
    assert raised == [
        (D(2026, 8, 11), "alice", overdue, "C4", D(2026, 8, 10)),
        (D(2026, 8, 12), "carol", escalated, "C4", D(2026, 8, 10)),
        (D(2026, 8, 18), "alice", overdue, "C1", D(2026, 8, 17)),
        (D(2026, 8, 19), "carol", escalated, "C1", D(2026, 8, 17)),
        (D(2026, 9, 2), "bob", overdue, "C5", D(2026, 9, 1)),
        (D(2026, 9, 3), "carol", escalated, "C5", D(2026, 9, 1)),
        (D(2026, 9, 8), "bob", overdue, "C2", D(2026, 9, 7)),
        (D(2026, 9, 9), "carol", escalated, "C2", D(2026, 9, 7)),
        # C3's weekly follow-up fell due on Sun 20 Sep, a make-up working day: its Monday
        # card came one working day late
        (D(2026, 9, 21), "alice", overdue, "C3", D(2026, 9, 20)),
        # and on Sat 10 Oct, the make-up day after National Day
        (D(2026, 10, 12), "alice", overdue, "C3", D(2026, 10, 10)),
    ]


def test_status_follows_the_due_date_but_never_overrides_lost(
    simulation: dict[datetime.date, dict[str, dict[str, Any]]],
) -> None:
    statuses = {
        day: {n: v["status"] for n, v in simulation[day].items()}
        for day in (D(2026, 8, 10), D(2026, 8, 11), D(2026, 9, 2))
    }
    assert statuses[D(2026, 8, 10)] == {
        "C1": "to_follow",
        "C2": "to_follow",
        "C3": "to_follow",
        "C4": "to_follow",
        "C5": "lost",
    }
    # the cards of 10 Aug put C1, C2 and C3 back to normal
    assert statuses[D(2026, 8, 11)] == {
        "C1": "normal",
        "C2": "normal",
        "C3": "normal",
        "C4": "to_follow",
        "C5": "lost",
    }
    assert statuses[D(2026, 9, 2)]["C5"] == "lost"


def test_the_half_yearly_info_check_is_missed_six_months_after_the_last(
    simulation: dict[datetime.date, dict[str, dict[str, Any]]],
) -> None:
    assert simulation[D(2026, 10, 14)]["C3"]["verify"] is False
    assert simulation[D(2026, 10, 15)]["C3"]["verify"] is True


def test_only_changes_are_audited_as_system_writes(
    simulation: dict[datetime.date, dict[str, dict[str, Any]]], team: dict[str, Customer]
) -> None:
    events = AuditEvent.objects.filter(action="discipline.evaluate", customer=team["C4"])
    assert [(e.source, e.actor_id, sorted(e.changes)) for e in events.order_by("id")] == [
        ("system", None, ["status"]),  # due on 10 Aug
        ("system", None, ["escalated"]),  # two working days overdue on 12 Aug
    ]


def test_a_second_run_on_the_same_day_changes_and_audits_nothing(
    simulation: dict[datetime.date, dict[str, dict[str, Any]]],
) -> None:
    count = AuditEvent.objects.count()
    summary = engine.evaluate(None, END)
    assert (summary.evaluated, summary.changed) == (5, 0)
    assert AuditEvent.objects.count() == count


def test_filing_a_card_re_evaluates_the_customer_at_once(
    personas: Personas, team: dict[str, Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    day = D(2026, 8, 12)
    monkeypatch.setattr(timezone, "now", lambda: at(day, 10))
    engine.evaluate(None, day)
    assert Customer.objects.get(pk=team["C4"].pk).status == "to_follow"
    records.file_record(
        actor(personas.alice),
        customer=team["C4"],
        occurred_at=at(day, 9),
        channel="visit",
        purpose="regular_visit",
        content="拜访客户,了解明年预算安排",
    )
    c4 = Customer.objects.get(pk=team["C4"].pk)
    assert (c4.status, c4.follow_up_due, c4.follow_up_overdue_days, c4.escalated) == (
        "normal",
        D(2026, 8, 19),
        0,
        False,
    )


def test_small_chunks_give_the_same_result(team: dict[str, Customer]) -> None:
    # no cards: due by the cadence from the creation date (3 Aug); C5's monthly review is later
    summary = engine.evaluate(None, D(2026, 8, 12), chunk=2)
    assert (summary.evaluated, summary.due, summary.escalated) == (5, 4, 4)
    by_pairs = state(team)
    engine.evaluate(None, D(2026, 8, 12), chunk=1000)
    assert state(team) == by_pairs
