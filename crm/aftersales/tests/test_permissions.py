"""Who may do what: dave (other team) does not see alice's customer, so every write answers
NotFound; erin (service staff) sees it but may not edit it, so every write is PermissionDenied;
either way nothing is written. carol (alice's manager) and a customer-success collaborator
may write; everyone who sees the customer reads its after-sales rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from crm.aftersales import selectors, services
from crm.aftersales.models import Delivery, Feedback, Referral, Risk, Survey
from crm.audit.models import AuditEvent
from crm.core.actor import Actor
from crm.core.errors import NotFound
from crm.core.testing import Personas, actor
from crm.customers.models import Customer

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


@dataclass
class World:
    customer: Customer
    delivery: Delivery
    survey: Survey
    feedback: Feedback
    referral: Referral
    risk: Risk


@pytest.fixture
def world(personas: Personas, customer: Customer) -> World:
    alice = actor(personas.alice)
    delivery = services.create_delivery(
        alice, customer=customer, title="一期", delivered_on=d(2026, 9, 30)
    )
    survey = services.record_survey(
        alice,
        customer=customer,
        surveyed_on=TODAY,
        response_speed=4,
        deliverable=4,
        overall=80,
        referral_intent="no",
        suggestions="增加月度运维报告",
    )
    feedback = services.record_feedback(
        alice, customer=customer, kind="complaint", category="service", content="响应慢"
    )
    referral = services.create_referral(alice, customer=customer, referred_name="新锐制造")
    risk = services.raise_risk(
        alice,
        customer=customer,
        kind="price",
        level="high",
        description="客户预算压缩30%",
        countermeasure="拆分二期,先做核心模块",
        due_on=d(2026, 10, 30),
    )
    return World(customer, delivery, survey, feedback, referral, risk)


WRITES: dict[str, Callable[[Actor, World], Any]] = {
    "create_delivery": lambda a, w: services.create_delivery(a, customer=w.customer, title="二期"),
    "update_delivery": lambda a, w: services.update_delivery(a, w.delivery, notes="说明"),
    "accept_delivery": lambda a, w: services.accept_delivery(a, w.delivery),
    "add_progress": lambda a, w: services.add_progress(a, w.delivery, content="完成联调测试"),
    "record_survey": lambda a, w: services.record_survey(
        a,
        customer=w.customer,
        surveyed_on=TODAY,
        response_speed=5,
        deliverable=5,
        overall=95,
        referral_intent="yes",
    ),
    "update_survey": lambda a, w: services.update_survey(a, w.survey, overall=95),
    "plan_survey_improvement": lambda a, w: services.plan_survey_improvement(
        a, w.survey, plan="每月5日前发送运维报告"
    ),
    "record_feedback": lambda a, w: services.record_feedback(
        a, customer=w.customer, kind="complaint", category="price", content="续费涨价太多"
    ),
    "resolve_feedback": lambda a, w: services.resolve_feedback(
        a, w.feedback, resolution="已安排驻场工程师,承诺1小时内响应"
    ),
    "create_referral": lambda a, w: services.create_referral(
        a, customer=w.customer, referred_name="某公司"
    ),
    "update_referral": lambda a, w: services.update_referral(
        a, w.referral, reward_amount=Decimal(1)
    ),
    "approve_referral": lambda a, w: services.approve_referral(a, w.referral),
    "raise_risk": lambda a, w: services.raise_risk(
        a,
        customer=w.customer,
        kind="other",
        level="high",
        description="关键联系人离职",
        countermeasure="尽快拜访新任负责人",
        due_on=d(2026, 10, 30),
        owner=w.customer.owner,
    ),
    "close_risk": lambda a, w: services.close_risk(a, w.risk, outcome="effective"),
    "create_case": lambda a, w: services.create_case(
        a, customer=w.customer, kind="won", title="标杆", story="成交经过:三轮演示后签约"
    ),
}


def _state(world: World) -> tuple[int, ...]:
    counts = [m.objects.count() for m in (Delivery, Survey, Feedback, Referral, Risk)]
    versions = [
        type(o).objects.get(pk=o.pk).version  # type: ignore[attr-defined]
        for o in (world.delivery, world.survey, world.feedback, world.referral, world.risk)
    ]
    return (*counts, *versions, AuditEvent.objects.count())


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_another_teams_salesperson_gets_not_found_and_nothing_changes(
    personas: Personas, world: World, write: Callable[[Actor, World], Any]
) -> None:
    before = _state(world)
    with pytest.raises(NotFound):
        write(actor(personas.dave), world)
    assert _state(world) == before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_service_staff_see_but_may_not_write(
    personas: Personas, world: World, write: Callable[[Actor, World], Any]
) -> None:
    before = _state(world)
    with pytest.raises(PermissionDenied):
        write(actor(personas.erin), world)
    assert _state(world) == before


def test_the_owners_manager_writes(personas: Personas, world: World) -> None:
    made = services.accept_delivery(actor(personas.carol), world.delivery)
    assert made.accepted_on == TODAY


def test_a_customer_success_collaborator_writes(
    personas: Personas, success_customer: Customer, cindy: Any
) -> None:
    made = services.record_feedback(
        actor(cindy),
        customer=success_customer,
        kind="praise",
        category="service",
        content="上线当天全程陪同",
    )
    assert made.created_by == cindy


def test_reads_follow_the_customer(personas: Personas, world: World) -> None:
    for user in (personas.alice, personas.carol, personas.erin, personas.admin):
        assert [r.pk for r in selectors.deliveries(user, world.customer)] == [world.delivery.pk]
        assert [r.pk for r in selectors.risks(user, world.customer)] == [world.risk.pk]
    for user in (personas.dave, personas.bob):
        assert selectors.deliveries(user, world.customer) == []
        assert list(selectors.feedback(user, world.customer)) == []
        assert selectors.customer_clocks(user, world.customer, TODAY) == []
        with pytest.raises(NotFound):
            services.get_visible_survey(actor(user), world.survey.pk)


def test_a_bad_key_is_not_found(personas: Personas) -> None:
    for key in ("abc", None, 2**70):
        with pytest.raises(NotFound):
            services.get_visible_delivery(actor(personas.alice), key)
