"""Header synonyms out of the box: which column is which target."""

from __future__ import annotations

import pytest
from django.db.models import TextChoices

from crm.contacts.choices import DecisionRole
from crm.customers.choices import Channel, Headcount, Intent, Kind, Level, Stage, Status
from crm.pipeline.choices import ContractStatus
from crm.records.choices import Purpose, Sentiment
from crm.transfer.headers import (
    CHOICE_SYNONYMS,
    SYNONYMS,
    normalise_header,
    score,
    suggest_mapping,
)
from crm.transfer.targets import TARGETS
from crm.transfer.values import choice_key, parse_choice

CHOICE_CLASSES: dict[str, type[TextChoices]] = {
    "kind": Kind,
    "level": Level,
    "stage": Stage,
    "status": Status,
    "intent": Intent,
    "headcount": Headcount,
    "preferred_channel": Channel,
    "channel": Channel,
    "next_channel": Channel,
    "contact_decision_role": DecisionRole,
    "purpose": Purpose,
    "sentiment": Sentiment,
    "contract_status": ContractStatus,
}

# --- normalising ---


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        (" 客户名称 ", "客户名称"),
        ("客户名称*", "客户名称"),
        ("*客户名称", "客户名称"),
        ("客户名称(必填)", "客户名称"),
        ("客户名称（必填）", "客户名称"),
        ("【必填】客户名称", "客户名称"),
        ("客户名称(选填)", "客户名称"),
        ("客户名称：", "客户名称"),
        ("客户名称:", "客户名称"),
        ("客户 名称", "客户名称"),
        ("客户名称(全称)*", "客户名称(全称)"),
        ("客户名称（全称）", "客户名称(全称)"),
        ("E-Mail", "e-mail"),
        ("ＥＭＡＩＬ", "email"),
    ],
)
def test_normalise_header_drops_what_decorates_a_header(text: str, normalised: str) -> None:
    assert normalise_header(text) == normalised


# --- the synonym tables ---


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_every_target_has_synonyms_including_its_canonical_label(kind: str) -> None:
    synonyms = SYNONYMS[kind]
    assert set(synonyms) == {target.key for target in TARGETS[kind]}
    for target in TARGETS[kind]:
        assert target.label in synonyms[target.key], target.key


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_no_header_text_means_two_targets_of_one_kind(kind: str) -> None:
    seen: dict[str, str] = {}
    for key, texts in SYNONYMS[kind].items():
        for text in texts:
            normalised = normalise_header(text)
            assert seen.setdefault(normalised, key) == key, (text, seen[normalised], key)


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_every_canonical_label_maps_back_to_its_target(kind: str) -> None:
    labels = [target.label for target in TARGETS[kind]]
    mapping = suggest_mapping(labels, kind)
    assert mapping == {index: target.key for index, target in enumerate(TARGETS[kind])}


def test_choice_synonyms_cover_every_choice_target() -> None:
    choice_targets = {t.key for targets in TARGETS.values() for t in targets if t.type == "choice"}
    assert choice_targets == set(CHOICE_CLASSES)
    assert set(CHOICE_SYNONYMS) <= choice_targets


@pytest.mark.parametrize(
    ("target", "synonym", "code"),
    [
        (target, synonym, code)
        for target, synonyms in CHOICE_SYNONYMS.items()
        for synonym, code in synonyms.items()
    ],
)
def test_every_choice_synonym_reads_as_its_code(target: str, synonym: str, code: str) -> None:
    choices = CHOICE_CLASSES[target]
    assert code in choices.values
    assert parse_choice(synonym, choices, CHOICE_SYNONYMS[target]) == code


@pytest.mark.parametrize("target", sorted(CHOICE_SYNONYMS))
def test_choice_synonyms_stay_distinct_once_normalised(target: str) -> None:
    keys = [choice_key(synonym) for synonym in CHOICE_SYNONYMS[target]]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("value", "target", "code"),
    [
        ("A类", "level", "A"),
        ("战略客户", "level", "A"),
        ("普通客户", "level", "C"),
        ("成交客户", "stage", "cooperating"),
        ("休眠", "stage", "dormant"),
        ("企业客户", "kind", "enterprise"),
        ("自然人", "kind", "individual"),
        ("高", "intent", "high"),
        ("上门拜访", "channel", "visit"),
        ("视频会议", "preferred_channel", "video"),
        ("20-99人", "headcount", "20_99"),
        ("执行中", "contract_status", "active"),
        ("已履行完毕", "contract_status", "expired"),
        ("已解除", "contract_status", "terminated"),
        ("待签", "contract_status", "draft"),
        ("已到期", "contract_status", "expired"),
    ],
)
def test_values_people_type_read_as_codes(value: str, target: str, code: str) -> None:
    assert parse_choice(value, CHOICE_CLASSES[target], CHOICE_SYNONYMS[target]) == code


# --- suggesting a mapping ---


def test_a_typical_customer_sheet_maps_column_by_column() -> None:
    headers = [
        "序号",
        "客户名称（全称）*",
        "统一社会信用代码",
        "联系人",
        "手机号码",
        "电话",
        "客户等级",
        "负责人",
        "合作起始时间",
        "累计合作金额(元)",
        "备注",
    ]
    assert suggest_mapping(headers, "customers") == {
        1: "name",
        2: "uscc",
        3: "contact_name",
        4: "contact_mobile",
        5: "contact_phone",
        6: "level",
        7: "owner",
        8: "first_cooperation_on",
        9: "cumulative_amount",
        10: "notes",
    }


def test_records_read_the_same_header_as_their_own_target() -> None:
    headers = ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容", "负责人", "截止日期"]
    assert suggest_mapping(headers, "records") == {
        0: "customer_name",
        1: "occurred_at",
        2: "channel",
        3: "maintainer",
        4: "content",
        5: "task_owner",
        6: "task_due",
    }


def test_a_contract_ledger_and_an_order_list_map_column_by_column() -> None:
    ledger = ["序号", "甲方", "合同号", "项目名称", "合同额(元)", "签署日期", "有效期", "状态"]
    assert suggest_mapping(ledger, "contracts") == {
        1: "customer_name",
        2: "number",
        3: "title",
        4: "amount",
        5: "signed_on",
        6: "term",
        7: "contract_status",
    }
    orders = ["客户编号", "单号", "下单日期", "金额", "产品名称", "所属合同"]
    assert suggest_mapping(orders, "orders") == {
        0: "customer_number",
        1: "number",
        2: "ordered_on",
        3: "amount",
        4: "summary",
        5: "contract_number",
    }
    assert suggest_mapping(["合同金额(万元)"], "contracts") == {}


def test_the_first_of_two_columns_for_one_target_wins() -> None:
    assert suggest_mapping(["手机", "姓名", "手机号"], "customers") == {
        0: "contact_mobile",
        1: "contact_name",
    }


def test_remembered_headers_and_custom_fields_win_over_synonyms() -> None:
    extra = {"电话": "contact_mobile", "客户星级": "custom:stars"}
    headers = ["客户名称", "电话", "手机", "客户星级 *"]
    assert suggest_mapping(headers, "customers", extra) == {
        0: "name",
        1: "contact_mobile",
        3: "custom:stars",
    }


def test_a_header_in_wan_yuan_is_not_mapped_to_an_amount_in_yuan() -> None:
    assert suggest_mapping(["累计合作金额(万元)", "年营业额（万元）"], "customers") == {}


def test_an_explanation_in_parentheses_is_ignored_when_nothing_matches() -> None:
    headers = ["客户名称(请填写营业执照上的全称)", "电话(办公)", "成立时间(yyyy-mm-dd)"]
    assert suggest_mapping(headers, "customers") == {
        0: "name",
        1: "contact_phone",
        2: "founded_on",
    }


def test_blank_and_unknown_headers_stay_unmapped() -> None:
    assert suggest_mapping(["", "序号", "客户名称", "随便写的"], "customers") == {2: "name"}


def test_score_counts_recognised_header_cells() -> None:
    assert score(["客户档案维护表", "", ""], "customers") == 0
    assert score(["序号", "客户名称", "手机", "客户等级", "备注"], "customers") == 4
    assert score(["客户名称", "维护日期", "维护方式"], "records") == 3
