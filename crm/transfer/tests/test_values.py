"""Cell values as people type them: text, dates, amounts, yes/no, choices, lists."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from crm.customers.choices import Level, Stage
from crm.transfer.values import (
    clean_line,
    clean_text,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_date,
    parse_date_range,
    parse_datetime,
    parse_int,
    split_list,
)

D = datetime.date
DT = datetime.datetime

# --- text ---


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        (13800138000.0, "13800138000"),
        (12, "12"),
        (0.5, "0.5"),
        (500000.25, "500000.25"),
        (True, "TRUE"),
        (D(2023, 1, 15), "2023-01-15"),
        (DT(2023, 1, 15, 10, 30), "2023-01-15 10:30:00"),
        (datetime.time(10, 30), "10:30:00"),
        ("１３８００１３８０００", "13800138000"),
        ("ＡＢＣ科技　有限公司", "ABC科技 有限公司"),
        ("'=SUM(A1:A3)", "=SUM(A1:A3)"),
        ("'-5", "-5"),
        ("'普通文字", "'普通文字"),
        ("  第一行\r\n第二行\r第三行  ", "第一行\n第二行\n第三行"),
        ("华为\u200b技术", "华为技术"),
    ],
)
def test_clean_text_reads_a_cell_as_the_spreadsheet_shows_it(value: Any, text: str) -> None:
    assert clean_text(value) == text


def test_clean_text_keeps_the_full_width_punctuation_of_chinese_prose() -> None:
    assert clean_text("您好，我们下周拜访（周三）！可以吗？时间：上午；谢谢…") == (
        "您好，我们下周拜访（周三）！可以吗？时间：上午；谢谢…"
    )


def test_clean_line_collapses_whitespace_runs_to_one_space() -> None:
    assert clean_line("  张  三\n丰\t先生 ") == "张 三 丰 先生"


# --- dates ---


@pytest.mark.parametrize(
    "value",
    [
        D(2023, 1, 15),
        DT(2023, 1, 15, 10, 30),
        44941,
        44941.0,
        "44941",
        "2023-01-15",
        "2023/1/15",
        "2023.1.15",
        "2023年1月15日",
        "2023年1月15号",
        "2023 年 1 月 15 日",
        "20230115",
        "2023-01-15 10:30:00",
        "2023/1/15 10:30",
        "２０２３－０１－１５",
        "２０２３年１月１５日",
        " 2023-01-15T10:30 ",
    ],
)
def test_parse_date_reads_the_ways_people_write_a_date(value: Any) -> None:
    assert parse_date(value) == D(2023, 1, 15)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_date_of_an_empty_cell_is_none(value: Any) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("serial", "day"),
    [(1, D(1900, 1, 1)), (59, D(1900, 2, 28)), (61, D(1900, 3, 1)), (2958465, D(9999, 12, 31))],
)
def test_excel_serials_follow_the_1900_date_system(serial: int, day: datetime.date) -> None:
    assert parse_date(serial) == day


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-02-30", "日期无效: 2023-02-30"),
        ("2023/13/1", "日期无效: 2023/13/1"),
        (60, "日期无效: 60 (1900-02-29)"),
        ("23/1/15", "日期有歧义,请写四位年份: 23/1/15"),
        ("23-01-15", "日期有歧义,请写四位年份: 23-01-15"),
        ("1/15/23", "日期有歧义,请写四位年份: 1/15/23"),
        ("1/15/2023", "无法识别的日期: 1/15/2023"),
        ("明天", "无法识别的日期: 明天"),
        (0, "无法识别的日期: 0"),
        (2958466, "无法识别的日期: 2958466"),
        (True, "无法识别的日期: TRUE"),
        ("2023-01-15 上班", "无法识别的时间: 2023-01-15 上班"),
    ],
)
def test_parse_date_refuses_naming_the_value(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_date(value)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2023-01-15 10:30:00", DT(2023, 1, 15, 10, 30)),
        ("2023/1/15 10:30", DT(2023, 1, 15, 10, 30)),
        ("2023-01-15T10:30:45", DT(2023, 1, 15, 10, 30, 45)),
        ("２０２３/１/１５ １０：３０", DT(2023, 1, 15, 10, 30)),
        ("2023年1月15日 上午10:30", DT(2023, 1, 15, 10, 30)),
        ("2023年1月15日下午3点", DT(2023, 1, 15, 15, 0)),
        ("2023年1月15日 下午3点30分", DT(2023, 1, 15, 15, 30)),
        ("2023-01-15 3点半", DT(2023, 1, 15, 3, 30)),
        ("2023-01-15 3:05 PM", DT(2023, 1, 15, 15, 5)),
        (44941.4375, DT(2023, 1, 15, 10, 30)),
        ("44941.5", DT(2023, 1, 15, 12, 0)),
        (DT(2023, 1, 15, 10, 30), DT(2023, 1, 15, 10, 30)),
    ],
)
def test_parse_datetime_reads_a_time_after_the_date(value: Any, moment: datetime.datetime) -> None:
    assert parse_datetime(value) == moment


@pytest.mark.parametrize("value", ["2023-01-15", "2023年1月15日", D(2023, 1, 15), 44941])
def test_a_date_without_a_time_is_that_date_at_midnight(value: Any) -> None:
    assert parse_datetime(value) == DT(2023, 1, 15, 0, 0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-01-15 25:00", "时间无效: 2023-01-15 25:00"),
        ("2023-01-15 10:61", "时间无效: 2023-01-15 10:61"),
        (datetime.time(10, 30), "缺少日期: 10:30:00"),
    ],
)
def test_parse_datetime_refuses_an_impossible_time(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_datetime(value)
    assert str(error.value) == message


# --- a term in one cell ---


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01至2024-12-31",
        "2024.1.1-2024.12.31",
        "2024/01/01 ~ 2024/12/31",
        "2024-01-01 到 2024-12-31",
        "2024-01-01-2024-12-31",
        "2024年1月1日—2024年12月31日",
        "自2024年1月1日起至2024年12月31日止",
        "20240101-20241231",
        "２０２４．１．１－２０２４．１２．３１",
    ],
)
def test_parse_date_range_reads_a_term_as_people_write_it(value: str) -> None:
    assert parse_date_range(value) == (D(2024, 1, 1), D(2024, 12, 31))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-01-01", "无法识别的起止日期: 2024-01-01(请写成 2024-01-01至2024-12-31)"),
        ("一年", "无法识别的起止日期: 一年(请写成 2024-01-01至2024-12-31)"),
        ("24.1.1-24.12.31", "无法识别的起止日期: 24.1.1-24.12.31(请写成 2024-01-01至2024-12-31)"),
        ("2024-02-30至2024-12-31", "日期无效: 2024-02-30"),
    ],
)
def test_parse_date_range_refuses_naming_the_value(value: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_date_range(value)
    assert str(error.value) == message


def test_parse_date_range_of_an_empty_cell_is_none() -> None:
    assert parse_date_range("  ") is None


# --- amounts ---


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (500000, "500000.00"),
        (500000.5, "500000.50"),
        (0.1 + 0.2, "0.30"),
        (Decimal("12.345"), "12.35"),
        ("500000", "500000.00"),
        ("500,000", "500000.00"),
        ("¥500,000.00", "500000.00"),
        ("￥500,000", "500000.00"),
        ("500000元", "500000.00"),
        ("500,000 元", "500000.00"),
        ("RMB 500,000", "500000.00"),
        ("50万", "500000.00"),
        ("50万元", "500000.00"),
        ("12.5万", "125000.00"),
        ("1.2亿", "120000000.00"),
        ("５０万", "500000.00"),
        ("５００，０００", "500000.00"),
        ("50,0000", "500000.00"),
        ("1,234,567.891", "1234567.89"),
        ("-0", "0.00"),
    ],
)
def test_parse_amount_reads_yuan_to_the_cent(value: Any, amount: str) -> None:
    result = parse_amount(value)
    assert result == Decimal(amount)
    assert str(result) == amount


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "金额不能为负数: -5"),
        (-5, "金额不能为负数: -5"),
        (-5.5, "金额不能为负数: -5.5"),
        ("(500)", "金额不能为负数: (500)"),
        ("五十万", "无法识别的金额: 五十万"),
        ("3.5千", "无法识别的金额: 3.5千"),
        ("1,23", "无法识别的金额: 1,23"),
        ("约50万", "无法识别的金额: 约50万"),
        (True, "无法识别的金额: TRUE"),
        ("123456789012345", "金额过大: 123456789012345"),
        ("10000000000亿", "金额过大: 10000000000亿"),
    ],
)
def test_parse_amount_refuses_naming_the_value(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_amount(value)
    assert str(error.value) == message


def test_fourteen_integer_digits_are_the_largest_amount() -> None:
    assert parse_amount("99999999999999.99") == Decimal("99999999999999.99")


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_amount_of_an_empty_cell_is_none(value: Any) -> None:
    assert parse_amount(value) is None


# --- yes/no, whole numbers ---


@pytest.mark.parametrize(
    "value", ["是", "有", "对", "Y", "yes", "TRUE", "true", "1", 1, 1.0, True, "√", "✓", "☑", "■"]
)
def test_parse_bool_reads_yes(value: Any) -> None:
    assert parse_bool(value) is True


@pytest.mark.parametrize(
    "value", ["否", "无", "错", "N", "no", "FALSE", "0", 0, 0.0, False, "×", "✗", "☐", "□"]
)
def test_parse_bool_reads_no(value: Any) -> None:
    assert parse_bool(value) is False


def test_parse_bool_refuses_anything_else() -> None:
    with pytest.raises(ValueError) as error:
        parse_bool("也许")
    assert str(error.value) == "无法识别的是/否: 也许"
    assert parse_bool(" ") is None


@pytest.mark.parametrize(
    ("value", "number"),
    [(12, 12), (12.0, 12), ("12", 12), ("1,000", 1000), ("１２", 12), ("-3", -3)],
)
def test_parse_int_reads_whole_numbers(value: Any, number: int) -> None:
    assert parse_int(value) == number


@pytest.mark.parametrize("value", [12.5, "12.5", "十二", "1,00"])
def test_parse_int_refuses_what_is_not_whole(value: Any) -> None:
    with pytest.raises(ValueError, match=r"^不是整数: "):
        parse_int(value)


# --- choices ---


@pytest.mark.parametrize("value", ["A", "a", "A类 战略客户", "A类战略客户", "Ａ类　战略客户"])
def test_parse_choice_matches_the_code_and_the_label(value: str) -> None:
    assert parse_choice(value, Level) == "A"


def test_parse_choice_matches_synonyms_normalised() -> None:
    synonyms = {"老 客户": "cooperating"}
    assert parse_choice("老客户", Stage, synonyms) == "cooperating"
    assert parse_choice(" 老 客 户 ", Stage, synonyms) == "cooperating"


def test_parse_choice_matches_the_chinese_label_whatever_language_is_active() -> None:
    with translation.override("en"):
        assert parse_choice("合作中", Stage) == "cooperating"


def test_parse_choice_refuses_listing_the_labels() -> None:
    with pytest.raises(ValueError) as error:
        parse_choice("VIP", Stage)
    assert (
        str(error.value)
        == "“VIP”不是有效的选项,可选: 潜在客户、意向客户、合作中、沉睡客户、流失客户"
    )


def test_parse_choice_ignores_a_synonym_pointing_to_no_code() -> None:
    with pytest.raises(ValueError):
        parse_choice("老客户", Stage, {"老客户": "old"})
    assert parse_choice("", Stage) is None


# --- lists ---


def test_split_list_splits_on_chinese_and_ascii_separators() -> None:
    assert split_list("重点, VIP，老客户、重点;长期；年框|华南\n新客户") == [
        "重点",
        "VIP",
        "老客户",
        "长期",
        "年框",
        "华南",
        "新客户",
    ]


def test_split_list_keeps_spaces_and_slashes_inside_a_tag() -> None:
    assert split_list("VIP 客户、产品/服务") == ["VIP 客户", "产品/服务"]
    assert split_list(None) == []
    assert split_list(" ,， ") == []
