"""Pinyin search keys (full spelling and initials) for Chinese names.

Heteronyms in ordinary words and place names (重庆, 长沙, 银行) are read through pypinyin's
phrase dictionary; a person's surname is read from `SURNAME_READINGS` instead.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from pypinyin import Style
from pypinyin.constants import RE_HANS
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin

# Surnames whose reading differs from the character's everyday reading, or that pypinyin
# may misread in a name. Values are the syllables of the surname.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    # compound surnames (matched before single characters)
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "令狐": ("ling", "hu"),
    "宇文": ("yu", "wen"),
    "司马": ("si", "ma"),
    "欧阳": ("ou", "yang"),
    "上官": ("shang", "guan"),
    "诸葛": ("zhu", "ge"),
    "皇甫": ("huang", "fu"),
    "东方": ("dong", "fang"),
    "夏侯": ("xia", "hou"),
    "单于": ("chan", "yu"),
    # single-character surnames
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "区": ("ou",),
    "盖": ("ge",),
    "乐": ("yue",),
    "覃": ("qin",),
    "翟": ("zhai",),
    "缪": ("miao",),
    "繁": ("po",),
    "燕": ("yan",),
    "召": ("shao",),
    "隗": ("wei",),
    "员": ("yun",),
    "沈": ("shen",),
    "秘": ("bi",),
    "种": ("chong",),
    "华": ("hua",),
    "任": ("ren",),
    "纪": ("ji",),
    "洗": ("xian",),
    "冼": ("xian",),
    "折": ("she",),
    "重": ("chong",),
    "祭": ("zhai",),
    "能": ("nai",),
    "句": ("gou",),
    "那": ("na",),
    "粘": ("nian",),
    "汤": ("tang",),
    "薄": ("bo",),
    "蕃": ("pi",),
    "牟": ("mou",),
    "阚": ("kan",),
    "逄": ("pang",),
    "柏": ("bai",),
    "莘": ("shen",),
    "过": ("guo",),
    "角": ("jue",),
    "卜": ("bu",),
    "藏": ("zang",),
    "朝": ("chao",),
    "车": ("che",),
    "都": ("du",),
    "宿": ("su",),
    "相": ("xiang",),
    "佘": ("she",),
    "郝": ("hao",),
}

# Marks a run of non-Chinese text in pypinyin's output; never part of a pinyin syllable.
_FOREIGN = "\x00"
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_LETTERS_ONLY = re.compile(r"[A-Za-z]+")

# A unit is (full spelling, initials): a syllable gives its first letter, a non-Chinese run
# gives itself.
type _Unit = tuple[str, str]


def _mark_foreign(chars: str) -> str:
    return _FOREIGN + chars


def _foreign_unit(chars: str) -> _Unit | None:
    cleaned = _NOT_ALNUM.sub("", chars.lower())
    return (cleaned, cleaned) if cleaned else None


# Legal-form endings that most enterprise names share: read once, and the rest of the name on
# its own (no phrase spans the boundary), which halves the work of reading a name.
ORG_ENDINGS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司")


def _units(text: str) -> list[_Unit]:
    for ending in ORG_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending):
            return _read(text[: -len(ending)]) + _read(ending)
    return _read(text)


def _read(text: str) -> list[_Unit]:
    """Read text into units with pypinyin's phrase-aware readings."""
    if len(text) <= 6:  # people's names and name parts repeat: remember them
        return list(_read_short(text))
    return _read_text(text)


@functools.lru_cache(maxsize=65536)
def _read_short(text: str) -> tuple[_Unit, ...]:
    return tuple(_read_text(text))


class _WordCache(DefaultConverter):
    """pypinyin's converter, remembering the reading of each segmented word.

    After segmentation the same words come back again and again (cities, brands, 有限公司,
    given names); converting one costs a phrase lookup, a deep copy and a style conversion per
    syllable. Only Chinese runs in the NORMAL style are remembered; the reading depends only
    on the word and the arguments, since the app never loads custom dictionaries. The output
    is identical to `lazy_pinyin`'s.
    """

    def convert(
        self,
        words: str,
        style: Style,
        heteronym: bool,
        errors: Callable[[str], str] | str,
        strict: bool = True,
        **kwargs: Any,
    ) -> list[list[str]]:
        if heteronym or style is not Style.NORMAL or not RE_HANS.match(words):
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        return [list(item) for item in self._chinese(words, errors, strict)]

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one module-level instance, never freed
    def _chinese(
        self, words: str, errors: Callable[[str], str] | str, strict: bool
    ) -> tuple[tuple[str, ...], ...]:
        found = super().convert(words, Style.NORMAL, False, errors, strict)
        return tuple(tuple(item) for item in found)


_PINYIN = Pinyin(_WordCache())


def _read_text(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    for item in _PINYIN.lazy_pinyin(text, style=Style.NORMAL, errors=_mark_foreign):
        if item.startswith(_FOREIGN):
            unit = _foreign_unit(item[1:])
        else:
            syllable = _NOT_ALNUM.sub("", item.lower())
            unit = (syllable, syllable[:1]) if syllable else None
        if unit is not None:
            units.append(unit)
    return units


def _split_surname(name: str) -> tuple[tuple[str, ...], str]:
    """The surname's syllables from the table (two characters first) and the rest."""
    for length in (2, 1):
        syllables = SURNAME_READINGS.get(name[:length])
        if syllables is not None:
            return syllables, name[length:]
    return (), name


def _person_units(name: str) -> list[_Unit]:
    syllables, rest = _split_surname(name)
    return [(s, s[0]) for s in syllables] + _units(rest)


def pinyin_keys(text: str, *, person: bool = False) -> tuple[str, str]:
    """(full, initials) pinyin keys: lower-case ASCII letters and digits, no separators."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    units = _person_units(folded) if person else _units(folded)
    return "".join(full for full, _ in units), "".join(initials for _, initials in units)


def matches_pinyin_query(query: str) -> bool:
    """True when the query (trimmed) is one or more ASCII letters and nothing else."""
    return _LETTERS_ONLY.fullmatch((query or "").strip()) is not None
