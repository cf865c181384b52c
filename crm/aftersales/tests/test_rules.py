"""The pure after-sales rules: dates, the core-pool threshold, referral steps, tags, quarters."""

from __future__ import annotations

import datetime

import pytest

from crm.aftersales import rules

d = datetime.date
Day = datetime.date | None
TODAY = d(2026, 10, 12)


@pytest.mark.parametrize(
    ("delivered", "accepted", "surveyed", "expected"),
    [
        (None, None, None, {}),
        (d(2026, 9, 30), None, None, {}),
        (d(2026, 9, 30), d(2026, 9, 30), None, {}),
        (d(2026, 10, 13), None, None, {"delivered_on": "交付日期不能晚于今天"}),
        (None, d(2026, 10, 9), None, {"accepted_on": "请先填写交付日期,再登记验收"}),
        (d(2026, 10, 9), d(2026, 10, 8), None, {"accepted_on": "验收日期不能早于交付日期"}),
        (d(2026, 10, 9), d(2026, 10, 13), None, {"accepted_on": "验收日期不能晚于今天"}),
        (d(2026, 9, 30), d(2026, 10, 9), d(2026, 10, 9), {}),
        (
            d(2026, 9, 30),
            d(2026, 10, 10),
            d(2026, 10, 9),
            {"accepted_on": "该交付已于 2026-10-09 做过满意度调查,验收日期不能晚于它"},
        ),
        (
            d(2026, 9, 30),
            None,
            d(2026, 10, 9),
            {"accepted_on": "该交付已于 2026-10-09 做过满意度调查,验收日期不能晚于它"},
        ),
    ],
    ids=str,
)
def test_delivery_dates(
    delivered: Day, accepted: Day, surveyed: Day, expected: dict[str, str]
) -> None:
    assert rules.check_delivery_dates(delivered, accepted, TODAY, surveyed_on=surveyed) == expected


@pytest.mark.parametrize(
    ("surveyed", "accepted", "has_delivery", "expected"),
    [
        (d(2026, 10, 12), None, False, {}),
        (d(2026, 10, 12), d(2026, 10, 9), True, {}),
        (d(2026, 10, 9), d(2026, 10, 9), True, {}),
        (d(2026, 10, 8), d(2026, 10, 9), True, {"surveyed_on": "调查日期不能早于交付的验收日期"}),
        (d(2026, 10, 12), None, True, {"delivery": "该交付尚未验收,满意度调查须在验收之后进行"}),
        (d(2026, 10, 13), None, False, {"surveyed_on": "调查日期不能晚于今天"}),
    ],
    ids=str,
)
def test_survey_dates(
    surveyed: Day, accepted: Day, has_delivery: bool, expected: dict[str, str]
) -> None:
    assert rules.check_survey_dates(surveyed, accepted, has_delivery, TODAY) == expected


def test_an_answer_is_not_before_what_it_answers_nor_ahead_of_today() -> None:
    start = d(2026, 10, 9)
    assert [
        rules.check_answer_date(d(2026, 10, 8), start, TODAY, "解决日期"),
        rules.check_answer_date(d(2026, 10, 9), start, TODAY, "解决日期"),
        rules.check_answer_date(d(2026, 10, 12), start, TODAY, "解决日期"),
        rules.check_answer_date(d(2026, 10, 13), start, TODAY, "解决日期"),
    ] == ["解决日期不能早于2026-10-09", None, None, "解决日期不能晚于今天"]


@pytest.mark.parametrize(
    ("overall", "expected"), [(None, False), (0, False), (89, False), (90, True), (100, True)]
)
def test_the_core_pool_starts_at_90(overall: int | None, expected: bool) -> None:
    assert rules.in_core_pool(overall) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", False), ("无", False), ("暂无", False), ("无。", False), ("增加月度运维报告", True)],
)
def test_filler_is_no_suggestion(text: str, expected: bool) -> None:
    assert rules.has_suggestions(text) is expected


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        ("pending", "approved", None),
        ("approved", "paid", None),
        ("pending", "paid", "须先审批通过,才能发放奖励"),
        ("approved", "approved", "该转介绍已审批"),
        ("paid", "paid", "奖励已发放,转介绍不能再变更"),
        ("paid", "approved", "奖励已发放,转介绍不能再变更"),
    ],
)
def test_referrals_move_pending_approved_paid_one_step_at_a_time(
    current: str, target: str, expected: str | None
) -> None:
    assert rules.referral_step_error(current, target) == expected


def test_tags_are_trimmed_and_deduplicated_in_order() -> None:
    assert rules.normalise_tags([" 华东 ", "制造业", "华东", "", "价格  战"]) == (
        ["华东", "制造业", "价格 战"],
        None,
    )
    assert rules.tag_index(["华东", "制造业"]) == "|华东|制造业|"
    assert rules.tag_index([]) == ""


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        (["超" * 21], f"标签「{'超' * 20}」无效:最多 20 个字,不含 |"),
        (["a|b"], "标签「a|b」无效:最多 20 个字,不含 |"),
        ([f"标签{i}" for i in range(11)], "标签最多 10 个"),
    ],
    ids=["too long", "pipe", "too many"],
)
def test_bad_tags_are_refused(tags: list[str], error: str) -> None:
    assert rules.normalise_tags(tags)[1] == error


@pytest.mark.parametrize(
    ("day", "quarter", "bounds"),
    [
        (d(2026, 1, 1), (2026, 1), (d(2026, 1, 1), d(2026, 3, 31))),
        (d(2026, 6, 30), (2026, 2), (d(2026, 4, 1), d(2026, 6, 30))),
        (d(2026, 9, 30), (2026, 3), (d(2026, 7, 1), d(2026, 9, 30))),
        (d(2026, 10, 12), (2026, 4), (d(2026, 10, 1), d(2026, 12, 31))),
    ],
)
def test_quarters(
    day: datetime.date, quarter: tuple[int, int], bounds: tuple[datetime.date, datetime.date]
) -> None:
    assert rules.quarter_of(day) == quarter
    assert rules.quarter_bounds(*quarter) == bounds


def test_the_visit_to_do_names_its_quarter() -> None:
    assert rules.visit_description(2026, 4) == (
        "核心客户深度回访(2026年第4季度):了解业务变化与新增需求"
    )
