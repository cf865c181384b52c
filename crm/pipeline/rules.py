"""Pure rules of the sales pipeline, contracts and tiers: no ORM, no clock.

- tier: level A 战略客户 from the strategic threshold up, B 重点客户 from the key threshold up,
  C 普通客户 below (seed 002: ≥ 1,000,000 CNY a year strategic, 500,000-1,000,000 key);
- the year is the trailing 12 months: signed on or after the same day a year ago, up to today;
- cooperation facts: first and last dates over signed contracts and orders; the cumulative
  amount adds signed contracts and the orders placed outside any contract (an order under a
  contract is part of that contract's amount, not counted twice);
- a pipeline serves a customer when its industry list names the customer's GB/T 4754 code or
  that code's section; the most specific match wins, else the default pipeline.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

STRATEGIC, KEY, ORDINARY = "A", "B", "C"


def tier_for(amount: Decimal, strategic: Decimal, key: Decimal) -> str:
    if amount >= strategic:
        return STRATEGIC
    if amount >= key:
        return KEY
    return ORDINARY


def year_ago(today: datetime.date) -> datetime.date:
    """The first day of the trailing 12 months ending today (29 Feb falls back to 28 Feb)."""
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:
        start = today.replace(year=today.year - 1, day=28)
    return start + datetime.timedelta(days=1)


@dataclass(frozen=True)
class Deal:
    """A signed contract (`under_contract` False) or an order, as the cooperation facts see it."""

    on: datetime.date | None
    amount: Decimal
    under_contract: bool = False


@dataclass(frozen=True)
class Cooperation:
    first_on: datetime.date | None
    last_on: datetime.date | None
    cumulative: Decimal


def cooperation(contracts: Iterable[Deal], orders: Iterable[Deal]) -> Cooperation:
    contracts, orders = list(contracts), list(orders)
    days = [d.on for d in (*contracts, *orders) if d.on is not None]
    total = sum((d.amount for d in contracts), Decimal(0))
    total += sum((d.amount for d in orders if not d.under_contract), Decimal(0))
    return Cooperation(min(days, default=None), max(days, default=None), total)


def trailing_amount(contracts: Iterable[Deal], today: datetime.date) -> Decimal:
    start = year_ago(today)
    return sum(
        (d.amount for d in contracts if d.on is not None and start <= d.on <= today), Decimal(0)
    )


def is_expiring(ends_on: datetime.date | None, today: datetime.date, days: int) -> bool:
    """An active contract ending within `days` calendar days from today (today included)."""
    return ends_on is not None and today <= ends_on <= today + datetime.timedelta(days=days)


def is_expired(ends_on: datetime.date | None, today: datetime.date) -> bool:
    return ends_on is not None and ends_on < today


@dataclass(frozen=True)
class PipelineChoice:
    pk: int
    industries: Sequence[str]
    is_default: bool


def pipeline_for(
    industry: str | None, section: str | None, pipelines: Iterable[PipelineChoice]
) -> int | None:
    """The pipeline for a customer of GB/T 4754 code `industry` (section letter `section`)."""
    by_division = by_section = default = None
    for p in pipelines:
        if industry and industry in p.industries and by_division is None:
            by_division = p.pk
        elif section and section in p.industries and by_section is None:
            by_section = p.pk
        if p.is_default and default is None:
            default = p.pk
    return by_division or by_section or default


def missing_gates(required: Iterable[str], passed: Iterable[str]) -> list[str]:
    """Names of the gates of the target stage not passed yet, in their order."""
    done = set(passed)
    return [name for name in required if name not in done]


def check_contract_dates(
    status: str,
    signed_on: datetime.date | None,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    handover_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if status in ("active", "expired") and signed_on is None:
        errors["signed_on"] = "已签订的合同需要填写签订日期"
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "到期日期不能早于开始日期"
    if handover_on is not None:
        if signed_on is None:
            errors["handover_on"] = "合同签订后才能填写内部交接日期"
        elif handover_on < signed_on:
            errors["handover_on"] = "内部交接日期不能早于签订日期"
        elif today is not None and handover_on > today:
            errors["handover_on"] = "内部交接日期不能晚于今天"
    return errors
