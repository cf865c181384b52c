"""Step-4 clocks: solution within 3 working days, objections within 24 h, handover within 1."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.audit.models import AuditEvent
from crm.core.testing import actor
from crm.pipeline import clocks, services
from crm.pipeline.models import Stage

from .conftest import NOW

pytestmark = pytest.mark.django_db
D = datetime.date


def opportunity(user, customer, **fields):
    return services.create_opportunity(
        actor(user),
        customer=customer,
        name="运维托管项目",
        amount=Decimal(400000),
        expected_close_on=D(2026, 4, 30),
        **fields,
    )


def test_open_clocks_of_a_customer_earliest_due_first(personas, customer):
    opp = opportunity(personas.alice, customer, needs_confirmed_on=D(2026, 2, 26))  # Sat 28 worked
    services.raise_objection(
        actor(personas.alice),
        opp,
        content="交付周期过长",
        raised_at=NOW - datetime.timedelta(hours=2),
    )
    services.create_contract(
        actor(personas.alice),
        customer=customer,
        number="HT-1",
        amount=Decimal(1),
        signed_on=D(2026, 3, 2),
    )
    rows = clocks.open_clocks({"customer_id": customer.pk})
    assert [(r.code, r.subject, r.due, r.status) for r in rows] == [
        ("solution", "运维托管项目", D(2026, 3, 2), "due_today"),
        ("objection", "运维托管项目:交付周期过长", D(2026, 3, 3), "open"),
        ("handover", "合同 HT-1", D(2026, 3, 3), "open"),
    ]
    assert clocks.open_clocks({"owner": personas.bob}) == []
    assert [r.code for r in clocks.open_clocks({"owner": personas.alice})] == [
        "solution",
        "objection",
        "handover",
    ]


def test_a_quote_stops_the_solution_clock(personas, customer):
    opp = opportunity(personas.alice, customer, needs_confirmed_on=D(2026, 2, 20))
    assert clocks.breach_counts({"customer_id": customer.pk}) == {
        "solution": 1,
        "objection": 0,
        "handover": 0,
    }
    quotation = Stage.objects.get(pipeline=opp.pipeline, code="quotation")
    opp = services.move_opportunity(actor(personas.alice), opp, stage=quotation)
    assert opp.solution_submitted_on == D(2026, 3, 2)
    assert clocks.open_clocks({"customer_id": customer.pk}) == []


def test_an_objection_answered_late_says_so_on_the_timeline(personas, customer):
    opp = opportunity(personas.alice, customer)
    objection = services.raise_objection(
        actor(personas.alice),
        opp,
        content="担心售后服务响应慢",
        raised_at=NOW - datetime.timedelta(hours=30),
    )
    assert clocks.breach_counts({"customer_id": customer.pk})["objection"] == 1
    with pytest.raises(ValidationError):
        services.answer_objection(actor(personas.alice), objection, answer=" ")
    services.answer_objection(
        actor(personas.alice), objection, answer="提供过往服务案例与 SLA 承诺"
    )
    event = AuditEvent.objects.get(action="opportunity.objection_answer")
    assert (event.reason, event.customer_id) == ("超过 24 小时答复", customer.pk)
    with pytest.raises(ValidationError, match="已答复"):
        services.answer_objection(actor(personas.alice), objection, answer="再答")
    assert clocks.open_clocks({"customer_id": customer.pk}) == []


def test_handover_is_answered_on_the_contract(personas, customer):
    contract = services.create_contract(
        actor(personas.alice),
        customer=customer,
        number="HT-2",
        amount=Decimal(1),
        signed_on=D(2026, 2, 26),
    )
    assert [r.status for r in clocks.open_clocks({"customer_id": customer.pk})] == ["breached"]
    services.update_contract(actor(personas.alice), contract, handover_on=D(2026, 2, 27))
    assert clocks.open_clocks({"customer_id": customer.pk}) == []
