"""Pure rules of needs analyses: points as people write them, the budget range, lateness.

- a list of points may arrive as one cell or textarea: "1.服务器宕机频繁影响业务2.运维人力成本高",
  one per line, or numbered ①②; it is split into items in their order (the order is the priority);
- a budget range has min ≤ max; "可协商" may stand with or without figures;
- an analysis filed more than 24 hours after the interview is late (seed 002: 访谈结束后24小时内).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from crm.records.rules import is_late

__all__ = ["budget_errors", "is_late", "split_points"]

MAX_POINTS = 20
SEPARATORS = ";;,,。、"  # left at an item's ends by the typist's punctuation
POINT_LENGTH = 200
# A new item starts at a line break, or at a number marker: "1." "2、" "3)" "(4)" "①"
MARKER = re.compile(r"(?:^|\n|(?<=[^\d.]))\s*(?:\(?\d{1,2}\s*[.、)):](?!\d)|[①-⑳])\s*")


def split_points(value: str | Iterable[str]) -> list[str]:
    """Items of a list typed in one text, in order, without their numbers."""
    if isinstance(value, str):
        pieces = MARKER.split(value.replace("\r", "\n"))
        items = [p for chunk in pieces for p in chunk.split("\n")]
    else:
        items = [str(v) for v in value]
    cleaned = [" ".join(item.split()).strip(SEPARATORS) for item in items]
    return [item for item in cleaned if item]


def points_error(items: list[str]) -> str | None:
    if len(items) > MAX_POINTS:
        return f"最多填写 {MAX_POINTS} 条"
    if any(len(item) > POINT_LENGTH for item in items):
        return f"每条不超过 {POINT_LENGTH} 字"
    return None


def budget_errors(low: Decimal | None, high: Decimal | None) -> dict[str, str]:
    if low is not None and high is not None and low > high:
        return {"budget_max": "预算上限不能低于下限"}
    return {}


def budget_label(low: Decimal | None, high: Decimal | None, negotiable: bool) -> str:
    """The range as the seed template writes it: "30万-50万", "可协商", "30万-50万(可协商)"."""

    def wan(amount: Decimal) -> str:
        if amount >= 10000 and amount % 100 == 0:
            figure = (amount / 10000).normalize()
            return f"{figure:f}万"
        return f"{amount:,.2f}"

    if low is not None and high is not None:
        text = f"{wan(low)}-{wan(high)}"
    elif low is not None:
        text = f"{wan(low)}以上"
    elif high is not None:
        text = f"{wan(high)}以内"
    else:
        return "可协商" if negotiable else ""
    return f"{text}(可协商)" if negotiable else text
