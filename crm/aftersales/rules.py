"""Pure rules of the after-sales loop: no ORM, no clock, no calendar (the SLA due dates, which
read the working-day calendar, are in crm.aftersales.clocks).

- dates of facts (delivered, accepted, surveyed, received, resolved, closed, paid, progress)
  may not lie in the future; acceptance needs a delivery date and is on or after it; a survey
  of a delivery comes on or after its acceptance (so an acceptance with a survey can be
  corrected, but neither removed nor moved past the survey);
- core pool 核心客户池: the latest survey's overall score ≥ CORE_POOL_THRESHOLD (90);
- suggestions that are only filler ("无", "暂无") are no suggestion: they start no
  improvement clock;
- referral status moves pending → approved → paid, one step at a time, never back;
- the quarter of a day, its bounds and its label (2026年第4季度).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from crm.records.rules import is_filler

CORE_POOL_THRESHOLD = 90
MAX_TAGS = 10
MAX_TAG_LENGTH = 20
FUTURE = "不能晚于今天"


def future_error(value: datetime.date | None, today: datetime.date, label: str) -> str | None:
    if value is not None and value > today:
        return f"{label}{FUTURE}"
    return None


def check_delivery_dates(
    delivered_on: datetime.date | None,
    accepted_on: datetime.date | None,
    today: datetime.date,
    *,
    surveyed_on: datetime.date | None = None,
) -> dict[str, str]:
    """`surveyed_on`: the delivery's first survey, which the acceptance may not follow."""
    errors: dict[str, str] = {}
    if problem := future_error(delivered_on, today, "交付日期"):
        errors["delivered_on"] = problem
    if surveyed_on is not None and (accepted_on is None or accepted_on > surveyed_on):
        errors["accepted_on"] = (
            f"该交付已于 {surveyed_on:%Y-%m-%d} 做过满意度调查,验收日期不能晚于它"
        )
        return errors
    if accepted_on is None:
        return errors
    if delivered_on is None:
        errors["accepted_on"] = "请先填写交付日期,再登记验收"
    elif accepted_on < delivered_on:
        errors["accepted_on"] = "验收日期不能早于交付日期"
    elif problem := future_error(accepted_on, today, "验收日期"):
        errors["accepted_on"] = problem
    return errors


def check_survey_dates(
    surveyed_on: datetime.date | None,
    accepted_on: datetime.date | None,
    has_delivery: bool,
    today: datetime.date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if problem := future_error(surveyed_on, today, "调查日期"):
        errors["surveyed_on"] = problem
    if has_delivery and accepted_on is None:
        errors["delivery"] = "该交付尚未验收,满意度调查须在验收之后进行"
    elif surveyed_on is not None and accepted_on is not None and surveyed_on < accepted_on:
        errors["surveyed_on"] = "调查日期不能早于交付的验收日期"
    return errors


def check_answer_date(
    answered_on: datetime.date, started_on: datetime.date, today: datetime.date, label: str
) -> str | None:
    """A resolution, a plan or a closing date: not before the thing it answers, not ahead."""
    if answered_on < started_on:
        return f"{label}不能早于{started_on:%Y-%m-%d}"
    return future_error(answered_on, today, label)


def has_suggestions(text: str) -> bool:
    return not is_filler(text or "")


def in_core_pool(overall: int | None) -> bool:
    return overall is not None and overall >= CORE_POOL_THRESHOLD


# --- referrals ----------------------------------------------------------------------------------

REFERRAL_ORDER = ("pending", "approved", "paid")


def referral_step_error(current: str, target: str) -> str | None:
    """None when `current` → `target` is the next step of pending → approved → paid."""
    if current == "paid":
        return "奖励已发放,转介绍不能再变更"
    if target == "paid" and current != "approved":
        return "须先审批通过,才能发放奖励"
    if target == "approved" and current != "pending":
        return "该转介绍已审批"
    return None


# --- tags ---------------------------------------------------------------------------------------


def normalise_tags(values: Iterable[str]) -> tuple[list[str], str | None]:
    """Trimmed, de-duplicated tags in the order given, or an error for the `tags` field."""
    tags: list[str] = []
    for raw in values:
        tag = " ".join(str(raw).split())
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH or "|" in tag:
            return tags, f"标签「{tag[:MAX_TAG_LENGTH]}」无效:最多 {MAX_TAG_LENGTH} 个字,不含 |"
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        return tags, f"标签最多 {MAX_TAGS} 个"
    return tags, None


def tag_index(tags: Iterable[str]) -> str:
    joined = "|".join(tags)
    return f"|{joined}|" if joined else ""


# --- quarters -----------------------------------------------------------------------------------


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, 3 * quarter - 2, 1)
    if quarter == 4:
        return first, datetime.date(year, 12, 31)
    return first, datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}年第{quarter}季度"


def visit_description(year: int, quarter: int) -> str:
    return f"核心客户深度回访({quarter_label(year, quarter)}):了解业务变化与新增需求"
