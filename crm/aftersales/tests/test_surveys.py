"""Satisfaction surveys: scores, the delivery's survey clock, suggestions and their plans."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from crm.aftersales import services
from crm.aftersales.models import Delivery, Survey
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def accepted(personas: Personas, customer: Customer) -> Delivery:
    return services.create_delivery(
        actor(personas.alice),
        customer=customer,
        title="运维托管平台一期",
        delivered_on=d(2026, 9, 29),
        accepted_on=d(2026, 9, 30),
    )


def survey(personas: Personas, customer: Customer, **fields: Any) -> Survey:
    fields = {
        "surveyed_on": TODAY,
        "response_speed": 5,
        "deliverable": 4,
        "overall": 85,
        "referral_intent": "yes",
        **fields,
    }
    return services.record_survey(actor(personas.alice), customer=customer, **fields)


def test_a_survey_of_the_delivery_answers_its_survey_clock(
    personas: Personas, customer: Customer
) -> None:
    made = accepted(personas, customer)
    assert made.survey_due_on == d(2026, 10, 15)
    survey(personas, customer, delivery=made, surveyed_on=d(2026, 10, 9))
    made.refresh_from_db()
    assert (made.surveyed_on, made.version) == (d(2026, 10, 9), 1)
    event = AuditEvent.objects.get(action="survey.create")
    assert (event.customer_id, event.changes["overall"], event.changes["delivery"]) == (
        customer.pk,
        {"before": None, "after": 85},
        {"before": None, "after": f"运维托管平台一期(#{made.pk})"},
    )


def test_the_first_survey_of_a_delivery_is_the_one_that_counts(
    personas: Personas, customer: Customer
) -> None:
    made = accepted(personas, customer)
    survey(personas, customer, delivery=made, surveyed_on=d(2026, 10, 12))
    survey(personas, customer, delivery=made, surveyed_on=d(2026, 10, 8))
    made.refresh_from_db()
    assert made.surveyed_on == d(2026, 10, 8)


def test_a_delivery_not_yet_accepted_is_not_surveyed(
    personas: Personas, customer: Customer
) -> None:
    under_way = services.create_delivery(actor(personas.alice), customer=customer, title="二期")
    with pytest.raises(ValidationError) as refused:
        survey(personas, customer, delivery=under_way)
    assert refused.value.message_dict == {"delivery": ["该交付尚未验收,满意度调查须在验收之后进行"]}
    assert not Survey.objects.exists()


def test_the_delivery_must_be_the_customers(
    personas: Personas, customer: Customer, customer_of: Any
) -> None:
    theirs = accepted(personas, customer_of(personas.alice))
    with pytest.raises(ValidationError) as refused:
        survey(personas, customer, delivery=theirs)
    assert refused.value.message_dict == {"delivery": ["所选交付不属于该客户"]}


def test_scores_are_in_range(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        survey(personas, customer, response_speed=0, deliverable=6, overall=101)
    assert refused.value.message_dict == {
        "response_speed": ["确保该值大于或等于1。"],
        "deliverable": ["确保该值小于或等于5。"],
        "overall": ["确保该值小于或等于100。"],
    }


def test_suggestions_start_the_15_working_day_improvement_clock(
    personas: Personas, customer: Customer
) -> None:
    made = survey(personas, customer, suggestions="增加月度运维报告")
    assert made.improvement_due_on == d(2026, 11, 2)


def test_no_suggestion_no_improvement_clock(personas: Personas, customer: Customer) -> None:
    assert survey(personas, customer, suggestions="无").improvement_due_on is None


def test_an_improvement_plan_answers_the_suggestions(
    personas: Personas, customer: Customer
) -> None:
    made = survey(personas, customer, suggestions="增加月度运维报告")
    planned = services.plan_survey_improvement(
        actor(personas.alice), made, plan="每月5日前发送上月运维报告", expected_version=1
    )
    assert (planned.improvement_plan, planned.improvement_planned_on, planned.version) == (
        "每月5日前发送上月运维报告",
        TODAY,
        2,
    )
    event = AuditEvent.objects.get(action="survey.improvement")
    assert event.changes == {
        "improvement_plan": {"before": "", "after": "每月5日前发送上月运维报告"},
        "improvement_planned_on": {"before": None, "after": "2026-10-12"},
    }


def test_a_vague_plan_is_refused(personas: Personas, customer: Customer) -> None:
    made = survey(personas, customer, suggestions="增加月度运维报告")
    with pytest.raises(ValidationError) as refused:
        services.plan_survey_improvement(actor(personas.alice), made, plan="已处理")
    assert refused.value.message_dict == {
        "plan": ["请写明优化方案(例如「每月5日前提供运维报告」),不能只写「已处理」「无」"]
    }


def test_a_survey_without_suggestions_needs_no_plan(personas: Personas, customer: Customer) -> None:
    made = survey(personas, customer)
    with pytest.raises(ValidationError) as refused:
        services.plan_survey_improvement(actor(personas.alice), made, plan="每月发送运维报告")
    assert refused.value.message_dict == {"plan": ["该调查没有改进建议,无需反馈优化方案"]}


def test_correcting_a_survey_moves_it_between_deliveries(
    personas: Personas, customer: Customer
) -> None:
    first, second = accepted(personas, customer), accepted(personas, customer)
    made = survey(personas, customer, delivery=first)
    services.update_survey(actor(personas.alice), made, delivery=second, reason="选错了交付")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.surveyed_on, second.surveyed_on) == (None, TODAY)
    assert AuditEvent.objects.get(action="survey.update").reason == "选错了交付"
