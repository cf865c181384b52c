"""Seed 002 end to end, from the first contact to a paid referral: lead → visit card → needs
analysis → opportunity through its stages (a hospital: the medical pipeline's gates) →
contract → order → delivery and acceptance → survey → core pool → referral.

Once through the services (crm.*.services), once through the REST API (/api/v1/). Time is
frozen and moved by hand (`clock.at(...)`), Shanghai time, around the 2026 National Day
holiday: Thu 1 - Wed 7 Oct off, Sat 10 Oct a make-up working day (调休).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.accounts.choices import Role
from crm.aftersales import services as aftersales
from crm.aftersales.models import CorePoolMember, Delivery
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor, api_client, make_user
from crm.customers import services as customers
from crm.customers.models import Customer, Industry, Source
from crm.needs import services as needs
from crm.pipeline import services as pipeline
from crm.pipeline.models import Stage
from crm.records import services as records
from crm.records.models import Task
from crm.workdays.calendar import add_workdays, is_workday

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
d = datetime.date


class Clock:
    """timezone.now() (and so localdate()) answers the moment last set."""

    def __init__(self) -> None:
        self.now = datetime.datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI)

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> None:
        self.now = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def cindy(personas: Personas) -> Any:
    """The customer-success manager 客户成功经理 of team A, who makes the deep visits."""
    return make_user("cindy", Role.CUSTOMER_SUCCESS, personas.team_a, "崔欣")


def fresh(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def timeline(customer: Customer) -> list[str]:
    return list(
        AuditEvent.objects.filter(customer=customer).order_by("pk").values_list("action", flat=True)
    )


def test_the_calendar_the_flow_relies_on() -> None:
    """The dates below are only right on the PRC calendar of 2026 (chinese-calendar)."""
    assert [is_workday(d(2026, 10, n)) for n in (1, 7, 8, 10, 11)] == [
        False,
        False,
        True,
        True,  # Saturday, a make-up working day
        False,
    ]
    assert add_workdays(d(2026, 9, 30), 3) == d(2026, 10, 10)


def test_lead_to_referral_through_the_services(
    personas: Personas, cindy: Any, clock: Clock
) -> None:
    alice, carol = actor(personas.alice), actor(personas.carol)

    # 1. Lead & archive, Tue 29 Sep: a hospital (GB/T 4754 division 84, 卫生) from the website.
    clock.at(d(2026, 9, 29), 9)
    customer = customers.create_customer(
        alice,
        name="杭州市第一人民医院",
        industry=Industry.objects.get(code="84"),
        source=Source.objects.get(name="官网留言"),
        need_keywords="降低服务器运维成本",
        contacts=[
            {"name": "王强", "title": "信息科主任", "mobile": "13812345678"},
            {"name": "李娜", "title": "采购科长", "mobile": "13987654321"},
        ],
    )
    wang, li = customer.contacts.order_by("pk")
    lead = fresh(customer)
    assert (lead.number, lead.stage, lead.status, lead.intent, lead.level, lead.owner) == (
        "CRM-20260929-001",
        "potential",
        "normal",
        "",
        "C",
        personas.alice,
    )
    # a new lead is due within the potential cadence: 3 working days after it was created

    # The visit 拜访 that afternoon, its card filed at 16:00; the card asks for a call on 16 Oct.
    clock.at(d(2026, 9, 29), 16)
    card = records.file_record(
        alice,
        customer=customer,
        occurred_at=datetime.datetime(2026, 9, 29, 14, 0, tzinfo=SHANGHAI),
        channel="visit",
        purpose="needs_discovery",
        contacts=[wang, li],
        content="确认服务器宕机每周2-3次,重点需求为系统稳定性",
        feedback="希望先提供试用方案",
        sentiment="expectant",
        next_contact_on=d(2026, 10, 16),
        next_channel="phone",
        next_focus="试用方案反馈",
    )
    assert card.is_late is False
    after_card = fresh(customer)
    assert (after_card.follow_up_due, after_card.last_contacted_at) == (
        d(2026, 10, 16),
        datetime.datetime(2026, 9, 29, 14, 0, tzinfo=SHANGHAI),
    )

    # 2. Needs analysis, Wed 30 Sep 10:00 (20 h after the visit, so on time): high intent.
    clock.at(d(2026, 9, 30), 10)
    analysis = needs.file_analysis(
        alice,
        customer=customer,
        record=card,
        pain_points="1.服务器宕机频繁影响业务2.运维人力成本高",
        explicit_needs=["系统稳定性≥99.9%", "减少2名运维人员"],
        latent_needs=["7×24小时技术支持", "定期运维报告"],
        budget_min=Decimal(300000),
        budget_max=Decimal(800000),
        budget_note="含3年服务费",
        intent="high",
        chain=[
            {"contact": wang, "role": "decision_maker", "concerns": "数据安全"},
            {"contact": li, "role": "influencer", "concerns": "价格"},
        ],
    )
    assert (analysis.interviewed_at, analysis.is_late, analysis.pain_points) == (
        datetime.datetime(2026, 9, 29, 14, 0, tzinfo=SHANGHAI),
        False,
        ["服务器宕机频繁影响业务", "运维人力成本高"],
    )
    analysed = fresh(customer)
    # high intent: weekly, 5 working days after the visit of Tue 29 Sep — 30 Sep, 8, 9, 10
    # (the make-up Saturday) and 12 Oct; earlier than the call the card asked for (16 Oct)
    assert (analysed.intent, analysed.follow_up_due) == ("high", d(2026, 10, 12))
    assert list(customer.contacts.order_by("pk").values_list("decision_role", "concerns")) == [
        ("decision_maker", "数据安全"),
        ("influencer", "价格"),
    ]

    # 4. The deal: an opportunity on the medical pipeline, needs confirmed on 30 Sep.
    opp = pipeline.create_opportunity(
        alice,
        customer=customer,
        name="智慧医院运维托管项目",
        amount=Decimal("680000.00"),
        expected_close_on=d(2026, 11, 30),
        needs_confirmed_on=d(2026, 9, 30),
    )
    assert (opp.pipeline.name, opp.stage.code, opp.status) == (
        "医疗行业销售流程",
        "needs_analysis",
        "open",
    )
    # the solution is due 3 working days after 30 Sep, across the National Day holiday
    assert pipeline.solution_due(opp) == d(2026, 10, 10)

    def stage(code: str) -> Stage:
        return Stage.objects.get(pipeline=opp.pipeline, code=code)

    opp = pipeline.move_opportunity(alice, opp, stage=stage("solution"))
    assert (opp.stage.code, opp.solution_submitted_on) == ("solution", None)
    clock.at(d(2026, 10, 10))  # the make-up Saturday: the quotation goes out, on time
    opp = pipeline.move_opportunity(alice, opp, stage=stage("quotation"))
    assert (opp.stage.code, opp.solution_submitted_on) == ("quotation", d(2026, 10, 10))
    clock.at(d(2026, 10, 12))
    opp = pipeline.move_opportunity(alice, opp, stage=stage("negotiation"))
    clock.at(d(2026, 10, 13))
    won = stage("won")
    with pytest.raises(ValidationError) as refused:
        pipeline.move_opportunity(alice, opp, stage=won)
    assert refused.value.message_dict == {
        "stage": ["进入「赢单」前须先通过:客户资质审核、合规性检查"]
    }
    assert fresh(customer).stage == "potential"
    qualification, compliance = won.gates.order_by("pk")
    pipeline.pass_gate(alice, opp, gate=qualification, note="已核对医疗机构执业许可证")
    pipeline.pass_gate(alice, opp, gate=compliance, note="法务已完成数据安全合规审查")
    opp = pipeline.move_opportunity(alice, opp, stage=won)
    assert (opp.stage.code, opp.status, opp.closed_on, opp.version) == (
        "won",
        "won",
        d(2026, 10, 13),
        5,
    )
    assert fresh(customer).stage == "cooperating"

    # The contract, signed Tue 13 Oct: cooperation facts and the level follow from it.
    contract = pipeline.create_contract(
        alice,
        customer=customer,
        number="HT-2026-0188",
        title="智慧医院运维托管服务合同",
        amount=Decimal("680000.00"),
        signed_on=d(2026, 10, 13),
        starts_on=d(2026, 10, 15),
        ends_on=d(2027, 10, 14),
        opportunity=opp,
    )
    signed = fresh(customer)
    assert (
        signed.stage,
        signed.first_cooperation_on,
        signed.last_cooperation_on,
        signed.cumulative_amount,
        signed.level,
        signed.flag_contract_expiring,
    ) == ("cooperating", d(2026, 10, 13), d(2026, 10, 13), Decimal("680000.00"), "B", False)
    level = AuditEvent.objects.get(action="customer.level", customer=customer)
    assert (level.changes, level.reason) == (
        {"level": {"before": "C", "after": "B"}},
        "按近12个月已签合同金额 ¥680,000.00 自动分级",
    )
    # handed over to customer success (cindy) the same day
    customers.add_collaborator(alice, customer, user=cindy)

    # An order under the contract, Wed 14 Oct: the last cooperation date moves, the amount
    # does not (an order under a contract is part of its amount).
    clock.at(d(2026, 10, 14))
    pipeline.create_order(
        alice,
        customer=customer,
        number="DD-2026-0301",
        ordered_on=d(2026, 10, 14),
        amount=Decimal("80000.00"),
        summary="一期:监控平台与运维值守",
        contract=contract,
    )
    ordered = fresh(customer)
    assert (ordered.last_cooperation_on, ordered.cumulative_amount, ordered.level) == (
        d(2026, 10, 14),
        Decimal("680000.00"),
        "B",
    )

    # 5. After-sales: the delivery runs from Thu 15 Oct, a weekly progress note on Fri 16 Oct.
    clock.at(d(2026, 10, 15))
    delivery = aftersales.create_delivery(
        alice, customer=customer, title="运维监控平台部署", contract=contract
    )
    assert (delivery.delivered_on, delivery.acceptance_due_on) == (None, None)
    clock.at(d(2026, 10, 16))
    aftersales.add_progress(alice, delivery, content="本周已完成监控模块部署,下周进入测试")
    clock.at(d(2026, 10, 23))  # Friday: delivered, acceptance due 3 working days later
    delivery = aftersales.mark_delivered(alice, delivery)
    assert (delivery.delivered_on, delivery.acceptance_due_on) == (
        d(2026, 10, 23),
        d(2026, 10, 28),
    )
    clock.at(d(2026, 10, 27))  # accepted on time; the survey is due 7 working days later
    delivery = aftersales.accept_delivery(alice, delivery)
    assert (delivery.accepted_on, delivery.survey_due_on) == (d(2026, 10, 27), d(2026, 11, 5))

    # The survey, Tue 3 Nov: 95 points puts the customer in the core pool, with this
    # quarter's deep visit for cindy due on its last working day.
    clock.at(d(2026, 11, 3))
    survey = aftersales.record_survey(
        alice,
        customer=customer,
        delivery=delivery,
        surveyed_on=d(2026, 11, 3),
        method="phone",
        response_speed=5,
        deliverable=4,
        overall=95,
        suggestions="增加月度运维报告",
        referral_intent="yes",
    )
    assert survey.improvement_due_on == d(2026, 11, 24)  # 15 working days
    assert Delivery.objects.get(pk=delivery.pk).surveyed_on == d(2026, 11, 3)
    member = CorePoolMember.objects.get(customer=customer)
    assert (member.since, member.survey) == (d(2026, 11, 3), survey)
    visit = Task.objects.get(customer=customer)
    assert (visit.owner, visit.due, visit.status, visit.description) == (
        cindy,
        d(2026, 12, 31),
        "open",
        "核心客户深度回访(2026年第4季度):了解业务变化与新增需求",
    )

    # The referral: on Thu 5 Nov the customer recommends another hospital; carol (the
    # manager of alice's team) approves the reward on Fri 6 Nov and pays it on Mon 9 Nov.
    clock.at(d(2026, 11, 5))
    referred = customers.create_customer(
        alice, name="杭州市第二人民医院", industry=Industry.objects.get(code="84")
    )
    referral = aftersales.create_referral(
        alice,
        customer=customer,
        referred=referred,
        reward_amount=Decimal("5000.00"),
        reward_text="现金奖励",
    )
    assert (referral.status, referral.referred_on) == ("pending", d(2026, 11, 5))
    clock.at(d(2026, 11, 6))
    referral = aftersales.approve_referral(carol, referral)
    assert (referral.status, referral.approved_on, referral.approved_by) == (
        "approved",
        d(2026, 11, 6),
        personas.carol,
    )
    clock.at(d(2026, 11, 9))
    referral = aftersales.pay_referral(carol, referral)
    assert (referral.status, referral.paid_on, referral.paid_by, referral.version) == (
        "paid",
        d(2026, 11, 9),
        personas.carol,
        3,
    )

    end = fresh(customer)
    flags = ("complaint", "contract_expiring", "churn_risk", "to_verify", "long_inactive")
    assert [getattr(end, f"flag_{name}") for name in flags] == [False] * 5
    assert (end.stage, end.level, end.cumulative_amount) == (
        "cooperating",
        "B",
        Decimal("680000.00"),
    )
    assert timeline(customer) == FLOW_TIMELINE


# The customer's timeline after the flow, oldest first (the referred customer has its own).
FLOW_TIMELINE = [
    "customer.create",
    "contact.create",
    "contact.create",
    "record.file",
    "needs.file",
    "contact.update",  # the decision chain: 王强 决策人
    "contact.update",  # 李娜 影响者
    "customer.update",  # intent 高意向
    "opportunity.create",
    "opportunity.move",  # → 方案制定
    "opportunity.move",  # → 报价
    "opportunity.move",  # → 商务谈判
    "opportunity.gate",  # 客户资质审核
    "opportunity.gate",  # 合规性检查
    "opportunity.move",  # → 赢单
    "customer.stage",  # → 合作中
    "contract.create",
    "customer.level",  # C → B
    "customer.collaborator_add",
    "order.create",
    "delivery.create",
    "delivery.progress",
    "delivery.deliver",
    "delivery.accept",
    "survey.create",
    "corepool.enter",
    "task.create",  # the quarter's deep visit
    "referral.create",
    "referral.approve",
    "referral.pay",
]


# --- the same flow through the REST API --------------------------------------------------------


def call(client: Any, method: str, url: str, data: Any = None, status: int = 200) -> Any:
    response = getattr(client, method)(f"/api/v1/{url}", data, format="json")
    assert response.status_code == status, (url, response.status_code, response.data)
    return response.data


def test_lead_to_referral_through_the_api(personas: Personas, cindy: Any, clock: Clock) -> None:
    alice, carol = api_client(personas.alice), api_client(personas.carol)

    # 1. Lead & archive
    clock.at(d(2026, 9, 29), 9)
    lead = call(
        alice,
        "post",
        "customers/",
        {
            "name": "杭州市第一人民医院",
            "industry": "84",
            "source": Source.objects.get(name="官网留言").pk,
            "need_keywords": "降低服务器运维成本",
            "contacts": [
                {"name": "王强", "title": "信息科主任", "mobile": "13812345678"},
                {"name": "李娜", "title": "采购科长", "mobile": "13987654321"},
            ],
        },
        201,
    )
    pk = lead["id"]
    assert (lead["number"], lead["stage"], lead["intent"], lead["level"], lead["owner"]) == (
        "CRM-20260929-001",
        "potential",
        "",
        "C",
        personas.alice.pk,
    )
    contacts = call(alice, "get", f"contacts/?customer={pk}")["results"]
    wang, li = sorted(c["id"] for c in contacts)

    clock.at(d(2026, 9, 29), 16)
    card = call(
        alice,
        "post",
        "records/",
        {
            "customer": pk,
            "occurred_at": "2026-09-29T14:00:00+08:00",
            "channel": "visit",
            "purpose": "needs_discovery",
            "contacts": [wang, li],
            "content": "确认服务器宕机每周2-3次,重点需求为系统稳定性",
            "feedback": "希望先提供试用方案",
            "sentiment": "expectant",
            "next_contact_on": "2026-10-16",
            "next_channel": "phone",
            "next_focus": "试用方案反馈",
        },
        201,
    )
    assert card["is_late"] is False
    assert Customer.objects.get(pk=pk).follow_up_due == d(2026, 10, 16)

    # 2. Needs analysis: high intent re-plans the follow-up (weekly: 5 working days)
    clock.at(d(2026, 9, 30), 10)
    analysis = call(
        alice,
        "post",
        "needs-analyses/",
        {
            "customer": pk,
            "record": card["id"],
            "pain_points": ["服务器宕机频繁影响业务", "运维人力成本高"],
            "explicit_needs": ["系统稳定性≥99.9%", "减少2名运维人员"],
            "latent_needs": ["7×24小时技术支持", "定期运维报告"],
            "budget_min": "300000.00",
            "budget_max": "800000.00",
            "budget_note": "含3年服务费",
            "intent": "high",
            "chain": [
                {"contact": wang, "role": "decision_maker", "concerns": "数据安全"},
                {"contact": li, "role": "influencer", "concerns": "价格"},
            ],
        },
        201,
    )
    assert (analysis["interviewed_at"], analysis["is_late"], analysis["budget_label"]) == (
        "2026-09-29T14:00:00+08:00",
        False,
        "30万-80万",
    )
    assert [(m["contact_name"], m["role"]) for m in analysis["chain"]] == [
        ("王强", "decision_maker"),
        ("李娜", "influencer"),
    ]
    assert call(alice, "get", f"customers/{pk}/")["intent"] == "high"
    assert Customer.objects.get(pk=pk).follow_up_due == d(2026, 10, 12)

    # 4. The deal on the medical pipeline
    opp = call(
        alice,
        "post",
        "opportunities/",
        {
            "customer": pk,
            "name": "智慧医院运维托管项目",
            "amount": "680000.00",
            "expected_close_on": "2026-11-30",
            "needs_confirmed_on": "2026-09-30",
        },
        201,
    )
    oid = opp["id"]
    assert (opp["pipeline"]["name"], opp["stage"]["code"], opp["solution_due"]) == (
        "医疗行业销售流程",
        "needs_analysis",
        "2026-10-10",  # 3 working days after 30 Sep, across the National Day holiday
    )
    stages = {s.code: s.pk for s in Stage.objects.filter(pipeline_id=opp["pipeline"]["id"])}

    def move(code: str, status: int = 200) -> Any:
        return call(alice, "post", f"opportunities/{oid}/move/", {"stage": stages[code]}, status)

    assert move("solution")["stage"]["code"] == "solution"
    clock.at(d(2026, 10, 10))
    assert move("quotation")["stage"]["code"] == "quotation"
    clock.at(d(2026, 10, 12))
    assert move("negotiation")["stage"]["code"] == "negotiation"
    clock.at(d(2026, 10, 13))
    assert move("won", 400) == {"stage": ["进入「赢单」前须先通过:客户资质审核、合规性检查"]}
    gates = {g["code"]: g for g in opp["gates"]}
    assert [(g["name"], g["passed"]) for g in opp["gates"]] == [
        ("客户资质审核", False),
        ("合规性检查", False),
    ]
    call(
        alice,
        "post",
        f"opportunities/{oid}/pass-gate/",
        {"gate": gates["qualification"]["id"], "note": "已核对医疗机构执业许可证"},
    )
    passed = call(
        alice,
        "post",
        f"opportunities/{oid}/pass-gate/",
        {"gate": gates["compliance"]["id"], "note": "法务已完成数据安全合规审查"},
    )
    assert [g["passed"] for g in passed["gates"]] == [True, True]
    won = move("won")
    assert (won["stage"]["code"], won["status"], won["closed_on"], won["version"]) == (
        "won",
        "won",
        "2026-10-13",
        5,
    )
    assert call(alice, "get", f"customers/{pk}/")["stage"] == "cooperating"

    contract = call(
        alice,
        "post",
        "contracts/",
        {
            "customer": pk,
            "number": "HT-2026-0188",
            "title": "智慧医院运维托管服务合同",
            "amount": "680000.00",
            "signed_on": "2026-10-13",
            "starts_on": "2026-10-15",
            "ends_on": "2027-10-14",
            "opportunity": oid,
        },
        201,
    )
    assert (contract["status"], contract["expiring"], contract["handover_due_on"]) == (
        "active",
        False,
        "2026-10-14",  # internal handover: 1 working day after signing
    )
    signed = call(alice, "get", f"customers/{pk}/")
    assert (
        signed["first_cooperation_on"],
        signed["last_cooperation_on"],
        signed["cumulative_amount"],
        signed["level"],
        signed["level_manual"],
    ) == ("2026-10-13", "2026-10-13", "680000.00", "B", False)
    with_cindy = call(alice, "post", f"customers/{pk}/collaborators/", {"user": cindy.pk})
    assert with_cindy["collaborators"] == [cindy.pk]

    clock.at(d(2026, 10, 14))
    order = call(
        alice,
        "post",
        "orders/",
        {
            "customer": pk,
            "number": "DD-2026-0301",
            "ordered_on": "2026-10-14",
            "amount": "80000.00",
            "summary": "一期:监控平台与运维值守",
            "contract": contract["id"],
        },
        201,
    )
    assert order["contract_number"] == "HT-2026-0188"
    ordered = call(alice, "get", f"customers/{pk}/")
    assert (ordered["last_cooperation_on"], ordered["cumulative_amount"], ordered["level"]) == (
        "2026-10-14",
        "680000.00",
        "B",
    )

    # 5. After-sales (crm/aftersales/api, registered as deliveries, surveys, referrals …)
    clock.at(d(2026, 10, 15))
    delivery = call(
        alice,
        "post",
        "deliveries/",
        {"customer": pk, "title": "运维监控平台部署", "contract": contract["id"]},
        201,
    )
    did = delivery["id"]
    assert (delivery["status"], delivery["contract_number"], delivery["acceptance_due_on"]) == (
        "in_progress",
        "HT-2026-0188",
        None,
    )
    clock.at(d(2026, 10, 16))
    noted = call(
        alice,
        "post",
        f"deliveries/{did}/progress/",
        {"content": "本周已完成监控模块部署,下周进入测试"},
        201,
    )
    assert [(p["noted_on"], p["author"]) for p in noted["progress"]] == [
        ("2026-10-16", personas.alice.pk)
    ]
    clock.at(d(2026, 10, 23))
    delivered = call(alice, "post", f"deliveries/{did}/deliver/", {})
    assert (
        delivered["status"],
        delivered["delivered_on"],
        delivered["acceptance_due_on"],
        delivered["acceptance_status"],
    ) == ("delivered", "2026-10-23", "2026-10-28", "open")
    clock.at(d(2026, 10, 27))
    accepted = call(alice, "post", f"deliveries/{did}/accept/", {})
    assert (
        accepted["status"],
        accepted["accepted_on"],
        accepted["acceptance_status"],
        accepted["survey_due_on"],
        accepted["survey_status"],
    ) == ("accepted", "2026-10-27", "met", "2026-11-05", "open")

    clock.at(d(2026, 11, 3))
    survey = call(
        alice,
        "post",
        "surveys/",
        {
            "customer": pk,
            "delivery": did,
            "surveyed_on": "2026-11-03",
            "method": "phone",
            "response_speed": 5,
            "deliverable": 4,
            "overall": 95,
            "suggestions": "增加月度运维报告",
            "referral_intent": "yes",
        },
        201,
    )
    assert (survey["core_pool"], survey["improvement_due_on"]) == (
        {"since": "2026-11-03", "survey": survey["id"]},
        "2026-11-24",
    )
    surveyed = call(alice, "get", f"deliveries/{did}/")
    assert (surveyed["surveyed_on"], surveyed["survey_status"]) == ("2026-11-03", "met")
    (visit,) = call(api_client(cindy), "get", f"tasks/?customer={pk}")["results"]
    assert (visit["owner"], visit["due"], visit["status"], visit["description"]) == (
        cindy.pk,
        "2026-12-31",
        "open",
        "核心客户深度回访(2026年第4季度):了解业务变化与新增需求",
    )

    clock.at(d(2026, 11, 5))
    referred = call(
        alice, "post", "customers/", {"name": "杭州市第二人民医院", "industry": "84"}, 201
    )
    referral = call(
        alice,
        "post",
        "referrals/",
        {
            "customer": pk,
            "referred": referred["id"],
            "reward_amount": "5000.00",
            "reward_text": "现金奖励",
        },
        201,
    )
    rid = referral["id"]
    assert (referral["status"], referral["referred_on"], referral["can_approve"]) == (
        "pending",
        "2026-11-05",
        False,  # not alice's own reward to approve
    )
    call(alice, "post", f"referrals/{rid}/approve/", {}, 403)
    clock.at(d(2026, 11, 6))
    approved = call(carol, "post", f"referrals/{rid}/approve/", {})
    assert (approved["status"], approved["approved_on"], approved["approved_by"]) == (
        "approved",
        "2026-11-06",
        personas.carol.pk,
    )
    clock.at(d(2026, 11, 9))
    paid = call(carol, "post", f"referrals/{rid}/pay/", {})
    assert (paid["status"], paid["paid_on"], paid["paid_by"], paid["version"]) == (
        "paid",
        "2026-11-09",
        personas.carol.pk,
        3,
    )

    events = call(alice, "get", f"customers/{pk}/timeline/")["results"]
    assert [e["action"] for e in reversed(events)] == FLOW_TIMELINE
    assert {e["source"] for e in events} == {"api"}
