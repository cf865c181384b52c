"""Validators for Chinese identifiers, phone numbers and e-mail addresses.

Each validator takes the raw input and returns the normalised value, or raises
`django.core.exceptions.ValidationError` with a Chinese message and a stable code.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from stdnum.cn import ric, uscc

USCC_LENGTH_MESSAGE = "统一社会信用代码应为18位"
USCC_CHARS_MESSAGE = "统一社会信用代码含有无效字符"
USCC_CHECKSUM_MESSAGE = "统一社会信用代码校验位不正确"
RIC_LENGTH_MESSAGE = "身份证号码应为18位"
RIC_CHARS_MESSAGE = "身份证号码含有无效字符"
RIC_BIRTH_DATE_MESSAGE = "身份证号码中的出生日期无效"
RIC_REGION_MESSAGE = "身份证号码中的地区代码无效"
RIC_CHECKSUM_MESSAGE = "身份证号码校验位不正确"
MOBILE_MESSAGE = "手机号码格式不正确,应为11位数字,以1开头"
LANDLINE_MESSAGE = "座机号码格式不正确,例如 010-12345678 或 0755-1234567"
PHONE_MESSAGE = "电话号码格式不正确,请填写11位手机号或带区号的座机号"
EMAIL_MESSAGE = "邮箱地址格式不正确"

# The characters GB 32100-2015 allows after the 8-digit prefix (no I, O, S, V, Z).
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
# First two digits of a resident ID: provinces, plus 71/81/82/83 for Taiwan, Hong Kong, Macao.
_RIC_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
    "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
    "63", "64", "65", "71", "81", "82", "83",
})  # fmt: skip
_RIC_EARLIEST_BIRTH = datetime.date(1900, 1, 1)

_SEPARATORS = re.compile(r"[\s\-]")
_PHONE_PUNCTUATION = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})", re.ASCII)
_COUNTRY = r"(?:\+86|0086)-?"
_EXTENSION = r"(?:(?:-|转|分机|ext\.?|x|\#)(?P<ext>\d{1,6}))?"
# 3-digit area codes are 010 and 02X (8-digit numbers); all others have 4 digits (7 or 8).
_LANDLINE = re.compile(
    rf"(?:{_COUNTRY}0?|0)"
    r"(?:(?P<area3>10|2\d)-?(?P<local8>[1-9]\d{3}-?\d{4})"
    r"|(?P<area4>[3-9]\d{2})-?(?P<local>[1-9]\d{2,3}-?\d{4}))" + _EXTENSION,
    re.IGNORECASE | re.ASCII,
)
_SERVICE = re.compile(
    rf"(?:{_COUNTRY})?(?P<prefix>[48]00)-?(?P<a>\d{{3}})-?(?P<b>\d{{4}})" + _EXTENSION,
    re.IGNORECASE | re.ASCII,
)

_email_validator = EmailValidator(message=EMAIL_MESSAGE, code="invalid")


def _fold(value: str) -> str:
    """NFKC-fold (full-width to half-width) and trim."""
    return unicodedata.normalize("NFKC", value or "").strip()


# --- 统一社会信用代码 ---


def validate_uscc(value: str) -> str:
    """Check a 统一社会信用代码 and return it compact and upper-cased."""
    number = _SEPARATORS.sub("", _fold(value)).upper()
    if len(number) != 18:
        raise ValidationError(USCC_LENGTH_MESSAGE, code="invalid_length")
    if (
        not (number[:8].isascii() and number[:8].isdecimal())
        or not set(number[8:]) <= _USCC_ALPHABET
    ):
        raise ValidationError(USCC_CHARS_MESSAGE, code="invalid_characters")
    if number[-1] != uscc.calc_check_digit(number):
        raise ValidationError(USCC_CHECKSUM_MESSAGE, code="invalid_checksum")
    return number


# --- 居民身份证号码 ---


def _ric_birth_date_is_valid(number: str) -> bool:
    try:
        born = ric.get_birth_date(number)
    except ValueError:
        return False
    return _RIC_EARLIEST_BIRTH <= born <= datetime.date.today()


def validate_resident_id(value: str) -> str:
    """Check an 18-digit 居民身份证号码 and return it with an upper-case X."""
    number = _SEPARATORS.sub("", _fold(value)).upper()
    if len(number) != 18:
        raise ValidationError(RIC_LENGTH_MESSAGE, code="invalid_length")
    if not (number.isascii() and number[:17].isdecimal()) or not (
        number[17].isdecimal() or number[17] == "X"
    ):
        raise ValidationError(RIC_CHARS_MESSAGE, code="invalid_characters")
    if number[:2] not in _RIC_PROVINCES:
        raise ValidationError(RIC_REGION_MESSAGE, code="invalid_region")
    if not _ric_birth_date_is_valid(number):
        raise ValidationError(RIC_BIRTH_DATE_MESSAGE, code="invalid_birth_date")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(RIC_CHECKSUM_MESSAGE, code="invalid_checksum")
    return number


# --- phone numbers ---


def _match_mobile(value: str) -> str | None:
    match = _MOBILE.fullmatch(_PHONE_PUNCTUATION.sub("", _fold(value)))
    return match.group(1) if match else None


def validate_cn_mobile(value: str) -> str:
    """Check a mainland mobile number and return its 11 digits."""
    number = _match_mobile(value)
    if number is None:
        raise ValidationError(MOBILE_MESSAGE, code="invalid")
    return number


def _with_extension(number: str, match: re.Match[str]) -> str:
    return f"{number}-{match['ext']}" if match["ext"] else number


def _format_landline(match: re.Match[str]) -> str:
    area = match["area3"] or match["area4"]
    local = (match["local8"] or match["local"]).replace("-", "")
    return _with_extension(f"0{area}-{local}", match)


def _format_service(match: re.Match[str]) -> str:
    return _with_extension(f"{match['prefix']}-{match['a']}-{match['b']}", match)


def _match_landline(value: str) -> str | None:
    text = re.sub(r"[\s()]", "", _fold(value))
    if match := _LANDLINE.fullmatch(text):
        return _format_landline(match)
    if match := _SERVICE.fullmatch(text):
        return _format_service(match)
    return None


def validate_cn_landline(value: str) -> str:
    """Check a fixed-line or 400/800 number; return 'AREA-NUMBER' with '-EXT' if given."""
    number = _match_landline(value)
    if number is None:
        raise ValidationError(LANDLINE_MESSAGE, code="invalid")
    return number


def validate_cn_phone(value: str) -> str:
    """Accept a mobile or a landline number, normalised as by its own validator."""
    number = _match_mobile(value) or _match_landline(value)
    if number is None:
        raise ValidationError(PHONE_MESSAGE, code="invalid")
    return number


def phone_tail(value: str) -> str:
    """The last 4 digits of a phone string, or '' when it has fewer than 4."""
    digits = re.sub(r"\D", "", _fold(value))
    return digits[-4:] if len(digits) >= 4 else ""


# --- e-mail ---


def validate_email_address(value: str) -> str:
    """Check an e-mail address; return it trimmed with a lower-case domain."""
    text = _fold(value)
    local, at, domain = text.rpartition("@")
    address = f"{local}{at}{domain.lower()}" if at else text
    try:
        _email_validator(address)
    except ValidationError:
        raise ValidationError(EMAIL_MESSAGE, code="invalid") from None
    return address
