"""Pure customer rules."""

from __future__ import annotations

import pytest

from crm.customers.rules import (
    mask_customer_name,
    mask_email,
    mask_mobile,
    mask_person_name,
    mask_tail,
    normalise_name,
)

# --- names and masking ---


@pytest.mark.parametrize(
    "name",
    [
        "深圳市腾飞科技有限公司",
        "深圳市腾飞科技股份有限公司",
        " 深圳市 腾飞科技 有限责任公司 ",
        "深圳市腾飞科技(中国)有限公司",
        "深圳市腾飞科技（中国）有限公司",
        "深圳市腾飞科技公司",
        "深圳市腾飞科技股份公司",
        "深圳市腾飞科技",
    ],
)
def test_name_variants_of_one_enterprise_share_a_key(name: str) -> None:
    assert normalise_name(name) == "深圳市腾飞科技"


def test_full_width_latin_letters_fold_to_lower_case_ascii() -> None:
    assert normalise_name("ＡＢＣ科技有限公司") == normalise_name("abc科技公司") == "abc科技"


@pytest.mark.parametrize(
    "name", ["腾飞·科技-有限公司", "腾飞.科技_有限公司", "腾飞・科技,有限公司"]
)
def test_punctuation_differences_fold(name: str) -> None:
    assert normalise_name(name) == "腾飞科技"


@pytest.mark.parametrize(
    "name",
    [
        "某某投资中心(有限合伙)",
        "某某投资中心（有限合伙）",
        "某某投资中心有限合伙",
        "某某投资中心（普通合伙）",
        "某某投资中心合伙企业",
        "某某投资中心个人独资企业",
    ],
)
def test_partnership_and_sole_proprietorship_forms_are_stripped(name: str) -> None:
    assert normalise_name(name) == "某某投资中心"


def test_china_is_kept_when_not_in_brackets() -> None:
    assert normalise_name("中国银行股份有限公司") == "中国银行"


@pytest.mark.parametrize(("name", "key"), [("某某集团有限公司", "某某集团"), ("某某厂", "某某厂")])
def test_group_and_factory_are_not_legal_forms(name: str, key: str) -> None:
    assert normalise_name(name) == key


def test_name_that_is_only_a_legal_form_is_kept_whole() -> None:
    assert normalise_name("有限公司") == "有限公司"


def test_branch_keeps_its_branch_suffix_and_drops_the_parents_legal_form() -> None:
    assert normalise_name("某某科技有限公司北京分公司") == "某某科技北京分公司"


def test_branch_written_with_brackets_gets_the_same_key() -> None:
    assert normalise_name("某某科技有限公司（北京分公司）") == "某某科技北京分公司"


def test_branch_key_differs_from_its_headquarters() -> None:
    assert normalise_name("深圳市某某科技有限公司北京分公司") != normalise_name(
        "深圳市某某科技有限公司"
    )


def test_two_branches_of_one_company_have_different_keys() -> None:
    assert normalise_name("某某科技有限公司北京分公司") != normalise_name(
        "某某科技有限公司上海分公司"
    )


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("010-12345678", "010****5678"),
        ("0755-12345678", "075*****5678"),
        ("400-123-4567", "400****4567"),
        ("1234567", "****567"),
        ("", ""),
    ],
)
def test_phone_number_is_masked_between_first_three_and_last_four_digits(
    value: str, masked: str
) -> None:
    assert mask_mobile(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("zhangsan@example.com", "zh****@example.com"),
        ("ab@example.com", "a****@example.com"),
        ("a@example.com", "a****@example.com"),
        ("", ""),
    ],
)
def test_email_keeps_the_start_of_the_local_part_and_the_domain(value: str, masked: str) -> None:
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*"),
        ("张三", "张*"),
        ("欧阳修", "欧阳*"),
        ("司马相如", "司马*"),
        ("Tom", "T*"),
        ("", ""),
    ],
)
def test_person_name_keeps_only_the_surname(name: str, masked: str) -> None:
    assert mask_person_name(name) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("深圳市某某科技有限公司", "深圳市某某科…"),
        ("某某科技", "某某…"),
        ("腾飞", "腾…"),
        ("腾", "…"),
        ("深圳市某某某某科技股份有限公司北京分公司", "深圳市某某某某科…"),
        ("", ""),
    ],
)
def test_customer_name_hint_shows_at_most_half_and_eight_characters(name: str, masked: str) -> None:
    assert mask_customer_name(name) == masked


@pytest.mark.parametrize(
    ("value", "keep", "masked"),
    [
        ("6222021234567890123", 4, "***************0123"),
        ("11010519491231002X", 4, "**************002X"),
        ("11010519491231002X", 6, "************31002X"),
        ("123", 4, "123"),
        ("12345", 0, "*****"),
        ("", 4, ""),
    ],
)
def test_tail_mask_keeps_only_the_last_characters(value: str, keep: int, masked: str) -> None:
    assert mask_tail(value, keep) == masked
