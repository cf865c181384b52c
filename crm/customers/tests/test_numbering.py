import datetime

import pytest
from django.core.exceptions import ValidationError

from crm.customers import numbering

DAY = datetime.date(2023, 10, 20)


@pytest.mark.parametrize(
    ("pattern", "ind", "seq", "expected"),
    [
        ("CRM-{YYYYMMDD}-{SEQ:3}", "TEC", 1, "CRM-20231020-001"),
        ("{YYYY}-{IND}-{SEQ:3}", "TEC", 1, "2023-TEC-001"),
        ("{IND}{YYYY}{SEQ:3}", "TEC", 1, "TEC2023001"),
        ("{IND}{YYYY}{SEQ:3}", "", 12, "GEN2023012"),
        ("{YYYY}-{IND}-{SEQ:3}", "tec", 1000, "2023-TEC-1000"),
    ],
)
def test_the_three_seed_formats_render(pattern: str, ind: str, seq: int, expected: str) -> None:
    assert numbering.render(pattern, today=DAY, ind=ind, seq=seq) == expected


def test_daily_pattern_counts_per_day_and_industry_pattern_per_industry() -> None:
    daily = "CRM-{YYYYMMDD}-{SEQ:3}"
    assert numbering.sequence_key(daily, today=DAY, ind="TEC") == "CRM-20231020-{SEQ}"
    assert numbering.sequence_key(daily, today=DAY, ind="MFG") == "CRM-20231020-{SEQ}"
    per_industry = "{YYYY}-{IND}-{SEQ:3}"
    assert numbering.sequence_key(per_industry, today=DAY, ind="TEC") == "2023-TEC-{SEQ}"
    assert numbering.sequence_key(per_industry, today=DAY, ind="MFG") == "2023-MFG-{SEQ}"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("CRM-{YYYYMMDD}", "编号规则必须且只能包含一个 {SEQ:n} 序号占位符"),
        ("{SEQ:3}-{SEQ:3}", "编号规则必须且只能包含一个 {SEQ:n} 序号占位符"),
        ("{YYMM}-{SEQ:3}", "编号规则含有未知占位符: YYMM"),
        ("CRM-{SEQ}", "序号位数应为 1-9,例如 {SEQ:3}"),
        ("CRM-{SEQ:0}", "序号位数应为 1-9,例如 {SEQ:3}"),
        ("客户{SEQ:3}", "编号规则的固定部分只能使用字母、数字和 - _ / ."),
        ("X" * 55 + "{SEQ:9}", "编号规则生成的编号过长(最多 60 个字符)"),
    ],
)
def test_invalid_patterns_are_refused_in_chinese(pattern: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        numbering.validate_pattern(pattern)
    assert exc.value.messages == [message]


def test_presets_are_valid() -> None:
    for pattern in numbering.PRESETS:
        assert numbering.validate_pattern(pattern) == pattern
