"""The pure rules: tiers at the thresholds' edges, the trailing year, cooperation facts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from crm.pipeline import rules
from crm.pipeline.rules import Deal, PipelineChoice

A, B = Decimal("1000000.00"), Decimal("500000.00")


@pytest.mark.parametrize(
    ("amount", "level"),
    [
        ("0", "C"),
        ("499999.99", "C"),
        ("500000.00", "B"),
        ("999999.99", "B"),
        ("1000000.00", "A"),
        ("25000000", "A"),
    ],
)
def test_tier_at_the_thresholds_edges(amount, level):
    assert rules.tier_for(Decimal(amount), A, B) == level


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (datetime.date(2026, 3, 2), datetime.date(2025, 3, 3)),
        (datetime.date(2028, 2, 29), datetime.date(2027, 3, 1)),
        (datetime.date(2026, 1, 1), datetime.date(2025, 1, 2)),
    ],
)
def test_the_trailing_year_starts_the_day_after_a_year_ago(today, start):
    assert rules.year_ago(today) == start


def test_trailing_amount_counts_the_last_twelve_months_only():
    today = datetime.date(2026, 3, 2)
    deals = [
        Deal(datetime.date(2025, 3, 2), Decimal(900000)),  # a year and a day: out
        Deal(datetime.date(2025, 3, 3), Decimal(400000)),
        Deal(datetime.date(2026, 3, 2), Decimal(100000)),
        Deal(datetime.date(2026, 3, 3), Decimal(700000)),  # not signed yet by today: out
        Deal(None, Decimal(1)),
    ]
    assert rules.trailing_amount(deals, today) == Decimal(500000)


def test_cooperation_counts_an_order_under_a_contract_once():
    contracts = [Deal(datetime.date(2024, 5, 25), Decimal("300000.00"))]
    orders = [
        Deal(datetime.date(2024, 6, 1), Decimal("100000.00"), under_contract=True),
        Deal(datetime.date(2023, 1, 15), Decimal("5000.50")),
    ]
    facts = rules.cooperation(contracts, orders)
    assert facts == rules.Cooperation(
        datetime.date(2023, 1, 15), datetime.date(2024, 6, 1), Decimal("305000.50")
    )
    assert rules.cooperation([], []) == rules.Cooperation(None, None, Decimal(0))


def test_the_most_specific_industry_pipeline_wins():
    pipelines = [
        PipelineChoice(1, [], True),
        PipelineChoice(2, ["Q", "27"], False),
        PipelineChoice(3, ["84"], False),
    ]
    assert rules.pipeline_for("84", "Q", pipelines) == 3
    assert rules.pipeline_for("85", "Q", pipelines) == 2
    assert rules.pipeline_for("27", "C", pipelines) == 2
    assert rules.pipeline_for("65", "I", pipelines) == 1
    assert rules.pipeline_for(None, None, pipelines) == 1
    assert rules.pipeline_for("65", "I", pipelines[1:]) is None


@pytest.mark.parametrize(
    ("ends_on", "expiring", "expired"),
    [
        (datetime.date(2026, 3, 1), False, True),
        (datetime.date(2026, 3, 2), True, False),
        (datetime.date(2026, 4, 1), True, False),
        (datetime.date(2026, 4, 2), False, False),
        (None, False, False),
    ],
)
def test_contract_expiry_warning_window(ends_on, expiring, expired):
    today = datetime.date(2026, 3, 2)
    assert rules.is_expiring(ends_on, today, 30) is expiring
    assert rules.is_expired(ends_on, today) is expired


def test_missing_gates_keep_their_order():
    assert rules.missing_gates(["客户资质审核", "合规性检查"], ["合规性检查"]) == ["客户资质审核"]
    assert rules.missing_gates([], []) == []
