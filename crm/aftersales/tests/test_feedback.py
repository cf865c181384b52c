"""Feedback: complaints set and clear the customer's complaint flag; suggestions run the
improvement clock; resolving needs a real resolution."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from crm.aftersales import services
from crm.aftersales.models import Feedback
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def feedback(
    personas: Personas, customer: Customer, kind: str = "complaint", **fields: Any
) -> Feedback:
    fields = {"category": "service", "content": "故障报修后4小时无人响应", **fields}
    return services.record_feedback(actor(personas.alice), customer=customer, kind=kind, **fields)


def resolve(personas: Personas, item: Feedback, **fields: Any) -> Feedback:
    fields = {"resolution": "已安排驻场工程师,承诺1小时内响应", **fields}
    return services.resolve_feedback(actor(personas.alice), item, **fields)


def flag_events(customer: Customer) -> list[tuple[dict[str, Any], str]]:
    rows = AuditEvent.objects.filter(action="customer.flag", customer=customer).order_by("pk")
    return [(e.changes, e.reason) for e in rows]


def test_an_open_complaint_sets_the_flag_without_touching_the_customers_version(
    personas: Personas, customer: Customer
) -> None:
    made = feedback(personas, customer)
    customer.refresh_from_db()
    assert (made.status, made.received_on) == ("open", TODAY)
    assert (customer.flag_complaint, customer.version) == (True, 1)
    assert flag_events(customer) == [
        ({"flag_complaint": {"before": False, "after": True}}, "有未解决的投诉")
    ]


def test_resolving_the_last_complaint_clears_the_flag(
    personas: Personas, customer: Customer
) -> None:
    made = resolve(personas, feedback(personas, customer))
    customer.refresh_from_db()
    assert (made.status, made.resolved_on, made.resolved_by) == ("resolved", TODAY, personas.alice)
    assert customer.flag_complaint is False
    assert flag_events(customer)[-1] == (
        {"flag_complaint": {"before": True, "after": False}},
        "投诉已全部解决",
    )


def test_the_flag_stays_while_another_complaint_is_open(
    personas: Personas, customer: Customer
) -> None:
    first = feedback(personas, customer)
    feedback(personas, customer, content="交付文档缺少接口说明", category="quality")
    resolve(personas, first)
    customer.refresh_from_db()
    assert customer.flag_complaint is True
    assert len(flag_events(customer)) == 1


def test_praise_does_not_set_the_flag(personas: Personas, customer: Customer) -> None:
    feedback(personas, customer, kind="praise", content="驻场工程师响应及时,专业")
    customer.refresh_from_db()
    assert customer.flag_complaint is False
    assert flag_events(customer) == []


def test_reopening_a_complaint_sets_the_flag_again(personas: Personas, customer: Customer) -> None:
    made = resolve(personas, feedback(personas, customer))
    with pytest.raises(ValidationError) as refused:
        services.reopen_feedback(actor(personas.alice), made, reason=" ")
    assert refused.value.message_dict == {"reason": ["重新打开反馈需要填写原因"]}
    again = services.reopen_feedback(actor(personas.alice), made, reason="客户反映问题再次出现")
    customer.refresh_from_db()
    assert (again.status, again.resolution, customer.flag_complaint) == ("open", "", True)
    event = AuditEvent.objects.get(action="feedback.reopen")
    assert event.changes["resolution"] == {
        "before": "已安排驻场工程师,承诺1小时内响应",
        "after": "",
    }


def test_turning_a_complaint_into_a_suggestion_clears_the_flag(
    personas: Personas, customer: Customer
) -> None:
    made = feedback(personas, customer)
    services.update_feedback(actor(personas.alice), made, kind="suggestion", reason="实为建议")
    customer.refresh_from_db()
    assert customer.flag_complaint is False


def test_a_vague_resolution_is_refused(personas: Personas, customer: Customer) -> None:
    made = feedback(personas, customer)
    with pytest.raises(ValidationError) as refused:
        resolve(personas, made, resolution="已解决")
    assert refused.value.message_dict == {
        "resolution": ["请写明处理结果(例如「已提供报价单,客户已确认」),不能只写「已完成」「无」"]
    }
    made.refresh_from_db()
    assert made.status == "open"


def test_resolving_twice_is_refused(personas: Personas, customer: Customer) -> None:
    made = resolve(personas, feedback(personas, customer))
    with pytest.raises(ValidationError) as refused:
        resolve(personas, made)
    assert refused.value.message_dict == {"status": ["该反馈已解决"]}


def test_a_resolution_is_not_dated_before_the_feedback(
    personas: Personas, customer: Customer
) -> None:
    made = feedback(personas, customer, received_on=d(2026, 10, 9))
    with pytest.raises(ValidationError) as refused:
        resolve(personas, made, resolved_on=d(2026, 10, 8))
    assert refused.value.message_dict == {"resolved_on": ["解决日期不能早于2026-10-09"]}


def test_a_resolved_feedback_is_reopened_before_it_is_corrected(
    personas: Personas, customer: Customer
) -> None:
    made = resolve(personas, feedback(personas, customer))
    with pytest.raises(ValidationError) as refused:
        services.update_feedback(actor(personas.alice), made, category="quality")
    assert refused.value.message_dict == {"status": ["已解决的反馈不能修改,请先重新打开"]}


def test_a_suggestion_runs_the_improvement_clock_and_its_plan_comes_before_resolving(
    personas: Personas, customer: Customer
) -> None:
    made = feedback(personas, customer, kind="suggestion", content="希望每月提供运维报告")
    assert made.improvement_due_on == d(2026, 11, 2)
    with pytest.raises(ValidationError) as refused:
        resolve(personas, made)
    assert refused.value.message_dict == {"resolution": ["建议需先反馈优化方案,才能标记为已解决"]}
    services.plan_feedback_improvement(
        actor(personas.alice), made, plan="每月5日前发送上月运维报告"
    )
    done = resolve(personas, made, resolution="已按月发送运维报告,客户确认满意")
    assert (done.status, done.improvement_planned_on) == ("resolved", TODAY)


def test_only_suggestions_take_an_improvement_plan(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        services.plan_feedback_improvement(
            actor(personas.alice), feedback(personas, customer), plan="每月发送运维报告"
        )
    assert refused.value.message_dict == {"plan": ["只有建议类反馈需要反馈优化方案"]}


def test_feedback_content_must_say_something(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        feedback(personas, customer, content="无", category="unknown")
    assert set(refused.value.message_dict) == {"content", "category"}
    assert not Feedback.objects.exists()
