"""Pure rules of record cards and to-dos, as tables."""

from __future__ import annotations

import datetime

import pytest

from crm.records import rules

T0 = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("filed_after", "late"),
    [
        (datetime.timedelta(0), False),
        (datetime.timedelta(hours=23, minutes=59), False),
        (datetime.timedelta(hours=24), False),
        (datetime.timedelta(hours=24, minutes=1), True),
        (datetime.timedelta(days=3), True),
    ],
)
def test_a_card_is_late_only_when_filed_more_than_24_hours_after(filed_after, late):
    assert rules.is_late(T0, T0 + filed_after) is late


@pytest.mark.parametrize(
    ("text", "filler"),
    [
        ("", True),
        ("   ", True),
        ("正常沟通", True),
        ("正常沟通。", True),
        ("无", True),
        ("正常沟通,无特殊反馈", True),
        ("OK", True),
        ("客户反馈系统操作复杂,希望简化流程", False),
        ("1.询问新功能上线时间;2.提出增加服务的需求", False),
        ("正常沟通,客户提出下季度采购预算需降低15%", False),
    ],
)
def test_vague_content_is_filler(text, filler):
    assert rules.is_filler(text) is filler


@pytest.mark.parametrize(
    ("text", "filler"),
    [("已完成", True), ("完成。", True), ("done", True), ("已提供报价单,客户已确认", False)],
)
def test_a_result_must_say_what_was_done(text, filler):
    assert rules.is_filler_result(text) is filler


@pytest.mark.parametrize(
    ("offset", "backfill", "error"),
    [
        (datetime.timedelta(0), False, None),
        (datetime.timedelta(minutes=5), False, None),
        (datetime.timedelta(minutes=6), False, "维护时间不能晚于当前时间"),
        (-datetime.timedelta(days=90), False, None),
        (
            -datetime.timedelta(days=91),
            False,
            "维护时间不能早于 90 天前;更早的历史记录请通过导入补录",
        ),
        (-datetime.timedelta(days=400), True, None),
    ],
)
def test_interaction_time_window(offset, backfill, error):
    assert rules.occurred_at_error(T0 + offset, T0, backfill=backfill) == error


@pytest.mark.parametrize(
    ("role", "is_admin", "sees_sales"),
    [
        ("sales", False, True),
        ("sales_manager", False, True),
        ("customer_success", False, True),
        ("service", False, False),
        ("admin", True, True),
    ],
)
def test_service_staff_see_service_records_only(role, is_admin, sees_sales):
    assert rules.sees_sales_records(role, is_admin) is sees_sales


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        ("open", datetime.date(2026, 3, 1), True),
        ("open", datetime.date(2026, 3, 2), False),
        ("done", datetime.date(2026, 3, 1), False),
        ("cancelled", datetime.date(2026, 3, 1), False),
    ],
)
def test_only_open_to_dos_past_their_due_date_are_overdue(status, due, overdue):
    assert rules.is_overdue(status, due, datetime.date(2026, 3, 2)) is overdue
