"""Validators for Chinese identifiers, phone numbers and e-mail addresses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from crm.core.validators import (
    phone_tail,
    validate_cn_landline,
    validate_cn_mobile,
    validate_cn_phone,
    validate_email_address,
    validate_resident_id,
    validate_uscc,
)


def _refusal(validator: Callable[[str], str], value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# --- 统一社会信用代码 ---


@pytest.mark.parametrize(
    "value",
    [
        "91110000600037341L",
        "91110108551385082Q",
        "91440300MA5FQ8L2CK",
        "12100000400000624D",
        "52110000500021676T",
    ],
)
def test_valid_uscc_is_accepted_unchanged(value: str) -> None:
    assert validate_uscc(value) == value


def test_uscc_is_stripped_of_spaces_and_upper_cased() -> None:
    assert validate_uscc(" 9144 0300 ma5f q8l2 ck ") == "91440300MA5FQ8L2CK"


def test_full_width_uscc_is_folded_to_half_width() -> None:
    assert validate_uscc("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


@pytest.mark.parametrize("value", ["", "91110000600037341", "91110000600037341LL"])
def test_uscc_of_wrong_length_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_uscc, value)
    assert error.messages == ["统一社会信用代码应为18位"]
    assert error.code == "invalid_length"


@pytest.mark.parametrize(
    "value",
    [
        "A1110000600037341L",  # letter in the 8-digit prefix
        "9111000060003734IL",  # I is not in the code alphabet
        "9111000060003734OL",  # neither is O
        "9111000060003734爱L",
    ],
)
def test_uscc_with_invalid_characters_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_uscc, value)
    assert error.messages == ["统一社会信用代码含有无效字符"]
    assert error.code == "invalid_characters"


def test_uscc_with_wrong_check_digit_is_refused_in_chinese() -> None:
    error = _refusal(validate_uscc, "911100006000373410")
    assert error.messages == ["统一社会信用代码校验位不正确"]
    assert error.code == "invalid_checksum"


# --- 居民身份证号码 ---


@pytest.mark.parametrize("value", ["11010519491231002X", "360426199101010071"])
def test_valid_resident_id_is_accepted_unchanged(value: str) -> None:
    assert validate_resident_id(value) == value


def test_resident_id_check_letter_x_is_upper_cased() -> None:
    assert validate_resident_id(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("value", ["", "110105491231002", "11010519491231002X1"])
def test_resident_id_of_wrong_length_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_resident_id, value)
    assert error.messages == ["身份证号码应为18位"]
    assert error.code == "invalid_length"


@pytest.mark.parametrize(
    "value", ["11010519491231002Y", "1101051949123100X2", "11010519491231A02X"]
)
def test_resident_id_with_invalid_characters_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_resident_id, value)
    assert error.messages == ["身份证号码含有无效字符"]


@pytest.mark.parametrize(
    "value",
    [
        "11010519900230001X",  # 30 February (check digit correct)
        "110105209901010012",  # born in 2099
        "110105189901010017",  # born before 1900
    ],
)
def test_resident_id_with_impossible_birth_date_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_resident_id, value)
    assert error.messages == ["身份证号码中的出生日期无效"]
    assert error.code == "invalid_birth_date"


def test_resident_id_with_unknown_province_is_refused_in_chinese() -> None:
    error = _refusal(validate_resident_id, "990105199001010014")
    assert error.messages == ["身份证号码中的地区代码无效"]
    assert error.code == "invalid_region"


def test_resident_id_with_wrong_check_digit_is_refused_in_chinese() -> None:
    error = _refusal(validate_resident_id, "110105194912310021")
    assert error.messages == ["身份证号码校验位不正确"]
    assert error.code == "invalid_checksum"


# --- mobile ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_mobile_is_normalised_to_its_eleven_digits(value: str, expected: str) -> None:
    assert validate_cn_mobile(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "+8513812345678",
        "010-12345678",
    ],
)
def test_malformed_mobile_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_cn_mobile, value)
    assert error.messages == ["手机号码格式不正确,应为11位数字,以1开头"]
    assert error.code == "invalid"


# --- landline ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("010-12345678", "010-12345678"),
        ("0755-1234567", "0755-1234567"),
        ("0755-12345678", "0755-12345678"),
        ("(021)12345678", "021-12345678"),
        ("（021）12345678", "021-12345678"),
        ("02112345678", "021-12345678"),
        ("07551234567", "0755-1234567"),
        ("010 1234 5678", "010-12345678"),
        ("010-1234-5678", "010-12345678"),
        ("+86 10 12345678", "010-12345678"),
        ("0086-755-12345678", "0755-12345678"),
    ],
)
def test_landline_is_normalised_to_area_dash_number(value: str, expected: str) -> None:
    assert validate_cn_landline(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("010-12345678-123", "010-12345678-123"),
        ("010-12345678转123", "010-12345678-123"),
        ("0755-1234567 转 8", "0755-1234567-8"),
        ("0755-1234567-89", "0755-1234567-89"),
    ],
)
def test_landline_extension_is_kept_after_a_dash(value: str, expected: str) -> None:
    assert validate_cn_landline(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("400-123-4567", "400-123-4567"),
        ("4001234567", "400-123-4567"),
        ("400 123 4567", "400-123-4567"),
        ("800-123-4567", "800-123-4567"),
        ("400-123-4567转8", "400-123-4567-8"),
    ],
)
def test_national_service_number_is_normalised_in_three_groups(value: str, expected: str) -> None:
    assert validate_cn_landline(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345678",  # no area code
        "1012345678",  # area code without its leading 0
        "010-1234567",  # Beijing numbers have 8 digits
        "0755-123456",  # too short
        "0571-123456789",  # too long
        "011-12345678",  # no such area code
        "13812345678",  # a mobile
        "500-123-4567",
    ],
)
def test_malformed_landline_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_cn_landline, value)
    assert error.messages == ["座机号码格式不正确,例如 010-12345678 或 0755-1234567"]
    assert error.code == "invalid"


# --- any phone ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("(010)12345678", "010-12345678"),
        ("4001234567", "400-123-4567"),
    ],
)
def test_phone_accepts_a_mobile_or_a_landline(value: str, expected: str) -> None:
    assert validate_cn_phone(value) == expected


@pytest.mark.parametrize("value", ["", "12345", "1381234567", "电话"])
def test_malformed_phone_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_cn_phone, value)
    assert error.messages == ["电话号码格式不正确,请填写11位手机号或带区号的座机号"]
    assert error.code == "invalid"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "5678"),
        ("010-1234-5678", "5678"),
        ("+86 138 1234 5678", "5678"),
        ("1234", "1234"),
        ("123", ""),
        ("", ""),
    ],
)
def test_phone_tail_is_the_last_four_digits(value: str, expected: str) -> None:
    assert phone_tail(value) == expected


# --- e-mail ---


def test_email_is_trimmed_with_its_domain_lower_cased() -> None:
    assert validate_email_address(" ZhangSan@Example.COM ") == "ZhangSan@example.com"


@pytest.mark.parametrize(
    "value", ["", "zhangsan", "zhangsan@", "@example.com", "a@@example.com", "a@b"]
)
def test_malformed_email_is_refused_in_chinese(value: str) -> None:
    error = _refusal(validate_email_address, value)
    assert error.messages == ["邮箱地址格式不正确"]
    assert error.code == "invalid"
