"""The after-sales API: deliveries with their clocks and progress notes, surveys and the core
pool, feedback and the complaint flag, referrals approved by a manager, risks and the churn
flag, and the case library. Exact values, Chinese 400s, 404 for hidden rows, 403 for rows
seen but not editable, 428/412 for missing or stale If-Match, an audit row (source api) for
every write, and list query counts that do not grow with the rows.

Time is frozen at Mon 2026-10-12 (conftest): the National Day holiday ran Thu 1 - Wed 7 Oct,
Sat 10 Oct was a make-up working day."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.aftersales import services
from crm.aftersales.models import Case, Delivery, Feedback, Referral, Risk, Survey
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor, api_client
from crm.customers import services as customers
from crm.customers.models import Customer
from crm.records.rules import CONTENT_MESSAGE, RESULT_MESSAGE

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def etag(obj: Any) -> str:
    obj.refresh_from_db()
    return f'"{obj.pk}-{obj.version}"'


def audited(action: str) -> list[tuple[str, str, int | None]]:
    """(action, source, actor id) of the audit rows of `action`, oldest first."""
    rows = AuditEvent.objects.filter(action=action).order_by("pk")
    return [(e.action, e.source, e.actor_id) for e in rows]


def flags(customer: Customer) -> tuple[bool, bool]:
    found = Customer.objects.get(pk=customer.pk)
    return found.flag_complaint, found.flag_churn_risk


def delivery(personas: Personas, customer: Customer, **fields: Any) -> Delivery:
    fields = {"title": "运维托管平台一期", **fields}
    return services.create_delivery(actor(personas.alice), customer=customer, **fields)


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


def feedback(personas: Personas, customer: Customer, **fields: Any) -> Feedback:
    fields = {"kind": "complaint", "category": "service", "content": "工单响应超过两天", **fields}
    return services.record_feedback(actor(personas.alice), customer=customer, **fields)


def risk(personas: Personas, customer: Customer, **fields: Any) -> Risk:
    fields = {
        "kind": "price",
        "level": "high",
        "description": "客户预算压缩30%",
        "countermeasure": "拆分二期,先做核心模块",
        "due_on": d(2026, 10, 30),
        **fields,
    }
    return services.raise_risk(actor(personas.alice), customer=customer, **fields)


def case(personas: Personas, customer: Customer, **fields: Any) -> Case:
    fields = {
        "kind": "won",
        "title": "制造业标杆客户",
        "story": "三轮演示后签约,首期上线两周",
        "tags": ["制造业"],
        **fields,
    }
    return services.create_case(actor(personas.alice), customer=customer, **fields)


@pytest.fixture
def referred(personas: Personas, customer_of: Any) -> Customer:
    found: Customer = customer_of(personas.alice, name="广州市新锐制造有限公司")
    return found


def referral(personas: Personas, customer: Customer, **fields: Any) -> Referral:
    return services.create_referral(actor(personas.alice), customer=customer, **fields)


# --- deliveries ---------------------------------------------------------------------------------


def test_a_delivery_answers_201_with_its_acceptance_clock_and_an_etag(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/deliveries/",
        {"customer": customer.pk, "title": " 运维托管平台一期 ", "delivered_on": "2026-09-30"},
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert response["ETag"] == f'"{data["id"]}-1"'
    assert (data["customer"], data["customer_name"], data["title"], data["status"]) == (
        customer.pk,
        "深圳市腾飞科技有限公司",
        "运维托管平台一期",
        "delivered",
    )
    # three working days after Wed 30 Sep: Thu 8, Fri 9 and the make-up Sat 10 Oct
    assert (data["acceptance_due_on"], data["acceptance_status"]) == ("2026-10-10", "breached")
    assert (data["survey_due_on"], data["survey_status"], data["progress"]) == (None, None, [])
    assert (data["contract"], data["contract_number"], data["version"]) == (None, "", 1)
    assert audited("delivery.create") == [("delivery.create", "api", personas.alice.pk)]


def test_a_delivery_of_a_hidden_customer_answers_404_and_a_read_only_one_403(personas, customer):
    body = {"customer": customer.pk, "title": "二期"}
    assert api_client(personas.dave).post("/api/v1/deliveries/", body).status_code == 404
    refused = api_client(personas.erin).post("/api/v1/deliveries/", body, format="json")
    assert (refused.status_code, refused.data) == (403, {"detail": "您只能查看该客户,不能修改"})
    assert not Delivery.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="delivery.").exists()


def test_delivery_dates_answer_400_per_field_in_chinese(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/deliveries/",
        {"customer": customer.pk, "title": "二期", "delivered_on": "2026-10-13"},
        format="json",
    )
    assert (response.status_code, response.data) == (
        400,
        {"delivered_on": ["交付日期不能晚于今天"]},
    )
    early = api_client(personas.alice).post(
        "/api/v1/deliveries/",
        {"customer": customer.pk, "title": "二期", "accepted_on": "2026-10-09"},
        format="json",
    )
    assert (early.status_code, early.data) == (
        400,
        {"accepted_on": ["请先填写交付日期,再登记验收"]},
    )
    assert not Delivery.objects.exists()


def test_a_contract_of_another_customer_answers_400(personas, customer, customer_of):
    from crm.pipeline import services as pipeline

    other = customer_of(personas.alice)
    theirs = pipeline.create_contract(
        actor(personas.alice), customer=other, amount=Decimal(1), signed_on=d(2026, 10, 9)
    )
    response = api_client(personas.alice).post(
        "/api/v1/deliveries/",
        {"customer": customer.pk, "title": "二期", "contract": theirs.pk},
        format="json",
    )
    assert (response.status_code, response.data) == (400, {"contract": ["所选合同不属于该客户"]})


def test_delivery_patch_needs_a_current_if_match(personas, customer):
    made = delivery(personas, customer)
    stale = etag(made)
    services.update_delivery(actor(personas.carol), made, notes="客户要求先上线报表")
    client = api_client(personas.alice)
    url = f"/api/v1/deliveries/{made.pk}/"
    assert client.patch(url, {"title": "一期"}, format="json").status_code == 428
    refused = client.patch(url, {"title": "一期"}, format="json", HTTP_IF_MATCH=stale)
    assert (refused.status_code, refused.data["current_version"]) == (412, 2)
    done = client.patch(
        url,
        {"title": "运维平台一期(含报表)", "reason": "范围调整"},
        format="json",
        HTTP_IF_MATCH=etag(made),
    )
    assert (done.status_code, done["ETag"]) == (200, f'"{made.pk}-3"')
    assert (done.data["title"], done.data["notes"]) == (
        "运维平台一期(含报表)",
        "客户要求先上线报表",
    )
    event = AuditEvent.objects.filter(action="delivery.update").latest("pk")
    assert (event.source, event.reason, event.changes["title"]) == (
        "api",
        "范围调整",
        {"before": "运维托管平台一期", "after": "运维平台一期(含报表)"},
    )


def test_deliver_starts_the_acceptance_clock(personas, customer):
    made = delivery(personas, customer)
    client = api_client(personas.alice)
    response = client.post(f"/api/v1/deliveries/{made.pk}/deliver/", {}, format="json")
    assert response.status_code == 200, response.data
    data = response.data
    assert (data["status"], data["delivered_on"], data["acceptance_due_on"]) == (
        "delivered",
        "2026-10-12",
        "2026-10-15",
    )
    assert (data["acceptance_status"], data["version"], response["ETag"]) == (
        "open",
        2,
        f'"{made.pk}-2"',
    )
    assert audited("delivery.deliver") == [("delivery.deliver", "api", personas.alice.pk)]
    again = client.post(f"/api/v1/deliveries/{made.pk}/deliver/", {}, format="json")
    assert (again.status_code, again.data) == (
        400,
        {"delivered_on": ["该交付已于 2026-10-12 交付"]},
    )


def test_accepting_starts_the_survey_clock_on_the_seventh_working_day(personas, customer):
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    response = api_client(personas.alice).post(
        f"/api/v1/deliveries/{made.pk}/accept/", {"accepted_on": "2026-10-12"}, format="json"
    )
    assert response.status_code == 200, response.data
    data = response.data
    assert (data["status"], data["accepted_on"], data["acceptance_status"]) == (
        "accepted",
        "2026-10-12",
        "breached",  # due Sat 10 Oct, accepted two days later
    )
    # Tue 13 … Fri 16, Mon 19 … Wed 21 Oct
    assert (data["survey_due_on"], data["survey_status"], data["surveyed_on"]) == (
        "2026-10-21",
        "open",
        None,
    )
    assert audited("delivery.accept") == [("delivery.accept", "api", personas.alice.pk)]


def test_accepting_with_a_stale_if_match_answers_412(personas, customer):
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    response = api_client(personas.alice).post(
        f"/api/v1/deliveries/{made.pk}/accept/", {}, format="json", HTTP_IF_MATCH=f'"{made.pk}-5"'
    )
    assert response.status_code == 412
    made.refresh_from_db()
    assert (made.accepted_on, made.version) == (None, 1)


def test_accepting_before_the_delivery_date_answers_400(personas, customer):
    made = delivery(personas, customer, delivered_on=d(2026, 10, 9))
    response = api_client(personas.alice).post(
        f"/api/v1/deliveries/{made.pk}/accept/", {"accepted_on": "2026-10-08"}, format="json"
    )
    assert (response.status_code, response.data) == (
        400,
        {"accepted_on": ["验收日期不能早于交付日期"]},
    )


def test_weekly_progress_notes_show_newest_first(personas, customer):
    made = delivery(personas, customer)
    client = api_client(personas.alice)
    url = f"/api/v1/deliveries/{made.pk}/progress/"
    first = client.post(url, {"noted_on": "2026-09-28", "content": "完成需求确认"}, format="json")
    assert first.status_code == 201, first.data
    second = client.post(url, {"content": "本周已完成模块开发,预计下周进入测试阶段"}, format="json")
    assert second.status_code == 201, second.data
    shown = [
        (n["noted_on"], n["content"], n["author"], n["author_name"])
        for n in second.data["progress"]
    ]
    assert shown == [
        ("2026-10-12", "本周已完成模块开发,预计下周进入测试阶段", personas.alice.pk, "张爱丽"),
        ("2026-09-28", "完成需求确认", personas.alice.pk, "张爱丽"),
    ]
    assert len(audited("delivery.progress")) == 2
    assert {e.source for e in AuditEvent.objects.filter(action="delivery.progress")} == {"api"}


def test_a_filler_progress_note_answers_400(personas, customer):
    made = delivery(personas, customer)
    response = api_client(personas.alice).post(
        f"/api/v1/deliveries/{made.pk}/progress/", {"content": "无"}, format="json"
    )
    assert (response.status_code, response.data) == (400, {"content": [CONTENT_MESSAGE]})
    assert not made.progress.exists()


def test_a_hidden_delivery_answers_404_and_service_staff_may_not_write(personas, customer):
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    dave = api_client(personas.dave)
    assert dave.get(f"/api/v1/deliveries/{made.pk}/").status_code == 404
    assert dave.post(f"/api/v1/deliveries/{made.pk}/accept/", {}).status_code == 404
    assert dave.get("/api/v1/deliveries/").data["results"] == []
    erin = api_client(personas.erin)
    assert erin.get(f"/api/v1/deliveries/{made.pk}/").data["title"] == "运维托管平台一期"
    assert erin.post(f"/api/v1/deliveries/{made.pk}/accept/", {}).status_code == 403
    progress = erin.post(f"/api/v1/deliveries/{made.pk}/progress/", {"content": "完成联调"})
    assert progress.status_code == 403
    made.refresh_from_db()
    assert (made.accepted_on, made.version, made.progress.count()) == (None, 1, 0)


def test_delivery_filters(personas, customer, customer_of):
    other = customer_of(personas.alice)
    delivery(personas, customer, title="交付中")
    delivery(personas, customer, title="待验收", delivered_on=d(2026, 10, 9))
    delivery(personas, other, title="已验收", delivered_on=d(2026, 9, 30), accepted_on=TODAY)
    client = api_client(personas.alice)

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/v1/deliveries/?ordering=id&{query}")
        assert response.status_code == 200, response.data
        return [r["title"] for r in response.data["results"]]

    assert titles("status=in_progress") == ["交付中"]
    assert titles("status=delivered") == ["待验收"]
    assert titles("status=accepted") == ["已验收"]
    assert titles(f"customer={customer.pk}") == ["交付中", "待验收"]
    assert titles("delivered_after=2026-10-01") == ["待验收"]
    assert client.get("/api/v1/deliveries/?status=lost").status_code == 400


# --- surveys ------------------------------------------------------------------------------------


def survey_body(customer: Customer, **extra: Any) -> dict[str, Any]:
    return {
        "customer": customer.pk,
        "surveyed_on": "2026-10-12",
        "method": "phone",
        "response_speed": 5,
        "deliverable": 5,
        "overall": 95,
        "referral_intent": "yes",
        **extra,
    }


def test_a_survey_of_95_answers_201_and_puts_the_customer_in_the_core_pool(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/surveys/", survey_body(customer), format="json"
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert response["ETag"] == f'"{data["id"]}-1"'
    assert (data["overall"], data["method"], data["referral_intent"]) == (95, "phone", "yes")
    assert data["core_pool"] == {"since": "2026-10-12", "survey": data["id"]}
    assert (data["improvement_due_on"], data["improvement_status"]) == (None, None)
    assert audited("survey.create") == [("survey.create", "api", personas.alice.pk)]
    assert audited("corepool.enter") == [("corepool.enter", "api", personas.alice.pk)]


def test_suggestions_start_the_15_working_day_improvement_clock(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/surveys/",
        survey_body(customer, overall=80, suggestions="希望每月提供运维报告"),
        format="json",
    )
    assert response.status_code == 201, response.data
    assert (response.data["core_pool"], response.data["improvement_due_on"]) == (
        None,
        "2026-11-02",
    )
    assert response.data["improvement_status"] == "open"


def test_scores_out_of_range_answer_400_per_field(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/surveys/",
        survey_body(customer, response_speed=6, overall=101),
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {
        "response_speed": ["确保该值小于或等于5。"],
        "overall": ["确保该值小于或等于100。"],
    }
    assert not Survey.objects.exists()


def test_a_survey_on_an_unaccepted_delivery_answers_400(personas, customer):
    made = delivery(personas, customer, delivered_on=d(2026, 10, 9))
    response = api_client(personas.alice).post(
        "/api/v1/surveys/", survey_body(customer, delivery=made.pk), format="json"
    )
    assert (response.status_code, response.data) == (
        400,
        {"delivery": ["该交付尚未验收,满意度调查须在验收之后进行"]},
    )


def test_correcting_the_score_below_90_takes_the_customer_out_of_the_pool(personas, customer):
    made = survey(personas, customer, overall=95)
    client = api_client(personas.alice)
    url = f"/api/v1/surveys/{made.pk}/"
    assert (
        client.patch(
            url, {"overall": 80}, format="json", HTTP_IF_MATCH=f'"{made.pk}-9"'
        ).status_code
        == 412
    )
    response = client.patch(
        url, {"overall": 80, "reason": "录入错误"}, format="json", HTTP_IF_MATCH=etag(made)
    )
    assert response.status_code == 200, response.data
    assert (response.data["overall"], response.data["core_pool"], response.data["version"]) == (
        80,
        None,
        2,
    )
    assert audited("survey.update") == [("survey.update", "api", personas.alice.pk)]
    assert audited("corepool.leave") == [("corepool.leave", "api", personas.alice.pk)]


def test_the_improvement_plan_answers_the_suggestions(personas, customer):
    made = survey(personas, customer, suggestions="希望每月提供运维报告")
    response = api_client(personas.alice).post(
        f"/api/v1/surveys/{made.pk}/improvement/",
        {"plan": "每月5日前发送上月运维报告"},
        format="json",
    )
    assert response.status_code == 200, response.data
    data = response.data
    assert (data["improvement_plan"], data["improvement_planned_on"]) == (
        "每月5日前发送上月运维报告",
        "2026-10-12",
    )
    assert (data["improvement_status"], data["version"]) == ("met", 2)
    assert audited("survey.improvement") == [("survey.improvement", "api", personas.alice.pk)]


def test_a_survey_without_suggestions_needs_no_plan(personas, customer):
    made = survey(personas, customer, suggestions="无")
    response = api_client(personas.alice).post(
        f"/api/v1/surveys/{made.pk}/improvement/", {"plan": "每月发送报告"}, format="json"
    )
    assert (response.status_code, response.data) == (
        400,
        {"plan": ["该调查没有改进建议,无需反馈优化方案"]},
    )


def test_surveys_are_hidden_from_another_team(personas, customer):
    made = survey(personas, customer)
    client = api_client(personas.dave)
    assert client.get(f"/api/v1/surveys/{made.pk}/").status_code == 404
    assert client.get("/api/v1/surveys/").data["results"] == []
    body = survey_body(customer)
    assert (
        api_client(personas.erin).post("/api/v1/surveys/", body, format="json").status_code == 403
    )
    assert Survey.objects.count() == 1


def test_survey_filters_and_ordering(personas, customer, customer_of):
    other = customer_of(personas.alice)
    survey(personas, customer, overall=70, surveyed_on=d(2026, 9, 1), referral_intent="no")
    survey(personas, customer, overall=92)
    survey(personas, other, overall=85)
    client = api_client(personas.alice)

    def scores(query: str) -> list[int]:
        response = client.get(f"/api/v1/surveys/?{query}")
        assert response.status_code == 200, response.data
        return [r["overall"] for r in response.data["results"]]

    assert scores(f"customer={customer.pk}&ordering=overall") == [70, 92]
    assert scores("ordering=-overall") == [92, 85, 70]
    assert scores("referral_intent=no") == [70]
    assert scores("surveyed_after=2026-10-01&ordering=id") == [92, 85]


# --- feedback -----------------------------------------------------------------------------------


def test_a_complaint_answers_201_and_flags_the_customer(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/feedback/",
        {
            "customer": customer.pk,
            "kind": "complaint",
            "category": "service",
            "content": "工单响应超过两天",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["kind"], data["status"], data["received_on"], data["resolution"]) == (
        "complaint",
        "open",
        "2026-10-12",
        "",
    )
    assert (data["improvement_due_on"], data["improvement_status"]) == (None, None)
    assert flags(customer) == (True, False)
    assert audited("feedback.create") == [("feedback.create", "api", personas.alice.pk)]
    flag = AuditEvent.objects.get(action="customer.flag")
    assert (flag.source, flag.changes) == (
        "api",
        {"flag_complaint": {"before": False, "after": True}},
    )


def test_resolving_the_complaint_clears_the_flag_and_reopening_sets_it(personas, customer):
    made = feedback(personas, customer)
    client = api_client(personas.alice)
    resolved = client.post(
        f"/api/v1/feedback/{made.pk}/resolve/",
        {"resolution": "已安排驻场工程师,承诺1小时内响应"},
        format="json",
    )
    assert resolved.status_code == 200, resolved.data
    assert (resolved.data["status"], resolved.data["resolved_on"]) == ("resolved", "2026-10-12")
    assert (resolved.data["resolved_by"], resolved.data["resolved_by_name"]) == (
        personas.alice.pk,
        "张爱丽",
    )
    assert flags(customer) == (False, False)
    refused = client.post(f"/api/v1/feedback/{made.pk}/reopen/", {}, format="json")
    assert (refused.status_code, refused.data) == (400, {"reason": ["重新打开反馈需要填写原因"]})
    reopened = client.post(
        f"/api/v1/feedback/{made.pk}/reopen/", {"reason": "客户反馈问题复现"}, format="json"
    )
    assert (reopened.status_code, reopened.data["status"], reopened.data["resolution"]) == (
        200,
        "open",
        "",
    )
    assert flags(customer) == (True, False)
    assert audited("feedback.resolve") == [("feedback.resolve", "api", personas.alice.pk)]
    assert AuditEvent.objects.get(action="feedback.reopen").reason == "客户反馈问题复现"


def test_a_vague_resolution_answers_400(personas, customer):
    made = feedback(personas, customer)
    response = api_client(personas.alice).post(
        f"/api/v1/feedback/{made.pk}/resolve/", {"resolution": "已解决"}, format="json"
    )
    assert (response.status_code, response.data) == (400, {"resolution": [RESULT_MESSAGE]})
    assert flags(customer) == (True, False)


def test_a_suggestion_is_resolved_only_after_its_improvement_plan(personas, customer):
    made = feedback(personas, customer, kind="suggestion", content="希望报表支持导出Excel")
    client = api_client(personas.alice)
    early = client.post(
        f"/api/v1/feedback/{made.pk}/resolve/", {"resolution": "报表已支持导出"}, format="json"
    )
    assert (early.status_code, early.data) == (
        400,
        {"resolution": ["建议需先反馈优化方案,才能标记为已解决"]},
    )
    planned = client.post(
        f"/api/v1/feedback/{made.pk}/improvement/",
        {"plan": "11月版本增加报表导出Excel功能"},
        format="json",
    )
    assert planned.status_code == 200, planned.data
    assert (planned.data["improvement_due_on"], planned.data["improvement_status"]) == (
        "2026-11-02",
        "met",
    )
    done = client.post(
        f"/api/v1/feedback/{made.pk}/resolve/", {"resolution": "报表已支持导出"}, format="json"
    )
    assert (done.status_code, done.data["status"]) == (200, "resolved")
    assert audited("feedback.improvement") == [("feedback.improvement", "api", personas.alice.pk)]


def test_feedback_patch_with_if_match(personas, customer):
    made = feedback(personas, customer)
    client = api_client(personas.alice)
    url = f"/api/v1/feedback/{made.pk}/"
    stale = client.patch(
        url, {"category": "quality"}, format="json", HTTP_IF_MATCH=f'"{made.pk}-3"'
    )
    assert stale.status_code == 412
    done = client.patch(url, {"category": "quality"}, format="json", HTTP_IF_MATCH=etag(made))
    assert (done.status_code, done.data["category"], done["ETag"]) == (
        200,
        "quality",
        f'"{made.pk}-2"',
    )
    assert audited("feedback.update") == [("feedback.update", "api", personas.alice.pk)]


def test_feedback_of_a_read_only_customer_answers_403(personas, customer):
    made = feedback(personas, customer)
    erin = api_client(personas.erin)
    assert erin.get(f"/api/v1/feedback/{made.pk}/").status_code == 200
    response = erin.post(
        f"/api/v1/feedback/{made.pk}/resolve/", {"resolution": "已致电客户道歉并补偿"}
    )
    assert response.status_code == 403
    assert api_client(personas.dave).get(f"/api/v1/feedback/{made.pk}/").status_code == 404
    made.refresh_from_db()
    assert (made.status, made.version) == ("open", 1)


def test_feedback_filters(personas, customer):
    feedback(personas, customer, content="响应慢")
    feedback(personas, customer, kind="praise", content="上线当天全程陪同")
    resolved = feedback(personas, customer, category="price", content="续费涨价太多")
    services.resolve_feedback(actor(personas.alice), resolved, resolution="已给出续费九折方案")
    client = api_client(personas.alice)

    def contents(query: str) -> list[str]:
        response = client.get(f"/api/v1/feedback/?ordering=id&{query}")
        assert response.status_code == 200, response.data
        return [r["content"] for r in response.data["results"]]

    assert contents("kind=complaint") == ["响应慢", "续费涨价太多"]
    assert contents("kind=complaint&status=open") == ["响应慢"]
    assert contents("status=resolved") == ["续费涨价太多"]
    assert contents("category=price") == ["续费涨价太多"]
    assert contents(f"customer={customer.pk}&kind=praise") == ["上线当天全程陪同"]


# --- referrals ----------------------------------------------------------------------------------


def test_a_referral_answers_201_pending(personas, customer, referred):
    response = api_client(personas.alice).post(
        "/api/v1/referrals/",
        {
            "customer": customer.pk,
            "referred": referred.pk,
            "reward_amount": "5000.00",
            "reward_text": "现金奖励",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["status"], data["referred_on"], data["reward_amount"]) == (
        "pending",
        "2026-10-12",
        "5000.00",
    )
    assert (data["referred"], data["referred_customer_name"], data["can_approve"]) == (
        referred.pk,
        "广州市新锐制造有限公司",
        False,
    )
    assert audited("referral.create") == [("referral.create", "api", personas.alice.pk)]


def test_the_referred_customers_name_shows_only_to_who_may_see_it(personas, customer, referred):
    made = referral(personas, customer, referred=referred)
    customers.add_collaborator(actor(personas.alice), customer, user=personas.bob, reason="协办")

    def shown(user: Any) -> tuple[Any, ...]:
        one = api_client(user).get(f"/api/v1/referrals/{made.pk}/").data
        listed = api_client(user).get("/api/v1/referrals/").data["results"]
        return one["referred"], one["referred_customer_name"], listed[0]["referred_customer_name"]

    assert shown(personas.alice) == (referred.pk, referred.name, referred.name)
    assert shown(personas.bob) == (referred.pk, "(其他团队的客户)", "(其他团队的客户)")


def test_a_referral_names_someone(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/referrals/", {"customer": customer.pk}, format="json"
    )
    assert (response.status_code, response.data) == (
        400,
        {"referred_name": ["请选择被推荐客户,或填写其名称"]},
    )


def test_a_non_approver_may_not_approve_and_nothing_changes(personas, customer, referred):
    made = referral(personas, customer, referred=referred, reward_amount=Decimal(5000))
    response = api_client(personas.alice).post(f"/api/v1/referrals/{made.pk}/approve/", {})
    assert (response.status_code, response.data) == (
        403,
        {"detail": "转介绍奖励须由销售经理或管理员审批和发放"},
    )
    made.refresh_from_db()
    assert (made.status, made.version) == ("pending", 1)
    assert audited("referral.approve") == []


def test_the_manager_approves_then_pays(personas, customer, referred):
    made = referral(personas, customer, referred=referred, reward_amount=Decimal(5000))
    client = api_client(personas.carol)
    assert client.get(f"/api/v1/referrals/{made.pk}/").data["can_approve"] is True
    approved = client.post(
        f"/api/v1/referrals/{made.pk}/approve/", {"reason": "已签约"}, format="json"
    )
    assert approved.status_code == 200, approved.data
    assert (
        approved.data["status"],
        approved.data["approved_on"],
        approved.data["approved_by"],
    ) == (
        "approved",
        "2026-10-12",
        personas.carol.pk,
    )
    early = client.post(
        f"/api/v1/referrals/{made.pk}/pay/", {"paid_on": "2026-10-09"}, format="json"
    )
    assert (early.status_code, early.data) == (400, {"paid_on": ["发放日期不能早于2026-10-12"]})
    paid = client.post(f"/api/v1/referrals/{made.pk}/pay/", {}, format="json")
    assert (paid.status_code, paid.data["status"], paid.data["paid_by"], paid.data["version"]) == (
        200,
        "paid",
        personas.carol.pk,
        3,
    )
    assert audited("referral.approve") == [("referral.approve", "api", personas.carol.pk)]
    assert audited("referral.pay") == [("referral.pay", "api", personas.carol.pk)]


def test_approving_needs_the_referred_customer_and_a_reward(personas, customer):
    made = referral(personas, customer, referred_name="广州市新锐制造有限公司")
    response = api_client(personas.admin).post(f"/api/v1/referrals/{made.pk}/approve/", {})
    assert (response.status_code, response.data) == (
        400,
        {
            "referred": ["审批前请关联被推荐客户的客户档案"],
            "reward_amount": ["审批前请填写奖励金额或奖励说明"],
        },
    )


def test_referral_patch_and_filters(personas, customer, referred):
    made = referral(personas, customer, referred_name="新锐制造")
    other = referral(personas, customer, referred=referred, reward_text="服务费9折")
    services.approve_referral(actor(personas.carol), other)
    client = api_client(personas.alice)
    patched = client.patch(
        f"/api/v1/referrals/{made.pk}/",
        {"reward_amount": "3000.00"},
        format="json",
        HTTP_IF_MATCH=etag(made),
    )
    assert (patched.status_code, patched.data["reward_amount"]) == (200, "3000.00")
    assert audited("referral.update") == [("referral.update", "api", personas.alice.pk)]

    def ids(query: str) -> list[int]:
        return [
            r["id"] for r in client.get(f"/api/v1/referrals/?ordering=id&{query}").data["results"]
        ]

    assert ids("status=pending") == [made.pk]
    assert ids("status=approved") == [other.pk]
    assert ids(f"referred={referred.pk}") == [other.pk]
    assert api_client(personas.dave).get("/api/v1/referrals/").data["results"] == []


# --- risks --------------------------------------------------------------------------------------


def risk_body(customer: Customer, **extra: Any) -> dict[str, Any]:
    return {
        "customer": customer.pk,
        "kind": "competition",
        "level": "high",
        "description": "竞品报价低20%,客户在比价",
        "countermeasure": "安排技术交流,突出运维响应优势",
        "due_on": "2026-10-30",
        **extra,
    }


def test_a_high_risk_answers_201_and_flags_churn_risk(personas, customer):
    response = api_client(personas.alice).post("/api/v1/risks/", risk_body(customer), format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["status"], data["raised_on"], data["owner"], data["owner_name"]) == (
        "open",
        "2026-10-12",
        personas.alice.pk,
        "张爱丽",
    )
    assert (data["due_on"], data["overdue"], data["outcome"]) == ("2026-10-30", False, "")
    assert flags(customer) == (False, True)
    assert audited("risk.create") == [("risk.create", "api", personas.alice.pk)]
    flag = AuditEvent.objects.get(action="customer.flag")
    assert (flag.source, flag.changes) == (
        "api",
        {"flag_churn_risk": {"before": False, "after": True}},
    )


def test_a_low_risk_does_not_flag(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/risks/", risk_body(customer, level="low"), format="json"
    )
    assert response.status_code == 201, response.data
    assert flags(customer) == (False, False)


def test_risk_fields_answer_400_per_field(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/risks/",
        risk_body(customer, due_on="2026-10-09", countermeasure="无", owner=personas.erin.pk),
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {
        "countermeasure": ["请写明具体的应对措施"],
        "owner": ["负责人须为销售、销售经理、客户成功或管理员"],
        "due_on": ["处理期限不能早于今天"],
    }
    assert not Risk.objects.exists()


def test_closing_a_risk_records_its_outcome_and_clears_the_flag(personas, customer):
    made = risk(personas, customer)
    client = api_client(personas.alice)
    bad = client.post(f"/api/v1/risks/{made.pk}/close/", {"outcome": "maybe"}, format="json")
    assert (bad.status_code, list(bad.data)) == (400, ["outcome"])
    closed = client.post(
        f"/api/v1/risks/{made.pk}/close/",
        {"outcome": "effective", "note": "客户接受分期方案,续签一年"},
        format="json",
    )
    assert closed.status_code == 200, closed.data
    data = closed.data
    assert (data["status"], data["outcome"], data["outcome_note"], data["closed_on"]) == (
        "closed",
        "effective",
        "客户接受分期方案,续签一年",
        "2026-10-12",
    )
    assert (data["closed_by"], data["version"]) == (personas.alice.pk, 2)
    assert flags(customer) == (False, False)
    assert audited("risk.close") == [("risk.close", "api", personas.alice.pk)]


def test_reopening_a_risk_needs_a_reason_and_flags_again(personas, customer):
    made = risk(personas, customer)
    services.close_risk(actor(personas.alice), made, outcome="ineffective")
    client = api_client(personas.alice)
    refused = client.post(f"/api/v1/risks/{made.pk}/reopen/", {}, format="json")
    assert (refused.status_code, refused.data) == (
        400,
        {"reason": ["重新打开风险预警需要填写原因"]},
    )
    reopened = client.post(
        f"/api/v1/risks/{made.pk}/reopen/", {"reason": "竞品再次报价"}, format="json"
    )
    assert (reopened.status_code, reopened.data["status"], reopened.data["outcome"]) == (
        200,
        "open",
        "",
    )
    assert flags(customer) == (False, True)
    assert AuditEvent.objects.get(action="risk.reopen").reason == "竞品再次报价"


def test_risk_patch_with_if_match_and_lowering_the_level_clears_the_flag(personas, customer):
    made = risk(personas, customer)
    client = api_client(personas.alice)
    url = f"/api/v1/risks/{made.pk}/"
    assert client.patch(url, {"level": "medium"}, format="json").status_code == 428
    done = client.patch(
        url,
        {"level": "medium", "reason": "客户已确认预算"},
        format="json",
        HTTP_IF_MATCH=etag(made),
    )
    assert (done.status_code, done.data["level"], done["ETag"]) == (200, "medium", f'"{made.pk}-2"')
    assert flags(customer) == (False, False)
    assert AuditEvent.objects.get(action="risk.update").reason == "客户已确认预算"


def test_risks_hidden_and_read_only(personas, customer):
    made = risk(personas, customer)
    assert api_client(personas.dave).get(f"/api/v1/risks/{made.pk}/").status_code == 404
    erin = api_client(personas.erin)
    closed = erin.post(f"/api/v1/risks/{made.pk}/close/", {"outcome": "effective"})
    assert closed.status_code == 403
    made.refresh_from_db()
    assert (made.status, made.version, flags(customer)) == ("open", 1, (False, True))


def test_risk_filters(personas, customer, customer_of):
    other = customer_of(personas.alice)
    risk(personas, customer, description="竞品低价")
    risk(personas, customer, level="low", kind="satisfaction", description="客户抱怨响应慢")
    closed = risk(personas, other, description="决策人更换")
    services.close_risk(actor(personas.alice), closed, outcome="effective")
    client = api_client(personas.alice)

    def texts(query: str) -> list[str]:
        response = client.get(f"/api/v1/risks/?ordering=id&{query}")
        assert response.status_code == 200, response.data
        return [r["description"] for r in response.data["results"]]

    assert texts("level=high&status=open") == ["竞品低价"]
    assert texts("kind=satisfaction") == ["客户抱怨响应慢"]
    assert texts("status=closed&outcome=effective") == ["决策人更换"]
    assert texts(f"customer={customer.pk}") == ["竞品低价", "客户抱怨响应慢"]
    assert texts(f"owner={personas.alice.pk}&due_before=2026-10-29") == []


# --- cases --------------------------------------------------------------------------------------


def test_a_case_answers_201_and_every_signed_in_user_reads_it(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/cases/",
        {
            "customer": customer.pk,
            "kind": "retained",
            "title": "价格战中挽回的客户",
            "story": "竞品低价抢单,我们以驻场服务和分期付款留住客户",
            "lessons": "服务响应是核心竞争力",
            "tags": [" 华东 ", "价格战", "华东"],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["kind"], data["tags"], data["created_by_name"]) == (
        "retained",
        ["华东", "价格战"],
        "张爱丽",
    )
    assert audited("case.create") == [("case.create", "api", personas.alice.pk)]
    assert data["customer_name"] == customer.name
    names = {}
    for user in (personas.dave, personas.erin, personas.bob):
        client = api_client(user)
        shown = client.get(f"/api/v1/cases/{data['id']}/").data
        assert shown["title"] == "价格战中挽回的客户"
        listed = client.get("/api/v1/cases/").data["results"]
        assert [r["id"] for r in listed] == [data["id"]]
        names[user.username] = (shown["customer_name"], listed[0]["customer_name"])
    # the story is for everyone; the customer's name only for who may see the customer
    hidden = ("(其他团队的客户)", "(其他团队的客户)")
    assert names == {"dave": hidden, "erin": (customer.name, customer.name), "bob": hidden}


def test_too_many_tags_answer_400(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/cases/",
        {
            "customer": customer.pk,
            "kind": "won",
            "title": "标杆",
            "story": "三轮演示后签约",
            "tags": [f"标签{i}" for i in range(11)],
        },
        format="json",
    )
    assert (response.status_code, response.data) == (400, {"tags": ["标签最多 10 个"]})


def test_cases_filter_by_kind_and_tag(personas, customer):
    case(personas, customer, title="制造业标杆", tags=["华东", "制造业"])
    case(personas, customer, kind="lost", title="价格战流失", tags=["价格战"])
    case(personas, customer, kind="retained", title="华东挽留", tags=["华东区域"])
    client = api_client(personas.dave)

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/v1/cases/?ordering=id&{query}")
        assert response.status_code == 200, response.data
        return [r["title"] for r in response.data["results"]]

    assert titles("kind=lost") == ["价格战流失"]
    assert titles("tag=华东") == ["制造业标杆"]  # a whole tag, not 华东区域
    assert titles("tag= 华东区域 ") == ["华东挽留"]
    assert titles("tag=华东&kind=won") == ["制造业标杆"]
    assert titles("tag=a|b") == []
    assert titles(f"customer={customer.pk}") == ["制造业标杆", "价格战流失", "华东挽留"]


def test_a_case_is_corrected_with_if_match_by_an_editor_only(personas, customer):
    made = case(personas, customer)
    url = f"/api/v1/cases/{made.pk}/"
    body = {"title": "制造业标杆客户(2026)"}
    refused = api_client(personas.dave).patch(url, body, format="json", HTTP_IF_MATCH=etag(made))
    assert (refused.status_code, refused.data) == (403, {"detail": "您只能查看该客户,不能修改"})
    client = api_client(personas.alice)
    stale = client.patch(url, body, format="json", HTTP_IF_MATCH=f'"{made.pk}-4"')
    assert stale.status_code == 412
    done = client.patch(url, body, format="json", HTTP_IF_MATCH=etag(made))
    assert (done.status_code, done.data["title"], done["ETag"]) == (
        200,
        "制造业标杆客户(2026)",
        f'"{made.pk}-2"',
    )
    assert audited("case.update") == [("case.update", "api", personas.alice.pk)]


def test_withdrawing_a_case_needs_a_reason(personas, customer):
    made = case(personas, customer)
    client = api_client(personas.alice)
    refused = client.delete(f"/api/v1/cases/{made.pk}/")
    assert (refused.status_code, refused.data) == (400, {"reason": ["撤下案例需要填写原因"]})
    assert Case.objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize("where", ["query", "body"])
def test_withdrawing_a_case_with_a_reason_answers_204(personas, customer, where):
    made = case(personas, customer)
    client = api_client(personas.alice)
    if where == "query":
        response = client.delete(f"/api/v1/cases/{made.pk}/?reason=客户要求撤下")
    else:
        response = client.delete(
            f"/api/v1/cases/{made.pk}/", {"reason": "客户要求撤下"}, format="json"
        )
    assert response.status_code == 204
    assert not Case.objects.exists()
    event = AuditEvent.objects.get(action="case.withdraw")
    assert (event.source, event.reason, event.changes["title"]) == (
        "api",
        "客户要求撤下",
        {"before": "制造业标杆客户", "after": None},
    )
    assert client.get(f"/api/v1/cases/{made.pk}/").status_code == 404


def test_only_an_editor_withdraws_a_case(personas, customer):
    made = case(personas, customer)
    for user in (personas.dave, personas.erin):
        response = api_client(user).delete(f"/api/v1/cases/{made.pk}/?reason=过时")
        assert response.status_code == 403
    assert Case.objects.filter(pk=made.pk).exists()
    assert audited("case.withdraw") == []


def test_signed_out_callers_read_nothing(personas, customer):
    case(personas, customer)
    for url in ("/api/v1/cases/", "/api/v1/deliveries/", "/api/v1/risks/"):
        assert api_client(None).get(url).status_code == 401


# --- list query counts --------------------------------------------------------------------------


def fill(personas: Personas, customer_of: Any, count: int) -> None:
    """`count` customers of alice, each with every after-sales row (two progress notes)."""
    alice = actor(personas.alice)
    for i in range(count):
        customer = customer_of(personas.alice, name=f"杭州售后{count}-{i}号科技有限公司")
        referred = customer_of(personas.alice, name=f"宁波被推荐{count}-{i}号有限公司")
        made = delivery(personas, customer, delivered_on=d(2026, 9, 30), accepted_on=d(2026, 10, 9))
        services.add_progress(alice, made, content=f"第{i}周完成联调")
        services.add_progress(alice, made, content=f"第{i}周完成培训")
        survey(personas, customer, delivery=made.pk, overall=90 + i % 2 * 5, suggestions="加报表")
        feedback(personas, customer, kind="suggestion", content=f"希望增加第{i}类报表")
        services.resolve_feedback(
            alice, feedback(personas, customer), resolution="已安排驻场工程师"
        )
        referral(personas, customer, referred=referred, reward_amount=Decimal(100))
        risk(personas, customer)
        case(personas, customer, tags=["华东", f"标签{i}"])


def count_queries(url: str, user: Any) -> int:
    client = api_client(type(user).objects.get(pk=user.pk))  # a fresh user, as per request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    assert response.data["results"]
    return len(ctx.captured_queries)


LISTS = [
    ("/api/v1/deliveries/", "alice", 2),  # rows (contract joined) + progress notes
    ("/api/v1/deliveries/?status=accepted", "carol", 3),  # + managed teams
    ("/api/v1/surveys/", "alice", 1),  # rows with the customer's core-pool membership
    ("/api/v1/surveys/?ordering=-overall", "erin", 1),
    ("/api/v1/feedback/", "alice", 1),
    ("/api/v1/feedback/?kind=complaint&status=resolved", "carol", 2),
    ("/api/v1/referrals/", "alice", 1),
    ("/api/v1/referrals/", "carol", 2),  # managed teams, once for scope and can_approve
    ("/api/v1/referrals/?status=pending", "admin", 1),
    ("/api/v1/risks/", "alice", 1),
    ("/api/v1/risks/?level=high", "erin", 1),
    ("/api/v1/cases/", "dave", 1),
    ("/api/v1/cases/?tag=华东&kind=won", "alice", 1),
]


@pytest.mark.parametrize(("url", "persona", "expected"), LISTS)
def test_list_query_count_does_not_grow_with_rows(personas, customer_of, url, persona, expected):
    user = getattr(personas, persona)
    fill(personas, customer_of, 2)
    small = count_queries(url, user)
    fill(personas, customer_of, 6)
    large = count_queries(url, user)
    assert (small, large) == (expected, expected)
