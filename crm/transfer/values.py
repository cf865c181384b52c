"""Cell values as people type them in Chinese spreadsheets, parsed into Python values.

Every parser takes what a reader gives (a calamine-typed workbook cell or a CSV string) and
answers `None` for an empty cell ("" for text). A value it cannot read raises `ValueError` with
a short Chinese message naming that value; the importer shows it as the row's reason.

Text is NFKC-normalised (full-width letters, digits and spaces become half-width) except the
full-width punctuation of Chinese prose (，：；！？（）～…), which stays as typed. Parsers
normalise fully for themselves, so "１０：３０" is still a time.

A date without a time, read as a date-time, is that date at 00:00.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db.models import TextChoices
from django.utils import translation

from crm.transfer import cells

# Full-width punctuation of Chinese prose that NFKC would turn into ASCII: kept as typed.
KEPT_PUNCTUATION = "，：；！？（）～…"
_KEPT = re.compile(f"([{KEPT_PUNCTUATION}])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_WHITESPACE = re.compile(r"\s+")

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 61 = 1900-03-01 (after the 1900-02-29 bug)
MAX_SERIAL = 2_958_465  # 9999-12-31
MAX_AMOUNT_DIGITS = 14
CENT = Decimal("0.01")


# -- text -----------------------------------------------------------------------------------


def clean_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates in ISO form, NFKC, stripped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return _display(value)
    text = cells.restore(value).translate(_INVISIBLE)
    parts = _KEPT.split(text)  # odd indexes: the kept punctuation
    text = "".join(
        part if index % 2 else unicodedata.normalize("NFKC", part)
        for index, part in enumerate(parts)
    )
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def clean_line(value: Any) -> str:
    """`clean_text` on one line: every run of whitespace (newlines too) becomes one space."""
    return _WHITESPACE.sub(" ", clean_text(value))


def _display(value: Any) -> str:
    """A non-text cell as the spreadsheet shows it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    return unicodedata.normalize("NFKC", str(value)).strip()


def _plain(value: Any) -> str:
    """Text for parsing: fully NFKC-normalised (punctuation too), stripped."""
    return unicodedata.normalize("NFKC", clean_text(value)).strip()


# -- dates and times ------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<year>\d{4})\s*(?P<sep>[-/.年])\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})"
    r"\s*[日号]?"
)
_COMPACT = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
_SHORT_YEAR = re.compile(
    r"(?:\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2})(?!\d)"
)
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
_TIME = re.compile(
    r"(?P<period>上午|早上|凌晨|中午|下午|傍晚|晚上)?\s*(?P<hour>\d{1,2})"
    r"(?:(?::(?P<minute>\d{1,2}))(?::(?P<second>\d{1,2})(?:\.\d+)?)?"
    r"|[点时](?:(?P<half>半)|(?P<cn_minute>\d{1,2})分?)?)"
    r"\s*(?P<ampm>am|pm)?",
    re.IGNORECASE,
)
_AFTERNOON = {"下午", "傍晚", "晚上"}


def parse_date(value: Any) -> datetime.date | None:
    """A date: date cells, Excel serial numbers (1900 system) and the ways people write dates."""
    moment = _parse_moment(value)
    return None if moment is None else moment.date()


def parse_datetime(value: Any) -> datetime.datetime | None:
    """A naive date-time; the same inputs as `parse_date` plus a time ("10:30", "下午3点").

    A date without a time is that date at 00:00."""
    return _parse_moment(value)


def _parse_moment(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, datetime.time):
        raise ValueError(f"缺少日期: {clean_text(value)}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value), clean_text(value))
    text = _plain(value)
    if not text:
        return None
    return _parse_text_moment(text)


def _parse_text_moment(text: str) -> datetime.datetime:
    if _SERIAL.fullmatch(text):
        return _from_serial(float(text), text)
    match = _DATE.match(text) or _COMPACT.match(text)
    if match is None or (match.re is _COMPACT and text[8:9].isdigit()):
        if _SHORT_YEAR.match(text):
            raise ValueError(f"日期有歧义,请写四位年份: {text}")
        raise ValueError(f"无法识别的日期: {text}")
    try:
        day = datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise ValueError(f"日期无效: {text}") from None
    rest = text[match.end() :].strip().removeprefix("T").strip()
    return datetime.datetime.combine(day, _parse_time(rest, text) if rest else datetime.time())


def _parse_time(rest: str, text: str) -> datetime.time:
    match = _TIME.fullmatch(rest)
    if match is None:
        raise ValueError(f"无法识别的时间: {text}")
    hour = int(match["hour"])
    minute = 30 if match["half"] else int(match["minute"] or match["cn_minute"] or 0)
    second = int(match["second"] or 0)
    period, ampm = match["period"], (match["ampm"] or "").lower()
    if (period in _AFTERNOON or ampm == "pm" or (period == "中午" and hour < 11)) and hour < 12:
        hour += 12
    elif (period == "凌晨" or ampm == "am") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"时间无效: {text}")
    return datetime.time(hour, minute, second)


def _from_serial(serial: float, shown: str) -> datetime.datetime:
    """An Excel serial date: 1 = 1900-01-01; 60 is the 1900-02-29 that never was."""
    if math.isnan(serial) or not 1 <= serial < MAX_SERIAL + 1:
        raise ValueError(f"无法识别的日期: {shown}")
    days = int(serial)
    if days == 60:
        raise ValueError(f"日期无效: {shown} (1900-02-29)")
    day = EXCEL_EPOCH + datetime.timedelta(days=days if days > 60 else days + 1)
    seconds = round((serial - days) * 86400)
    return datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)


_RANGE_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?|\d{8}"
_DATE_RANGE = re.compile(
    rf"(?:自|从)?\s*(?P<start>{_RANGE_DATE})\s*(?:起?至|到|~|-|—+|–|一)\s*"
    rf"(?P<end>{_RANGE_DATE})\s*止?"
)


def parse_date_range(value: Any) -> tuple[datetime.date, datetime.date] | None:
    """A term in one cell: "2024-01-01至2024-12-31", "2024.1.1-2024.12.31",
    "2024/01/01 ~ 2024/12/31", "自2024年1月1日起至2024年12月31日止", "20240101-20241231".

    The start and the end as dates (each checked as `parse_date` checks it)."""
    shown = clean_line(value)
    if not shown:
        return None
    text = _plain(shown).replace("－", "-")
    match = _DATE_RANGE.fullmatch(text)
    if match is None:
        raise ValueError(f"无法识别的起止日期: {shown}(请写成 2024-01-01至2024-12-31)")
    start, end = parse_date(match["start"]), parse_date(match["end"])
    assert start is not None and end is not None
    return start, end


# -- numbers --------------------------------------------------------------------------------

_AMOUNT = re.compile(
    r"(?P<sign>-)?(?:¥|rmb|cny|人民币)?(?P<sign2>-)?(?P<number>\d[\d,]*(?:\.\d*)?|\.\d+)"
    r"(?P<unit>万|亿|w)?(?:元|圆|块钱|块)?(?:人民币|rmb|cny)?"
)
_UNITS = {"万": Decimal(10_000), "w": Decimal(10_000), "亿": Decimal(100_000_000)}
_INTEGER = re.compile(r"(?P<sign>[-+])?(?P<number>\d[\d,]*)(?:\.0*)?")


def parse_amount(value: Any) -> Decimal | None:
    """An amount in yuan, to the cent: 500000, "¥500,000.00", "50万", "1.2亿元"."""
    if value is None:
        return None
    shown = clean_text(value)
    if isinstance(value, bool):
        raise ValueError(f"无法识别的金额: {shown}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"无法识别的金额: {shown}")
        amount = Decimal(str(round(value, 2)))
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        if not shown:
            return None
        amount = _amount_from_text(shown)
    return _checked_amount(amount, shown)


def _amount_from_text(shown: str) -> Decimal:
    text = _WHITESPACE.sub("", _plain(shown)).lower().replace("−", "-")
    negative = text.startswith("(") and text.endswith(")")
    match = _AMOUNT.fullmatch(text[1:-1] if negative else text)
    if match is None or not _grouping_ok(match["number"]):
        raise ValueError(f"无法识别的金额: {shown}")
    amount = Decimal(match["number"].replace(",", "")) * _UNITS.get(match["unit"] or "", 1)
    negative = negative or bool(match["sign"] or match["sign2"])
    return -amount if negative else amount


def _checked_amount(amount: Decimal, shown: str) -> Decimal:
    try:
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"金额过大: {shown}") from None
    if amount < 0:
        raise ValueError(f"金额不能为负数: {shown}")
    if len(str(int(amount))) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"金额过大: {shown}")
    return abs(amount)  # no "-0.00"


def _grouping_ok(number: str) -> bool:
    """Thousands separators in threes (500,000) or, the Chinese way, in fours (50,0000)."""
    whole = number.split(".")[0]
    if "," not in whole:
        return True
    head, *groups = whole.split(",")
    return any(
        1 <= len(head) <= size and all(len(group) == size for group in groups) for size in (3, 4)
    )


def parse_int(value: Any) -> int | None:
    """A whole number: 12, 12.0, "1,000", "１２"."""
    if value is None:
        return None
    shown = clean_text(value)
    if isinstance(value, bool):
        raise ValueError(f"不是整数: {shown}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"不是整数: {shown}")
        return int(value)
    if not shown:
        return None
    match = _INTEGER.fullmatch(_WHITESPACE.sub("", _plain(shown)))
    if match is None or not _grouping_ok(match["number"]):
        raise ValueError(f"不是整数: {shown}")
    number = int(match["number"].replace(",", ""))
    return -number if match["sign"] == "-" else number


# -- yes/no, choices, lists -----------------------------------------------------------------

TRUE_WORDS = frozenset(
    {"是", "是的", "有", "对", "y", "yes", "t", "true", "1", "√", "✓", "✔", "☑", "■"}
)
FALSE_WORDS = frozenset(
    {"否", "不是", "无", "没有", "错", "n", "no", "f", "false", "0", "×", "✗", "✘", "☐", "□"}
)


def parse_bool(value: Any) -> bool | None:
    """Yes or no as people mark it: 是/否, 有/无, Y/N, 1/0, √/×, ☑/☐, Excel TRUE/FALSE."""
    if value is None or isinstance(value, bool):
        return value
    shown = clean_text(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _plain(shown).lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"无法识别的是/否: {shown}")


def choice_key(text: str) -> str:
    """How choice values compare: NFKC, lower case, no spaces ("A类 战略客户" = "a类战略客户")."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


@functools.lru_cache(maxsize=256)
def _choice_table(
    choices: type[TextChoices], synonyms: tuple[tuple[str, str], ...], language: str
) -> tuple[dict[str, str], str]:
    """choice key → code for one choices class (codes, Chinese labels, labels in the active
    language, synonyms), and the Chinese labels for the error message. Built once."""
    with translation.override(None):  # the msgids: the Chinese labels
        labels = {str(member.value): str(member.label) for member in choices}
    table: dict[str, str] = {}
    for synonym, code in synonyms:
        if code in labels:
            table[choice_key(synonym)] = code
    for member in choices:  # the label in the active language, e.g. English
        table[choice_key(str(member.label))] = str(member.value)
    for code, label in labels.items():
        table[choice_key(label)] = code
        table[choice_key(code)] = code
    return table, "、".join(labels.values())


def parse_choice(
    value: Any, choices: type[TextChoices], synonyms: Mapping[str, str] | None = None
) -> str | None:
    """The code of a choice given its code, its Chinese label (spaces optional) or a synonym."""
    shown = clean_line(value)
    if not shown:
        return None
    table, options = _choice_table(
        choices, tuple(sorted((synonyms or {}).items())), translation.get_language() or ""
    )
    code = table.get(choice_key(shown))
    if code is None:
        raise ValueError(f"“{shown}”不是有效的选项,可选: {options}")
    return code


_LIST_SEPARATORS = re.compile(r"[,，、;；|\n]+")


def split_list(value: Any) -> list[str]:
    """Tags in one cell: split on , ， 、 ; ； | and newlines; stripped, no empties, no repeats."""
    items = (item.strip() for item in _LIST_SEPARATORS.split(clean_text(value)))
    return list(dict.fromkeys(item for item in items if item))
