"""Pinyin search keys for names."""

from __future__ import annotations

import pytest

from crm.core import pinyin
from crm.core.pinyin import SURNAME_READINGS, matches_pinyin_query, pinyin_keys


def test_company_name_gives_full_spelling_and_initials() -> None:
    assert pinyin_keys("深圳科技有限公司") == ("shenzhenkejiyouxiangongsi", "szkjyxgs")


def test_latin_letters_are_kept_lower_cased_as_one_unit() -> None:
    assert pinyin_keys("ABC科技") == ("abckeji", "abckj")


def test_digits_are_kept_in_both_keys() -> None:
    assert pinyin_keys("58同城") == ("58tongcheng", "58tc")


def test_punctuation_and_spaces_are_dropped() -> None:
    assert pinyin_keys("ABC, 科技 (x1)!") == ("abckejix1", "abckjx1")


def test_full_width_letters_are_folded_to_ascii() -> None:
    assert pinyin_keys("ＡＢＣ科技") == ("abckeji", "abckj")


@pytest.mark.parametrize("text", ["", "   ", "·—、"])
def test_text_without_letters_gives_empty_keys(text: str) -> None:
    assert pinyin_keys(text) == ("", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("重庆", ("chongqing", "cq")),
        ("长沙", ("changsha", "cs")),
        ("银行", ("yinhang", "yh")),
        ("中国银行重庆分行", ("zhongguoyinhangchongqingfenhang", "zgyhcqfh")),
    ],
)
def test_heteronyms_in_words_and_place_names_read_by_phrase(
    text: str, expected: tuple[str, str]
) -> None:
    assert pinyin_keys(text) == expected


def test_ordinary_text_uses_the_everyday_reading_of_a_surname_character() -> None:
    assert pinyin_keys("单位") == ("danwei", "dw")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("单田芳", ("shantianfang", "stf")),
        ("曾国藩", ("zengguofan", "zgf")),
        ("解缙", ("xiejin", "xj")),
        ("仇英", ("qiuying", "qy")),
        ("朴槿惠", ("piaojinhui", "pjh")),
        ("区", ("ou", "o")),
    ],
)
def test_person_surname_is_read_with_its_surname_reading(
    name: str, expected: tuple[str, str]
) -> None:
    assert pinyin_keys(name, person=True) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("尉迟恭", ("yuchigong", "ycg")),
        ("万俟卨", ("moqixie", "mqx")),
        ("单于夫", ("chanyufu", "cyf")),
        ("长孙无忌", ("zhangsunwuji", "zswj")),
    ],
)
def test_compound_surname_is_matched_before_a_single_character(
    name: str, expected: tuple[str, str]
) -> None:
    assert pinyin_keys(name, person=True) == expected


def test_person_without_a_special_surname_reads_normally() -> None:
    assert pinyin_keys("张三", person=True) == ("zhangsan", "zs")


def test_person_name_is_trimmed_before_the_surname_is_looked_up() -> None:
    assert pinyin_keys("  曾国藩 ", person=True) == ("zengguofan", "zgf")


@pytest.mark.parametrize(
    "surname",
    [
        "单", "曾", "解", "仇", "朴", "查", "区", "盖", "乐", "覃", "翟", "缪", "繁", "燕",
        "召", "隗", "员", "万俟", "尉迟", "长孙", "澹台", "令狐", "宇文", "司马", "欧阳",
        "上官", "诸葛", "皇甫", "东方", "夏侯", "单于", "沈", "秘", "种", "华", "任", "纪",
        "洗", "冼", "折", "重", "祭", "能", "句", "那", "粘", "汤", "薄", "蕃", "牟", "阚",
        "逄", "柏", "莘", "过", "角", "卜", "藏", "朝", "车", "都", "宿", "相", "佘", "郝",
    ],
)  # fmt: skip
def test_surname_table_covers_the_required_surnames(surname: str) -> None:
    assert surname in SURNAME_READINGS


@pytest.mark.parametrize(
    ("name", "expected"),
    [("繁漪", "po"), ("召忽", "shao"), ("员半千", "yun"), ("能大海", "nai"), ("祭仲", "zhai")],
)
def test_surname_table_reading_starts_the_full_key(name: str, expected: str) -> None:
    assert pinyin_keys(name, person=True)[0].startswith(expected)


@pytest.mark.parametrize("query", ["s", "szkj", "ShenZhen", " szkj "])
def test_letters_only_query_searches_pinyin(query: str) -> None:
    assert matches_pinyin_query(query) is True


@pytest.mark.parametrize("query", ["", "  ", "深圳", "sz科技", "sz kj", "58tc", "sz-kj", "ü"])
def test_query_with_anything_but_letters_does_not_search_pinyin(query: str) -> None:
    assert matches_pinyin_query(query) is False


@pytest.mark.parametrize(
    "text",
    [
        "重庆银行股份有限公司",
        "长沙长城重工",
        "深圳市腾飞鑫科技有限公司",
        "广州ABC贸易（中国）有限公司",
        "〇一二三",
        "行长行走在银行",
        "乐乐音乐",
        "会计会议",
        "3M中国",
    ],
)
def test_remembered_word_readings_match_pypinyin_on_every_call(text: str) -> None:
    # the converter remembers each segmented word's reading: a second and third call (served
    # from the cache) must give what pypinyin itself gives
    from pypinyin import Style, lazy_pinyin

    expected = lazy_pinyin(text, style=Style.NORMAL, errors=pinyin._mark_foreign)
    for _ in range(3):
        assert (
            pinyin._PINYIN.lazy_pinyin(text, style=Style.NORMAL, errors=pinyin._mark_foreign)
            == expected
        )
