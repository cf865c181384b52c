"""Needs analyses set the intent and the decision chain; demand changes from a record card."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.audit.models import AuditEvent
from crm.core.errors import NotFound, PreconditionFailed
from crm.core.testing import actor
from crm.customers.models import Customer
from crm.needs import rules, services
from crm.needs.models import DemandChange, NeedsAnalysis
from crm.records import services as records

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "items"),
    [
        ("1.服务器宕机频繁影响业务2.运维人力成本高", ["服务器宕机频繁影响业务", "运维人力成本高"]),
        ("1.系统稳定性≥99.9%2.减少2名运维人员", ["系统稳定性≥99.9%", "减少2名运维人员"]),
        ("①7×24小时技术支持\n②定期运维报告", ["7×24小时技术支持", "定期运维报告"]),
        ("1、降本;\n2) 提效\n(3) 版本2.0上线", ["降本", "提效", "版本2.0上线"]),
        (["  降低20%成本 ", ""], ["降低20%成本"]),
        ("", []),
    ],
)
def test_points_are_split_as_people_type_them(typed, items):
    assert rules.split_points(typed) == items


@pytest.mark.parametrize(
    ("low", "high", "negotiable", "label"),
    [
        ("300000", "500000", False, "30万-50万"),
        ("300000", "500000", True, "30万-50万(可协商)"),
        (None, None, True, "可协商"),
        ("12345.60", None, False, "12,345.60以上"),
        (None, "800000", False, "80万以内"),
        (None, None, False, ""),
    ],
)
def test_budget_label_reads_like_the_template(low, high, negotiable, label):
    def amount(v):
        return Decimal(v) if v else None

    assert rules.budget_label(amount(low), amount(high), negotiable) == label


def analysis(user, customer, **fields):
    wang, li = customer.contacts.order_by("pk")
    fields = {
        "interviewed_at": NOW - datetime.timedelta(hours=20),
        "pain_points": "1.服务器宕机频繁影响业务2.运维人力成本高",
        "explicit_needs": ["系统稳定性≥99.9%", "减少2名运维人员"],
        "latent_needs": "7×24小时技术支持\n定期运维报告",
        "budget_min": Decimal(300000),
        "budget_max": Decimal(500000),
        "budget_note": "含3年服务费",
        "intent": "high",
        "chain": [
            {"contact": wang, "role": "decision_maker", "concerns": "数据安全"},
            {"contact": li, "role": "influencer", "concerns": "价格"},
        ],
        **fields,
    }
    return services.file_analysis(actor(user), customer=customer, **fields)


def test_an_analysis_sets_the_intent_the_roles_and_the_cadence(personas, customer):
    made = analysis(personas.alice, customer)
    assert (made.pain_points, made.latent_needs, made.is_late) == (
        ["服务器宕机频繁影响业务", "运维人力成本高"],
        ["7×24小时技术支持", "定期运维报告"],
        False,
    )
    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.intent, customer.follow_up_due) == ("high", datetime.date(2026, 3, 9))
    roles = list(customer.contacts.order_by("pk").values_list("decision_role", "concerns"))
    assert roles == [("decision_maker", "数据安全"), ("influencer", "价格")]
    actions = list(
        AuditEvent.objects.filter(customer=customer).order_by("pk").values_list("action", "reason")
    )
    assert actions[-4:] == [
        ("needs.file", ""),
        ("contact.update", "需求分析"),
        ("contact.update", "需求分析"),
        ("customer.update", "需求分析"),
    ]
    filed = AuditEvent.objects.get(action="needs.file")
    assert filed.changes["chain"]["after"] == ["决策人:王强 数据安全", "影响者:李娜 价格"]


def test_an_analysis_filed_after_24_hours_is_late(personas, customer):
    made = analysis(personas.alice, customer, interviewed_at=NOW - datetime.timedelta(hours=25))
    assert made.is_late is True


def test_the_interview_can_be_named_by_its_record_card(personas, customer):
    card = records.file_record(
        actor(personas.alice),
        customer=customer,
        occurred_at=NOW - datetime.timedelta(hours=3),
        channel="visit",
        purpose="needs_discovery",
        content="需求访谈:确认宕机频率每周2-3次",
    )
    made = analysis(personas.alice, customer, interviewed_at=None, record=card)
    assert (made.record, made.interviewed_at) == (card, NOW - datetime.timedelta(hours=3))


def test_bad_analyses_are_refused_per_field_and_write_nothing(personas, customer, customer_of):
    other = customer_of(personas.alice, contacts=[{"name": "外人", "mobile": "13700000000"}])
    with pytest.raises(ValidationError) as refused:
        analysis(
            personas.alice,
            customer,
            pain_points="",
            budget_min=Decimal(600000),
            intent="",
            interviewed_at=NOW + datetime.timedelta(hours=1),
        )
    assert refused.value.message_dict == {
        "pain_points": ["请至少填写一条核心痛点"],
        "budget_max": ["预算上限不能低于下限"],
        "interviewed_at": ["访谈时间不能晚于现在"],
        "intent": ["请选择意向等级"],
    }
    with pytest.raises(ValidationError, match="第 1 位:联系人不属于该客户"):
        analysis(
            personas.alice, customer, chain=[{"contact": other.contacts.get(), "role": "user"}]
        )
    assert not NeedsAnalysis.objects.exists()
    assert Customer.objects.get(pk=customer.pk).intent == ""


def test_correcting_the_analysis_moves_the_intent_again(personas, customer):
    made = analysis(personas.alice, customer)
    with pytest.raises(PreconditionFailed):
        services.update_analysis(actor(personas.alice), made, expected_version=9, intent="low")
    made = services.update_analysis(
        actor(personas.alice), made, expected_version=1, intent="medium", reason="预算待确认"
    )
    assert (made.version, Customer.objects.get(pk=customer.pk).intent) == (2, "medium")
    event = AuditEvent.objects.get(action="needs.update")
    assert (event.changes, event.reason) == (
        {"intent": {"before": "high", "after": "medium"}},
        "预算待确认",
    )


def test_who_may_file_an_analysis(personas, customer):
    with pytest.raises(NotFound):
        analysis(personas.dave, customer)
    with pytest.raises(PermissionDenied):
        analysis(personas.erin, customer)
    analysis(personas.carol, customer)  # the team's manager


def test_a_demand_change_from_its_record_card_takes_the_cards_date(personas, customer):
    card = records.file_record(
        actor(personas.alice),
        customer=customer,
        occurred_at=NOW - datetime.timedelta(days=1),
        channel="phone",
        purpose="issue_follow_up",
        content="客户计划Q3拓展云存储业务",
    )
    change = services.record_change(
        actor(personas.alice),
        customer=customer,
        record=card,
        original_need="服务器运维托管",
        current_need="运维托管 + 云存储",
        trigger="客户计划Q3拓展云存储业务",
        priority="high",
    )
    assert (change.changed_on, change.record, change.get_priority_display()) == (
        datetime.date(2026, 3, 1),
        card,
        "高",
    )
    assert AuditEvent.objects.filter(action="demand_change.create", customer=customer).exists()


def test_a_demand_change_must_change_something(personas, customer):
    with pytest.raises(ValidationError) as refused:
        services.record_change(
            actor(personas.alice),
            customer=customer,
            original_need="运维托管",
            current_need=" 运维托管 ",
            changed_on=datetime.date(2026, 3, 2),
        )
    assert refused.value.message_dict == {"current_need": ["现需求与原需求相同,无需记录变化"]}
    assert not DemandChange.objects.exists()
