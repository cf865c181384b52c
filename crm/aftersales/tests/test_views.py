"""售后服务 on the customer page (the lazily loaded card and its dialogs) and the case library
案例库. Time is frozen at Mon 2026-10-12 10:00 Shanghai (conftest); the customer is alice's
深圳市腾飞科技有限公司."""

from __future__ import annotations

import datetime
import html as html_lib
import re
import sys
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.aftersales import services
from crm.aftersales.models import (
    Case,
    CorePoolMember,
    Delivery,
    DeliveryProgress,
    Feedback,
    Referral,
    Risk,
    Survey,
)
from crm.aftersales.views import card_context
from crm.audit.models import AuditEvent
from crm.core import testing
from crm.customers import selectors as customer_selectors
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
STALE = "刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。"
d = datetime.date


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def element(page: str, element_id: str, tag: str = "li") -> str:
    """The markup of the <tag id="element_id">, nested tags of the same name included."""
    start = re.search(rf'<{tag}\b[^>]*\bid="{re.escape(element_id)}"', page)
    assert start, f"no {tag}#{element_id}"
    depth, at = 0, start.start()
    for found in re.finditer(rf"<{tag}\b|</{tag}>", page[at:]):
        depth += -1 if found.group(0).startswith("</") else 1
        if depth == 0:
            return page[at : at + found.end()]
    raise AssertionError(f"{tag}#{element_id} is not closed")


def words(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def alice(personas: testing.Personas) -> Any:
    return testing.actor(personas.alice)


def delivery(personas: testing.Personas, customer: Customer, **fields: Any) -> Delivery:
    fields.setdefault("title", "一期系统上线")
    return services.create_delivery(alice(personas), customer=customer, **fields)


def survey(personas: testing.Personas, customer: Customer, **fields: Any) -> Survey:
    values = {
        "surveyed_on": d(2026, 10, 9),
        "response_speed": 4,
        "deliverable": 5,
        "overall": 85,
        "referral_intent": "yes",
        **fields,
    }
    return services.record_survey(alice(personas), customer=customer, **values)


def feedback(personas: testing.Personas, customer: Customer, **fields: Any) -> Feedback:
    values = {"kind": "complaint", "category": "service", "content": "工程师响应慢,等了两天"}
    return services.record_feedback(alice(personas), customer=customer, **{**values, **fields})


def risk(personas: testing.Personas, customer: Customer, **fields: Any) -> Risk:
    values = {
        "kind": "competition",
        "level": "high",
        "description": "竞争对手报价低 15%",
        "countermeasure": "本周安排技术交流,突出售后响应优势",
        "due_on": d(2026, 10, 20),
        **fields,
    }
    return services.raise_risk(alice(personas), customer=customer, **values)


def referral(personas: testing.Personas, customer: Customer, **fields: Any) -> Referral:
    values = {"referred_name": "东莞市新星电子有限公司", "reward_amount": Decimal("2000.00")}
    return services.create_referral(alice(personas), customer=customer, **{**values, **fields})


def case(personas: testing.Personas, customer: Customer, **fields: Any) -> Case:
    values = {
        "kind": "won",
        "title": "以售后响应赢得制造业大单",
        "story": "客户比价三家,我们以 2 小时响应承诺胜出",
        "lessons": "售后承诺要量化",
        "tags": ["华南", "制造业"],
        **fields,
    }
    return services.create_case(alice(personas), customer=customer, **values)


def actions(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=name))


def refreshed(page: str) -> None:
    """A done write: the dialog closes, the card, header and timeline swap, a message shows."""
    assert 'id="crm-dialog-title"' not in page
    assert 'id="aftersales-card" hx-swap-oob="true"' in page
    assert 'id="customer-header" class="page-header mb-3" hx-swap-oob="true"' in page
    assert 'id="timeline" hx-swap-oob="true"' in page
    assert '<div id="messages" hx-swap-oob="true">' in page
    # the 服务时限 card's shell, out of band: swapped in, it loads the clocks again
    shell = element(page, "sla-card", "div")
    assert 'hx-swap-oob="true" hx-get="/customers/' in shell and 'hx-trigger="load"' in shell


# --- the card on the customer page ----------------------------------------------------------


def test_the_customer_page_holds_a_shell_that_loads_the_card(
    personas: testing.Personas, customer: Customer
) -> None:
    delivery(personas, customer, title="不应出现在页面上")
    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/"))

    shell = element(page, "aftersales-card", "div")
    assert f'hx-get="/customers/{customer.pk}/aftersales/"' in shell
    assert 'hx-trigger="load"' in shell and 'hx-swap="outerHTML"' in shell
    assert "售后服务" in shell and "交付与验收" not in page


def test_the_card_shows_deliveries_with_their_clocks_and_progress(
    personas: testing.Personas, customer: Customer
) -> None:
    late = delivery(personas, customer, title="一期上线", delivered_on=d(2026, 9, 28))
    services.add_progress(alice(personas), late, content="已完成模块开发", noted_on=d(2026, 9, 25))
    fresh = delivery(personas, customer, title="二期培训", delivered_on=d(2026, 10, 12))
    going = delivery(personas, customer, title="三期开发")

    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/aftersales/", **HX))

    assert words(element(page, f"delivery-{late.pk}")) == (
        "一期上线 待验收 交付 2026-09-28 · 验收 — 验收期限 2026-10-08 · 已超期 "
        "2026-09-25 已完成模块开发 — 张爱丽 确认验收 记录进度 修改"
    )
    assert 'class="small text-danger" data-clock="acceptance"' in element(
        page, f"delivery-{late.pk}"
    )
    assert words(element(page, f"delivery-{fresh.pk}")) == (
        "二期培训 待验收 交付 2026-10-12 · 验收 — 验收期限 2026-10-15 确认验收 记录进度 修改"
    )
    assert words(element(page, f"delivery-{going.pk}")) == (
        "三期开发 交付中 交付 — · 验收 — 确认交付 记录进度 修改"
    )


def test_the_card_shows_surveys_the_core_pool_feedback_referrals_risks_and_cases(
    personas: testing.Personas, customer: Customer
) -> None:
    top = survey(personas, customer, overall=95, suggestions="希望每月提供运维报告")
    complaint = feedback(personas, customer)
    made = referral(personas, customer)
    open_risk = risk(personas, customer)
    values: dict[str, Any] = {"kind": "other", "level": "low", "description": "对接人离职"}
    late_risk = services.raise_risk(  # an import may bring a risk already past its due date
        testing.actor(personas.alice, "import"),
        customer=customer,
        **values,
        countermeasure="尽快拜访新对接人",
        due_on=d(2026, 10, 9),
        raised_on=d(2026, 9, 20),
    )
    story = case(personas, customer)

    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/aftersales/", **HX))

    assert 'id="core-badge"' in page and "核心客户" in element(page, "core-badge", "span")
    assert words(element(page, f"survey-{top.pk}")) == (
        "综合满意度 95 分 2026-10-09 服务响应速度 4/5 · 交付成果 5/5 · 合作或推荐意向 有 "
        "改进建议:希望每月提供运维报告 优化方案期限 2026-10-29 优化方案 修改"
    )
    assert words(element(page, f"feedback-{complaint.pk}")) == (
        "投诉 服务响应 · 2026-10-12 待处理 工程师响应慢,等了两天 处理 修改"
    )
    assert words(element(page, f"referral-{made.pk}")) == (
        "深圳市腾飞科技有限公司 → 东莞市新星电子有限公司 待审批 2026-10-12 · 奖励 ¥2,000.00 修改"
    )
    assert words(element(page, f"risk-{open_risk.pk}")) == (
        "竞争风险 高风险 处理中 竞争对手报价低 15% 应对措施:本周安排技术交流,突出售后响应优势 "
        "负责人 张爱丽 · 处理期限 2026-10-20 关闭 修改"
    )
    assert "处理期限 2026-10-09 · 已超期" in words(element(page, f"risk-{late_risk.pk}"))
    assert f'href="/cases/{story.pk}/"' in element(page, f"customer-case-{story.pk}")


@pytest.mark.parametrize("persona", ["erin", "alice", "carol", "admin"])
def test_only_editors_get_the_buttons_and_only_approvers_approve(
    personas: testing.Personas, customer: Customer, persona: str
) -> None:
    made = referral(personas, customer)
    client = client_for(getattr(personas, persona))

    page = text(client.get(f"/customers/{customer.pk}/aftersales/", **HX))

    buttons = ("new-delivery", "new-survey", "new-feedback", "new-referral", "new-risk")
    shown = [b for b in buttons if f'id="{b}"' in page]
    assert shown == ([] if persona == "erin" else list(buttons))
    approve = f'id="approve-referral-{made.pk}"' in page
    assert approve == (persona in ("carol", "admin"))
    assert "东莞市新星电子有限公司" in page  # erin reads after-sales rows


def _fill(personas: testing.Personas, customer: Customer, n: int) -> None:
    for i in range(n):
        made = delivery(personas, customer, title=f"交付{i}", delivered_on=d(2026, 10, 9))
        services.add_progress(alice(personas), made, content=f"进度说明第{i}周已完成联调")
        services.accept_delivery(alice(personas), made, accepted_on=d(2026, 10, 9))
        survey(personas, customer, delivery=made.pk, suggestions=f"建议{i}:增加巡检")
        feedback(personas, customer, content=f"第{i}次投诉:响应慢")
        risk(personas, customer)
        referral(personas, customer, referred_name=f"被推荐{i}号公司")
        case(personas, customer, title=f"案例{i}")


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
def test_the_card_costs_the_same_queries_at_any_size(
    personas: testing.Personas, customer: Customer, persona: str
) -> None:
    user = getattr(personas, persona)
    _fill(personas, customer, 1)
    detail = customer_selectors.customer_detail(user, customer.pk)
    with CaptureQueriesContext(connection) as small:
        card_context(user, detail)
    _fill(personas, customer, 12)
    user = type(user).objects.get(pk=user.pk)  # a fresh request's user: nothing cached
    detail = customer_selectors.customer_detail(user, customer.pk)
    with CaptureQueriesContext(connection) as large:
        context = card_context(user, detail)

    # deliveries and their progress notes, surveys, feedback, referrals, risks, cases, the
    # core pool, the sections' totals (a sales manager's managed teams were read with the
    # customer's edit right)
    assert (len(small), len(large)) == (9, 9)
    assert [len(context[k]) for k in ("deliveries", "surveys", "feedback", "risks")] == [10] * 4
    assert context["totals"] == {
        "deliveries": 13,
        "surveys": 13,
        "feedback": 13,
        "referrals": 13,
        "risks": 13,
        "cases": 13,
    }


def test_the_card_view_costs_the_same_queries_at_any_size(
    personas: testing.Personas, customer: Customer, django_assert_num_queries: Any
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/aftersales/"
    _fill(personas, customer, 1)
    # session, user, the customer (with the edit right), then the card's nine
    client.get(url, **HX)  # a new client's first request also checks that users exist
    with django_assert_num_queries(12):
        first = text(client.get(url, **HX))
    _fill(personas, customer, 11)
    with django_assert_num_queries(12):
        page = text(client.get(url, **HX))
    assert page.count('<li class="list-group-item" id="delivery-') == 10
    assert 'id="deliveries-all"' not in first
    assert words(element(page, "deliveries-all", "button")) == "显示全部 12 条"


def test_the_card_needs_sight_of_the_customer(
    personas: testing.Personas, customer: Customer
) -> None:
    delivery(personas, customer, title="机密交付")

    hidden = client_for(personas.dave).get(f"/customers/{customer.pk}/aftersales/", **HX)

    assert hidden.status_code == 404 and "机密交付" not in text(hidden)


# --- deliveries -------------------------------------------------------------------------------


def test_a_new_delivery_is_saved_with_its_acceptance_clock_and_audited(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/deliveries/new/"
    assert client.get(url, **HX).status_code == 200

    page = text(
        client.post(
            url,
            {
                "title": "一期 系统上线",
                "contract": "",
                "delivered_on": "2026-10-09",
                "notes": "含培训",
            },
            **HX,
        )
    )

    made = Delivery.objects.get()
    assert (made.title, made.delivered_on, made.accepted_on, made.notes) == (
        "一期 系统上线",
        d(2026, 10, 9),
        None,
        "含培训",
    )
    assert (made.acceptance_due_on, made.created_by) == (d(2026, 10, 13), personas.alice)
    assert [e.actor for e in actions("delivery.create")] == [personas.alice]
    refreshed(page)
    assert "已新建交付「一期 系统上线」" in page
    assert f'id="delivery-{made.pk}"' in page


def test_a_refused_delivery_shows_the_messages_and_writes_nothing(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/deliveries/new/"

    empty = text(client.post(url, {"title": "", "delivered_on": ""}, **HX))
    early = text(client.post(url, {"title": "上线", "accepted_on": "2026-10-09"}, **HX))
    ahead = text(client.post(url, {"title": "上线", "delivered_on": "2026-10-13"}, **HX))

    assert "请填写交付内容" in empty and 'id="crm-dialog-title"' in empty
    assert "请先填写交付日期,再登记验收" in early and 'value="上线"' in early
    assert "交付日期不能晚于今天" in words(element(ahead, "delivered_on-error", "div"))
    assert not Delivery.objects.exists() and not actions("delivery.create")


def test_confirming_delivery_and_acceptance_start_the_clocks(
    personas: testing.Personas, customer: Customer
) -> None:
    made = delivery(personas, customer)
    client = client_for(personas.alice)
    dialog = text(client.get(f"/deliveries/{made.pk}/deliver/", **HX))
    assert 'name="delivered_on" value="2026-10-12"' in dialog  # today by default
    assert 'name="version" value="1"' in dialog

    delivered = text(
        client.post(
            f"/deliveries/{made.pk}/deliver/", {"delivered_on": "2026-10-09", "version": "1"}, **HX
        )
    )
    accepted = text(
        client.post(
            f"/deliveries/{made.pk}/accept/", {"accepted_on": "2026-10-12", "version": "2"}, **HX
        )
    )

    made.refresh_from_db()
    assert (made.delivered_on, made.acceptance_due_on) == (d(2026, 10, 9), d(2026, 10, 13))
    assert (made.accepted_on, made.survey_due_on, made.version) == (
        d(2026, 10, 12),
        d(2026, 10, 21),
        3,
    )
    assert len(actions("delivery.deliver")) == 1 and len(actions("delivery.accept")) == 1
    assert "已确认交付「一期系统上线」" in delivered
    assert "已确认验收「一期系统上线」" in accepted
    assert f'id="survey-delivery-{made.pk}"' in accepted  # next: the survey


def test_an_acceptance_saved_meanwhile_is_refused_once(
    personas: testing.Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 10, 9))
    services.update_delivery(testing.actor(personas.carol), made, notes="客户要求周五验收")
    client = client_for(personas.alice)
    url = f"/deliveries/{made.pk}/accept/"

    first = text(client.post(url, {"accepted_on": "2026-10-12", "version": "1"}, **HX))
    second = text(client.post(url, {"accepted_on": "2026-10-12", "version": "2"}, **HX))

    assert "该交付" + STALE in first and 'name="version" value="2"' in first
    assert 'value="2026-10-12"' in first
    assert "已确认验收" in second
    made.refresh_from_db()
    assert (made.accepted_on, made.version) == (d(2026, 10, 12), 3)


def test_editing_a_delivery_records_the_reason_and_an_unchanged_one_says_so(
    personas: testing.Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 10, 9))
    client = client_for(personas.alice)
    url = f"/deliveries/{made.pk}/edit/"
    dialog = text(client.get(url, **HX))
    assert 'value="一期系统上线"' in dialog and 'name="version" value="1"' in dialog
    same = {"title": "一期系统上线", "delivered_on": "2026-10-09", "notes": "", "version": "1"}

    unchanged = text(client.post(url, same, **HX))
    changed = text(client.post(url, {**same, "title": "一期上线", "reason": "客户改名"}, **HX))

    made.refresh_from_db()
    assert "没有需要保存的修改" in unchanged
    assert (made.title, made.version) == ("一期上线", 2)
    event = AuditEvent.objects.get(action="delivery.update")
    assert (event.reason, event.changes["title"]) == (
        "客户改名",
        {"before": "一期系统上线", "after": "一期上线"},
    )
    assert "已修改交付「一期上线」" in changed


def test_a_progress_note_is_added_and_an_empty_one_refused(
    personas: testing.Personas, customer: Customer
) -> None:
    made = delivery(personas, customer)
    client = client_for(personas.alice)
    url = f"/deliveries/{made.pk}/progress/"

    empty = text(client.post(url, {"noted_on": "2026-10-12", "content": ""}, **HX))
    vague = text(client.post(url, {"noted_on": "2026-10-12", "content": "无"}, **HX))
    assert "请填写进度内容" in empty and "不要只写" in vague
    assert not DeliveryProgress.objects.exists()

    page = text(
        client.post(url, {"noted_on": "2026-10-12", "content": "本周完成联调,下周测试"}, **HX)
    )

    note = DeliveryProgress.objects.get()
    assert (note.delivery, note.noted_on, note.content, note.author) == (
        made,
        d(2026, 10, 12),
        "本周完成联调,下周测试",
        personas.alice,
    )
    assert len(actions("delivery.progress")) == 1
    assert "本周完成联调,下周测试" in element(page, f"delivery-{made.pk}-progress", "ul")


# --- surveys ----------------------------------------------------------------------------------


SURVEY_POST = {
    "delivery": "",
    "surveyed_on": "2026-10-12",
    "method": "phone",
    "response_speed": "5",
    "deliverable": "4",
    "overall": "92",
    "suggestions": "希望每月提供运维报告",
    "referral_intent": "yes",
}


def test_a_survey_is_recorded_and_a_high_score_enters_the_core_pool(
    personas: testing.Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 10, 8), accepted_on=d(2026, 10, 9))
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/surveys/new/"
    dialog = text(client.get(f"{url}?delivery={made.pk}", **HX))
    assert f'<option value="{made.pk}" selected>一期系统上线(2026-10-09 验收)</option>' in dialog

    page = text(client.post(url, {**SURVEY_POST, "delivery": str(made.pk)}, **HX))

    row = Survey.objects.get()
    assert (row.delivery, row.surveyed_on, row.method) == (made, d(2026, 10, 12), "phone")
    assert (row.response_speed, row.deliverable, row.overall) == (5, 4, 92)
    assert (row.suggestions, row.referral_intent) == ("希望每月提供运维报告", "yes")
    assert row.improvement_due_on == d(2026, 11, 2)
    assert CorePoolMember.objects.get().customer == customer
    assert len(actions("survey.create")) == 1
    refreshed(page)
    assert "已记录满意度调查,综合满意度 92 分" in page and 'id="core-badge"' in page


def test_a_refused_survey_writes_nothing(personas: testing.Personas, customer: Customer) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/surveys/new/"

    high = text(client.post(url, {**SURVEY_POST, "overall": "101"}, **HX))
    missing = text(
        client.post(url, {**SURVEY_POST, "response_speed": "", "referral_intent": ""}, **HX)
    )
    ahead = text(client.post(url, {**SURVEY_POST, "surveyed_on": "2026-10-13"}, **HX))

    assert "综合满意度请填写 0-100 的整数" in high
    assert "请为服务响应速度打分(1-5分)" in missing and "请选择合作或推荐意向" in missing
    assert "调查日期" in words(element(ahead, "surveyed_on-error", "div"))
    assert not Survey.objects.exists() and not actions("survey.create")


def test_an_improvement_plan_answers_the_suggestion(
    personas: testing.Personas, customer: Customer
) -> None:
    row = survey(personas, customer, suggestions="希望每月提供运维报告")
    client = client_for(personas.alice)
    url = f"/surveys/{row.pk}/plan/"
    assert "改进建议:希望每月提供运维报告" in text(client.get(url, **HX))

    vague = text(client.post(url, {"plan": "已处理", "version": "1"}, **HX))
    page = text(client.post(url, {"plan": "每月5日前提供运维报告", "version": "1"}, **HX))

    row.refresh_from_db()
    assert "请写明优化方案" in vague
    assert (row.improvement_plan, row.improvement_planned_on) == (
        "每月5日前提供运维报告",
        d(2026, 10, 12),
    )
    assert len(actions("survey.improvement")) == 1
    assert "已反馈优化方案" in page
    assert "优化方案(2026-10-12):每月5日前提供运维报告" in words(element(page, f"survey-{row.pk}"))


# --- feedback ---------------------------------------------------------------------------------


def test_a_complaint_sets_the_flag_and_its_resolution_clears_it(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    page = text(
        client.post(
            f"/customers/{customer.pk}/feedback/new/",
            {
                "kind": "complaint",
                "category": "service",
                "content": "工程师响应慢",
                "received_on": "2026-10-10",
            },
            **HX,
        )
    )
    row = Feedback.objects.get()
    assert (row.kind, row.category, row.content, row.received_on, row.status) == (
        "complaint",
        "service",
        "工程师响应慢",
        d(2026, 10, 10),
        "open",
    )
    assert "投诉" in words(element(page, "customer-header", "div"))
    refreshed(page)

    vague = text(
        client.post(f"/feedback/{row.pk}/resolve/", {"resolution": "已完成", "version": "1"}, **HX)
    )
    done = text(
        client.post(
            f"/feedback/{row.pk}/resolve/",
            {"resolution": "已更换驻场工程师并回访确认", "version": "1"},
            **HX,
        )
    )

    row.refresh_from_db()
    customer.refresh_from_db()
    assert "请写明处理结果" in vague
    assert (row.status, row.resolution, row.resolved_on, row.resolved_by) == (
        "resolved",
        "已更换驻场工程师并回访确认",
        d(2026, 10, 12),
        personas.alice,
    )
    assert customer.flag_complaint is False
    assert "已处理客户反馈" in done and f'id="reopen-feedback-{row.pk}"' in done
    assert len(actions("feedback.resolve")) == 1


def test_a_refused_feedback_writes_nothing(personas: testing.Personas, customer: Customer) -> None:
    page = text(
        client_for(personas.alice).post(
            f"/customers/{customer.pk}/feedback/new/",
            {"kind": "", "category": "", "content": ""},
            **HX,
        )
    )

    assert "请选择反馈类型" in page and "请选择反馈类别" in page and "请填写反馈内容" in page
    assert not Feedback.objects.exists()


def test_reopening_feedback_needs_a_reason(personas: testing.Personas, customer: Customer) -> None:
    row = feedback(personas, customer)
    services.resolve_feedback(alice(personas), row, resolution="已更换驻场工程师")
    client = client_for(personas.alice)
    url = f"/feedback/{row.pk}/reopen/"

    missing = text(client.post(url, {"reason": "", "version": "2"}, **HX))
    page = text(client.post(url, {"reason": "客户再次投诉", "version": "2"}, **HX))

    row.refresh_from_db()
    assert "重新打开反馈需要填写原因" in missing
    assert (row.status, row.resolution, row.version) == ("open", "", 3)
    assert AuditEvent.objects.get(action="feedback.reopen").reason == "客户再次投诉"
    assert "已重新打开客户反馈" in page


def test_a_suggestion_gets_its_plan_before_it_is_resolved(
    personas: testing.Personas, customer: Customer
) -> None:
    row = feedback(personas, customer, kind="suggestion", content="希望增加移动端")
    client = client_for(personas.alice)

    early = text(
        client.post(
            f"/feedback/{row.pk}/resolve/", {"resolution": "已排期开发移动端", "version": "1"}, **HX
        )
    )
    planned = text(
        client.post(f"/feedback/{row.pk}/plan/", {"plan": "下季度上线移动端", "version": "1"}, **HX)
    )

    row.refresh_from_db()
    assert "建议需先反馈优化方案,才能标记为已解决" in early
    assert (row.improvement_plan, row.status) == ("下季度上线移动端", "open")
    assert "已反馈优化方案" in planned and len(actions("feedback.improvement")) == 1


# --- referrals --------------------------------------------------------------------------------


def test_a_referral_links_the_referred_customer_picked_from_the_search(
    personas: testing.Personas, customer: Customer, customer_of: Any
) -> None:
    other = customer_of(personas.alice, name="东莞市新星电子有限公司")
    hidden = customer_of(personas.dave, name="东莞市隐秘贸易有限公司")
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/referrals/new/"
    dialog = text(client.get(url, **HX))
    post = {
        "referred": str(other.pk),
        "referred_name": "",
        "referred_on": "2026-10-10",
        "reward_amount": "2,000",
        "reward_text": "服务费 9 折",
        "notes": "",
    }

    unseen = text(client.post(url, {**post, "referred": str(hidden.pk)}, **HX))
    itself = text(client.post(url, {**post, "referred": str(customer.pk)}, **HX))
    assert f'hx-get="/customers/{customer.pk}/referrals/candidates/"' in dialog
    assert 'form="referred-search-none"' in dialog  # Enter in the box searches, not saves
    assert "被推荐客户不存在" in words(element(unseen, "referred-error", "div"))
    assert "东莞市隐秘贸易有限公司" not in unseen
    assert "推荐客户与被推荐客户不能是同一个客户" in words(element(itself, "referred-error", "div"))
    assert f'<option value="{customer.pk}" selected>' in itself  # what was picked stays
    assert not Referral.objects.exists()

    page = text(client.post(url, post, **HX))

    row = Referral.objects.get()
    assert (row.customer, row.referred, row.referred_on) == (customer, other, d(2026, 10, 10))
    assert (row.reward_amount, row.reward_text, row.status) == (
        Decimal("2000.00"),
        "服务费 9 折",
        "pending",
    )
    assert len(actions("referral.create")) == 1
    assert "已登记转介绍:东莞市新星电子有限公司" in page


def options(page: str) -> list[tuple[str, str]]:
    found = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', page)
    return [(value, label) for value, label in found]


def test_the_referral_search_offers_matching_customers_the_user_may_see(
    personas: testing.Personas, customer: Customer, customer_of: Any
) -> None:
    near = customer_of(personas.alice, name="东莞市新星电子有限公司")
    far = customer_of(personas.alice, name="东莞市新光照明有限公司")
    customer_of(personas.dave, name="东莞市新华贸易有限公司")  # dave's: hidden from alice
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/referrals/candidates/"

    by_name = text(client.get(url, {"q": "东莞市新"}, **HX))
    by_number = text(client.get(url, {"q": near.number}, **HX))
    by_pinyin = text(client.get(url, {"q": "xinxing"}, **HX))
    kept = text(client.get(url, {"q": "新光", "referred": str(near.pk)}, **HX))
    itself = text(client.get(url, {"q": "腾飞"}, **HX))
    empty = text(client.get(url, {"q": ""}, **HX))

    label = f"{near.name} · {near.number}"
    assert options(by_name) == [
        ("", "(不关联客户档案)"),
        (str(far.pk), f"{far.name} · {far.number}"),
        (str(near.pk), label),
    ]
    assert options(by_number) == [("", "(不关联客户档案)"), (str(near.pk), label)]
    assert options(by_pinyin) == [("", "(不关联客户档案)"), (str(near.pk), label)]
    assert f'<option value="{near.pk}" selected>{label}</option>' in kept
    assert [v for v, _l in options(kept)] == ["", str(near.pk), str(far.pk)]
    assert "没有找到与“腾飞”匹配的客户" in itself and options(itself)[1:] == [
        ("", "没有找到与“腾飞”匹配的客户")
    ]
    assert options(empty) == [("", "(不关联客户档案)")]


def test_the_referral_search_costs_the_same_queries_at_any_size(
    personas: testing.Personas, customer: Customer, customer_of: Any, django_assert_num_queries: Any
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/referrals/candidates/"
    chosen = customer_of(personas.alice, name="东莞市新星电子有限公司")
    client.get(url, {"q": "东莞"}, **HX)
    # session, user, the referrer, the right to edit it, the chosen one, the matches
    with django_assert_num_queries(6):
        small = text(client.get(url, {"q": "东莞", "referred": str(chosen.pk)}, **HX))
    for i in range(25):
        customer_of(personas.alice, name=f"东莞市第{i}号工厂")
    with django_assert_num_queries(6):
        large = text(client.get(url, {"q": "东莞", "referred": str(chosen.pk)}, **HX))

    assert len(options(small)) == 2 and len(options(large)) == 2 + 20 + 1
    assert "仅显示前 20 个结果,请输入更多字词" in large


@pytest.mark.parametrize(("persona", "status"), [("erin", 403), ("dave", 404), ("bob", 404)])
def test_the_referral_search_is_for_editors_of_the_referrer(
    personas: testing.Personas, customer: Customer, persona: str, status: int
) -> None:
    response = client_for(getattr(personas, persona)).get(
        f"/customers/{customer.pk}/referrals/candidates/", {"q": "腾飞"}, **HX
    )

    assert response.status_code == status and "深圳市腾飞科技有限公司" not in text(response)


def test_a_manager_approves_and_pays_the_reward_and_sales_may_not(
    personas: testing.Personas, customer: Customer, customer_of: Any
) -> None:
    other = customer_of(personas.alice, name="东莞市新星电子有限公司")
    row = referral(personas, customer, referred=other.pk)
    sales, manager = client_for(personas.alice), client_for(personas.carol)

    refused = sales.post(f"/referrals/{row.pk}/approve/", {"version": "1"}, **HX)
    assert sales.get(f"/referrals/{row.pk}/approve/", **HX).status_code == 403
    assert refused.status_code == 403
    row.refresh_from_db()
    assert row.status == "pending"

    approved = text(manager.post(f"/referrals/{row.pk}/approve/", {"version": "1"}, **HX))
    paid = text(
        manager.post(f"/referrals/{row.pk}/pay/", {"paid_on": "2026-10-12", "version": "2"}, **HX)
    )

    row.refresh_from_db()
    assert (row.status, row.approved_by, row.paid_on, row.paid_by) == (
        "paid",
        personas.carol,
        d(2026, 10, 12),
        personas.carol,
    )
    assert "已审批转介绍奖励" in approved and f'id="pay-referral-{row.pk}"' in approved
    assert "已发放转介绍奖励" in paid
    assert [e.actor for e in actions("referral.approve")] == [personas.carol]


def test_a_reward_without_a_linked_customer_is_not_approved(
    personas: testing.Personas, customer: Customer
) -> None:
    row = referral(personas, customer)

    page = text(
        client_for(personas.carol).post(f"/referrals/{row.pk}/approve/", {"version": "1"}, **HX)
    )

    row.refresh_from_db()
    assert "审批前请关联被推荐客户的客户档案" in page and row.status == "pending"


# --- risks ------------------------------------------------------------------------------------


RISK_POST = {
    "kind": "price",
    "level": "high",
    "description": "客户采购部要求降价 10%",
    "countermeasure": "提供三年期优惠方案",
    "due_on": "2026-10-16",
    "raised_on": "2026-10-12",
}


def test_a_high_risk_is_raised_with_its_owner_and_flags_the_customer(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/risks/new/"
    dialog = text(client.get(url, **HX))
    assert f'<option value="{personas.alice.pk}" selected>' in dialog
    assert f'<option value="{personas.carol.pk}">' in dialog  # the owner's manager
    assert f'<option value="{personas.bob.pk}">' not in dialog  # a teammate who cannot see it

    page = text(client.post(url, {**RISK_POST, "owner": str(personas.carol.pk)}, **HX))

    row = Risk.objects.get()
    assert (row.kind, row.level, row.description, row.countermeasure) == (
        "price",
        "high",
        "客户采购部要求降价 10%",
        "提供三年期优惠方案",
    )
    assert (row.owner, row.due_on, row.raised_on, row.status) == (
        personas.carol,
        d(2026, 10, 16),
        d(2026, 10, 12),
        "open",
    )
    assert len(actions("risk.create")) == 1
    assert "流失风险" in words(element(page, "customer-header", "div"))
    assert "已发出风险预警(价格敏感度,高)" in page


def test_a_refused_risk_writes_nothing(personas: testing.Personas, customer: Customer) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/risks/new/"
    owner = str(personas.alice.pk)

    missing = text(client.post(url, {"owner": owner}, **HX))
    past = text(client.post(url, {**RISK_POST, "owner": owner, "due_on": "2026-10-09"}, **HX))
    vague = text(client.post(url, {**RISK_POST, "owner": owner, "countermeasure": "无"}, **HX))

    assert "请选择风险类型" in missing and "请填写应对措施" in missing and "请填写日期" in missing
    assert "处理期限不能早于今天" in past
    assert "请写明具体的应对措施" in vague
    assert not Risk.objects.exists()


def test_closing_a_risk_records_the_outcome_and_reopening_needs_a_reason(
    personas: testing.Personas, customer: Customer
) -> None:
    row = risk(personas, customer)
    client = client_for(personas.alice)

    none = text(client.post(f"/risks/{row.pk}/close/", {"outcome": "", "version": "1"}, **HX))
    closed = text(
        client.post(
            f"/risks/{row.pk}/close/",
            {"outcome": "effective", "note": "客户续签", "closed_on": "2026-10-12", "version": "1"},
            **HX,
        )
    )
    row.refresh_from_db()
    assert "关闭风险预警需要选择应对结果(有效或无效)" in none
    assert (row.status, row.outcome, row.outcome_note, row.closed_on) == (
        "closed",
        "effective",
        "客户续签",
        d(2026, 10, 12),
    )
    assert "已关闭风险预警,应对结果:有效" in closed
    assert "应对结果: 有效 · 客户续签" in words(element(closed, f"risk-{row.pk}"))

    reopened = text(
        client.post(f"/risks/{row.pk}/reopen/", {"reason": "对手再次压价", "version": "2"}, **HX)
    )

    row.refresh_from_db()
    assert (row.status, row.outcome) == ("open", "")
    assert AuditEvent.objects.get(action="risk.reopen").reason == "对手再次压价"
    assert "已重新打开风险预警" in reopened


def test_closing_a_risk_saved_meanwhile_is_refused_once(
    personas: testing.Personas, customer: Customer
) -> None:
    row = risk(personas, customer)
    services.update_risk(testing.actor(personas.carol), row, level="medium")

    page = text(
        client_for(personas.alice).post(
            f"/risks/{row.pk}/close/", {"outcome": "effective", "version": "1"}, **HX
        )
    )

    row.refresh_from_db()
    assert "该风险预警" + STALE in page and 'name="version" value="2"' in page
    assert row.status == "open" and not actions("risk.close")


# --- who may --------------------------------------------------------------------------------


def _world(personas: testing.Personas, customer: Customer) -> dict[str, int]:
    made = delivery(personas, customer, delivered_on=d(2026, 10, 9))
    return {
        "pk": customer.pk,
        "delivery": made.pk,
        "survey": survey(personas, customer, suggestions="希望每月提供报告").pk,
        "feedback": feedback(personas, customer).pk,
        "referral": referral(personas, customer).pk,
        "risk": risk(personas, customer).pk,
        "case": case(personas, customer).pk,
    }


DIALOGS = [
    ("/customers/{pk}/deliveries/new/", {"title": "越权交付"}),
    ("/deliveries/{delivery}/edit/", {"title": "越权修改", "version": "1"}),
    ("/deliveries/{delivery}/deliver/", {"delivered_on": "2026-10-12", "version": "1"}),
    ("/deliveries/{delivery}/accept/", {"accepted_on": "2026-10-12", "version": "1"}),
    ("/deliveries/{delivery}/progress/", {"noted_on": "2026-10-12", "content": "越权进度说明"}),
    ("/customers/{pk}/surveys/new/", SURVEY_POST),
    ("/surveys/{survey}/plan/", {"plan": "每月提供运维报告", "version": "1"}),
    ("/surveys/{survey}/edit/", {"overall": "10", "version": "1"}),
    ("/customers/{pk}/feedback/new/", {"kind": "praise", "category": "service", "content": "很好"}),
    ("/feedback/{feedback}/resolve/", {"resolution": "已更换工程师", "version": "1"}),
    ("/feedback/{feedback}/reopen/", {"reason": "越权", "version": "1"}),
    ("/feedback/{feedback}/plan/", {"plan": "越权方案说明", "version": "1"}),
    ("/feedback/{feedback}/edit/", {"kind": "praise", "category": "service", "content": "越权"}),
    ("/customers/{pk}/referrals/new/", {"referred_name": "越权公司"}),
    ("/referrals/{referral}/edit/", {"referred_name": "越权公司", "version": "1"}),
    ("/referrals/{referral}/approve/", {"version": "1"}),
    ("/referrals/{referral}/pay/", {"version": "1"}),
    ("/customers/{pk}/risks/new/", RISK_POST),
    ("/risks/{risk}/close/", {"outcome": "effective", "version": "1"}),
    ("/risks/{risk}/reopen/", {"reason": "越权", "version": "1"}),
    ("/risks/{risk}/edit/", {**RISK_POST, "version": "1"}),
    ("/customers/{pk}/cases/new/", {"kind": "won", "title": "越权案例", "story": "越权经过"}),
    ("/cases/{case}/edit/", {"kind": "won", "title": "越权修改", "story": "越权", "version": "1"}),
    ("/cases/{case}/withdraw/", {"reason": "越权"}),
]
REFUSED = {"erin": 403, "dave": 404}  # erin reads only; dave sees nothing of the customer
CASE_URLS = ("/cases/{case}/edit/", "/cases/{case}/withdraw/")  # every user reads a case


def _state() -> list[Any]:
    return [
        list(model.objects.values())
        for model in (Delivery, DeliveryProgress, Survey, Feedback, Referral, Risk, Case)
    ] + [AuditEvent.objects.count()]


@pytest.mark.parametrize("persona", ["erin", "dave"])
@pytest.mark.parametrize(("url", "data"), DIALOGS, ids=[u for u, _d in DIALOGS])
def test_others_are_refused_and_nothing_changes(
    personas: testing.Personas, customer: Customer, persona: str, url: str, data: dict[str, Any]
) -> None:
    ids = _world(personas, customer)
    before = _state()
    client = client_for(getattr(personas, persona))
    expected = 403 if url in CASE_URLS else REFUSED[persona]

    got = client.get(url.format(**ids), **HX)
    posted = client.post(url.format(**ids), data, **HX)

    assert (got.status_code, posted.status_code) == (expected, expected)
    assert _state() == before
    assert "深圳市腾飞科技有限公司" not in text(posted)


@pytest.mark.parametrize(("url", "_data"), DIALOGS, ids=[u for u, _d in DIALOGS])
def test_editors_get_each_dialog(
    personas: testing.Personas, customer: Customer, url: str, _data: Any
) -> None:
    ids = _world(personas, customer)

    response = client_for(personas.carol).get(url.format(**ids), **HX)

    assert response.status_code == 200
    assert 'id="crm-dialog-title"' in text(response) and 'hx-post="' in text(response)


# --- the case library -------------------------------------------------------------------------


def test_a_customer_story_is_promoted_to_the_library(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/cases/new/"

    refused = text(client.post(url, {"kind": "won", "title": "", "story": ""}, **HX))
    assert "请填写案例标题" in refused and "请写明案例经过" in refused
    page = text(
        client.post(
            url,
            {
                "kind": "retained",
                "title": "投诉后挽回的老客户",
                "story": "客户因响应慢投诉,我们更换驻场工程师后续签",
                "lessons": "投诉 24 小时内回应",
                "tags": "华南, 制造业 投诉",
            },
            **HX,
        )
    )

    made = Case.objects.get()
    assert (made.customer, made.kind, made.title, made.tags) == (
        customer,
        "retained",
        "投诉后挽回的老客户",
        ["华南", "制造业", "投诉"],
    )
    assert (made.lessons, made.created_by) == ("投诉 24 小时内回应", personas.alice)
    assert len(actions("case.create")) == 1
    assert "已收录为案例「投诉后挽回的老客户」" in page
    assert f'href="/cases/{made.pk}/"' in page


def test_the_library_filters_by_kind_tag_and_title(
    personas: testing.Personas, customer: Customer
) -> None:
    won = case(personas, customer, title="制造业大单", tags=["制造业"])
    lost = case(personas, customer, kind="lost", title="价格战失利", tags=["价格战"])
    kept = case(personas, customer, kind="retained", title="老客户挽回", tags=["制造业"])
    client = client_for(personas.bob)  # reads every case

    def listed(query: str) -> list[int]:
        page = text(client.get(f"/cases/{query}"))
        return [int(pk) for pk in re.findall(r'<tr id="case-(\d+)"', page)]

    assert listed("") == [kept.pk, lost.pk, won.pk]
    assert listed("?kind=lost") == [lost.pk]
    assert listed("?tag=制造业") == [kept.pk, won.pk]
    assert listed("?q=大单") == [won.pk]
    assert listed("?kind=won&tag=价格战") == []


def test_the_library_names_only_the_customers_the_reader_may_see(
    personas: testing.Personas, customer: Customer
) -> None:
    made = case(personas, customer)

    seen = text(client_for(personas.alice).get("/cases/"))
    hidden = text(client_for(personas.dave).get("/cases/"))
    detail = text(client_for(personas.dave).get(f"/cases/{made.pk}/"))

    assert "深圳市腾飞科技有限公司" in element(seen, f"case-{made.pk}", "tr")
    assert "(其他团队的客户)" in element(hidden, f"case-{made.pk}", "tr")
    assert "深圳市腾飞科技有限公司" not in hidden and "深圳市腾飞科技有限公司" not in detail
    assert "以售后响应赢得制造业大单" in detail and 'id="edit-case"' not in detail


@pytest.mark.parametrize("count", [3, 25])
def test_the_library_costs_the_same_queries_at_any_size(
    personas: testing.Personas,
    customer: Customer,
    django_assert_num_queries: Any,
    count: int,
) -> None:
    for i in range(count):
        case(personas, customer, title=f"案例{i}")
    client = client_for(personas.bob)
    client.get("/cases/")

    # session, user, the page of cases (with their customers, and whether each may be seen)
    with django_assert_num_queries(3):
        page = text(client.get("/cases/?tag=制造业"))

    assert page.count('<tr id="case-') == min(count, 20)
    assert ('id="next-page"' in page) == (count > 20)


def test_the_library_pages_by_cursor(personas: testing.Personas, customer: Customer) -> None:
    made = [case(personas, customer, title=f"案例{i}") for i in range(23)]
    client = client_for(personas.alice)

    first = text(client.get("/cases/?kind=won"))
    cursor = re.search(r'href="\?kind=won&before=(\d+)" id="next-page"', first)
    assert cursor and int(cursor.group(1)) == made[3].pk
    second = text(client.get(f"/cases/?kind=won&before={cursor.group(1)}"))

    assert re.findall(r'<tr id="case-(\d+)"', second) == [str(c.pk) for c in made[2::-1]]
    assert 'id="next-page"' not in second and 'id="first-page"' in second


def test_a_case_is_edited_by_an_editor_of_its_customer_with_its_version(
    personas: testing.Personas, customer: Customer
) -> None:
    made = case(personas, customer)
    client = client_for(personas.alice)
    url = f"/cases/{made.pk}/edit/"
    assert client.get(f"/cases/{made.pk}/").status_code == 200
    dialog = text(client.get(url, **HX))
    assert 'value="华南 制造业"' in dialog and 'name="version" value="1"' in dialog
    services.update_case(testing.actor(personas.carol), made, lessons="售后承诺要量化并写进合同")
    post = {"kind": "won", "title": "两小时响应赢下大单", "story": made.story, "tags": "华南"}

    stale = text(client.post(url, {**post, "version": "1"}, **HX))
    page = text(client.post(url, {**post, "lessons": "承诺写进合同", "version": "2"}, **HX))

    made.refresh_from_db()
    assert "该案例" + STALE in stale
    assert (made.title, made.tags, made.lessons, made.version) == (
        "两小时响应赢下大单",
        ["华南"],
        "承诺写进合同",
        3,
    )
    assert (
        'id="case-detail" hx-swap-oob="true"' in page and "已修改案例「两小时响应赢下大单」" in page
    )
    assert [e.actor for e in actions("case.update")] == [personas.carol, personas.alice]


def test_withdrawing_a_case_needs_a_reason_and_returns_to_the_library(
    personas: testing.Personas, customer: Customer
) -> None:
    made = case(personas, customer)
    client = client_for(personas.alice)
    url = f"/cases/{made.pk}/withdraw/"

    missing = text(client.post(url, {"reason": ""}, **HX))
    assert "撤下案例需要填写原因" in missing and Case.objects.exists()
    done = client.post(url, {"reason": "客户要求不公开"}, **HX)

    assert done["HX-Redirect"] == "/cases/"
    assert not Case.objects.exists()
    assert AuditEvent.objects.get(action="case.withdraw").reason == "客户要求不公开"
    assert "已撤下案例「以售后响应赢得制造业大单」" in text(client.get("/cases/"))


def test_open_risks_come_before_closed_ones(personas: testing.Personas, customer: Customer) -> None:
    closed = risk(personas, customer, due_on=d(2026, 10, 13))
    services.close_risk(alice(personas), closed, outcome="effective")
    later = risk(personas, customer, due_on=d(2026, 10, 30))
    sooner = risk(personas, customer, due_on=d(2026, 10, 20))

    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/aftersales/", **HX))

    listed = re.findall(
        r'<li class="list-group-item" id="risk-(\d+)"', element(page, "risks", "ul")
    )
    assert listed == [str(sooner.pk), str(later.pk), str(closed.pk)]


# --- 修改: surveys, feedback, referrals, risks -----------------------------------------------


def test_editing_a_survey_starts_from_its_values_and_records_the_reason(
    personas: testing.Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 10, 8), accepted_on=d(2026, 10, 9))
    row = survey(personas, customer, delivery=made.pk, method="visit", suggestions="希望提供报告")
    client = client_for(personas.alice)
    url = f"/surveys/{row.pk}/edit/"

    dialog = text(client.get(url, **HX))
    page = text(
        client.post(
            url,
            {**SURVEY_POST, "delivery": str(made.pk), "version": "1", "reason": "分数录错"},
            **HX,
        )
    )

    assert "修改满意度调查" in dialog and 'name="version" value="1"' in dialog
    assert f'<option value="{made.pk}" selected>' in dialog
    assert 'name="surveyed_on" value="2026-10-09"' in dialog
    assert '<option value="visit" selected>' in dialog
    assert re.search(r'name="response_speed"[^>]*>.*?<option value="4" selected>', dialog, re.S)
    assert re.search(r'name="deliverable"[^>]*>.*?<option value="5" selected>', dialog, re.S)
    assert 'name="overall" value="85"' in dialog and ">\n希望提供报告</textarea>" in dialog
    assert "修改原因(选填,记入动态)" in dialog
    row.refresh_from_db()
    assert (row.delivery, row.surveyed_on, row.method, row.response_speed) == (
        made,
        d(2026, 10, 12),
        "phone",
        5,
    )
    assert (row.deliverable, row.overall, row.suggestions, row.referral_intent) == (
        4,
        92,
        "希望每月提供运维报告",
        "yes",
    )
    assert (row.improvement_due_on, row.version) == (d(2026, 11, 2), 2)
    event = AuditEvent.objects.get(action="survey.update")
    assert (event.actor, event.reason, event.changes["overall"]) == (
        personas.alice,
        "分数录错",
        {"before": 85, "after": 92},
    )
    refreshed(page)
    assert "已修改满意度调查,综合满意度 92 分" in page
    assert 'id="core-badge"' in page  # 92 分: the customer enters the core pool


def test_a_refused_survey_edit_shows_the_messages_and_writes_nothing(
    personas: testing.Personas, customer: Customer
) -> None:
    row = survey(personas, customer)
    client = client_for(personas.alice)
    url = f"/surveys/{row.pk}/edit/"
    post = {**SURVEY_POST, "version": "1"}

    high = text(client.post(url, {**post, "overall": "101"}, **HX))
    ahead = text(client.post(url, {**post, "surveyed_on": "2026-10-13"}, **HX))
    unaccepted = delivery(personas, customer, title="二期开发")
    early = text(client.post(url, {**post, "delivery": str(unaccepted.pk)}, **HX))

    assert "综合满意度请填写 0-100 的整数" in high and 'value="101"' in high
    assert "调查日期" in words(element(ahead, "surveyed_on-error", "div"))
    assert "选择一个有效的选项" in early or "delivery-error" in early
    row.refresh_from_db()
    assert (row.overall, row.surveyed_on, row.version) == (85, d(2026, 10, 9), 1)
    assert not actions("survey.update")


def test_editing_feedback_moves_its_clock_and_the_complaint_flag(
    personas: testing.Personas, customer: Customer
) -> None:
    row = feedback(personas, customer, received_on=d(2026, 10, 9))
    client = client_for(personas.alice)
    url = f"/feedback/{row.pk}/edit/"
    dialog = text(client.get(url, **HX))
    post = {
        "kind": "suggestion",
        "category": "product",
        "content": "希望增加移动端审批",
        "received_on": "2026-10-10",
        "version": "1",
        "reason": "客户说明是建议不是投诉",
    }

    page = text(client.post(url, post, **HX))

    assert '<option value="complaint" selected>' in dialog
    assert '<option value="service" selected>' in dialog
    assert ">\n工程师响应慢,等了两天</textarea>" in dialog
    assert (
        'name="received_on" value="2026-10-09"' in dialog and 'name="version" value="1"' in dialog
    )
    row.refresh_from_db()
    customer.refresh_from_db()
    assert (row.kind, row.category, row.content, row.received_on, row.version) == (
        "suggestion",
        "product",
        "希望增加移动端审批",
        d(2026, 10, 10),
        2,
    )
    assert row.improvement_due_on == d(2026, 10, 30)  # a suggestion: 15 working days
    assert customer.flag_complaint is False
    event = AuditEvent.objects.get(action="feedback.update")
    assert (event.reason, event.changes["kind"]) == (
        "客户说明是建议不是投诉",
        {"before": "complaint", "after": "suggestion"},
    )
    refreshed(page)
    assert "已修改客户反馈(建议)" in page and "投诉" not in words(
        element(page, "customer-header", "div")
    )


def test_a_refused_feedback_edit_writes_nothing(
    personas: testing.Personas, customer: Customer
) -> None:
    row = feedback(personas, customer)
    client = client_for(personas.alice)
    url = f"/feedback/{row.pk}/edit/"
    post = {"kind": "complaint", "category": "service", "version": "1"}

    empty = text(client.post(url, {**post, "content": "", "received_on": ""}, **HX))
    vague = text(client.post(url, {**post, "content": "无", "received_on": "2026-10-12"}, **HX))
    ahead = text(client.post(url, {**post, "content": "响应慢", "received_on": "2026-10-13"}, **HX))
    services.resolve_feedback(alice(personas), row, resolution="已更换驻场工程师并回访")
    resolved = text(
        client.post(
            url, {**post, "content": "响应慢", "received_on": "2026-10-12", "version": "2"}, **HX
        )
    )

    assert "请填写反馈内容" in empty and "请填写日期" in words(
        element(empty, "received_on-error", "div")
    )
    assert "不要只写" in vague
    assert "反馈日期" in words(element(ahead, "received_on-error", "div"))
    assert "已解决的反馈不能修改,请先重新打开" in resolved and ">\n响应慢</textarea>" in resolved
    row.refresh_from_db()
    assert (row.content, row.version) == ("工程师响应慢,等了两天", 2)
    assert not actions("feedback.update")


def test_editing_a_pending_referral_links_the_customer_picked(
    personas: testing.Personas, customer: Customer, customer_of: Any
) -> None:
    other = customer_of(personas.alice, name="东莞市新星电子有限公司")
    row = referral(personas, customer, referred_on=d(2026, 10, 9), notes="展会上认识")
    client = client_for(personas.alice)
    url = f"/referrals/{row.pk}/edit/"
    dialog = text(client.get(url, **HX))
    post = {
        "referred": str(other.pk),
        "referred_name": "",
        "referred_on": "2026-10-10",
        "reward_amount": "3,000",
        "reward_text": "服务费 9 折",
        "notes": "展会上认识",
        "version": "1",
        "reason": "客户已建档",
    }

    page = text(client.post(url, post, **HX))

    assert (
        'value="东莞市新星电子有限公司"' in dialog
        and 'name="referred_on" value="2026-10-09"' in dialog
    )
    assert 'value="2000.00"' in dialog and ">\n展会上认识</textarea>" in dialog
    assert f'hx-get="/customers/{customer.pk}/referrals/candidates/"' in dialog
    row.refresh_from_db()
    assert (row.referred, row.referred_name, row.referred_on) == (other, "", d(2026, 10, 10))
    assert (row.reward_amount, row.reward_text, row.version) == (
        Decimal("3000.00"),
        "服务费 9 折",
        2,
    )
    event = AuditEvent.objects.get(action="referral.update")
    assert event.reason == "客户已建档"
    assert event.changes["reward_amount"] == {"before": "2000.00", "after": "3000.00"}
    refreshed(page)
    assert "已修改转介绍" in page
    assert f'<option value="{other.pk}" selected>' in text(client.get(url, **HX))


def test_a_refused_referral_edit_writes_nothing(
    personas: testing.Personas, customer: Customer, customer_of: Any
) -> None:
    other = customer_of(personas.alice, name="东莞市新星电子有限公司")
    row = referral(personas, customer, referred=other.pk)
    client = client_for(personas.alice)
    url = f"/referrals/{row.pk}/edit/"
    post = {"referred": str(other.pk), "referred_on": "2026-10-12", "version": "1"}

    undated = text(client.post(url, {**post, "referred_on": ""}, **HX))
    nobody = text(client.post(url, {**post, "referred": "", "referred_name": ""}, **HX))
    itself = text(client.post(url, {**post, "referred": str(customer.pk)}, **HX))
    services.approve_referral(testing.actor(personas.carol), row)
    approved = text(client.post(url, {**post, "reward_text": "改成 8 折", "version": "2"}, **HX))

    assert "请填写日期" in words(element(undated, "referred_on-error", "div"))
    assert "请选择被推荐客户,或填写其名称" in nobody
    assert "推荐客户与被推荐客户不能是同一个客户" in words(element(itself, "referred-error", "div"))
    assert "已审批的转介绍不能再修改" in approved and 'value="改成 8 折"' in approved
    row.refresh_from_db()
    assert (row.referred, row.reward_text, row.status) == (other, "", "approved")
    assert not actions("referral.update")


def test_a_referral_linked_to_a_customer_the_editor_may_not_see_keeps_it_masked(
    personas: testing.Personas, customer: Customer, customer_of: Any
) -> None:
    from crm.customers import services as customer_services

    other = customer_of(personas.alice, name="东莞市新星电子有限公司")
    row = referral(personas, customer, referred=other.pk, referred_name="")
    # dave (another team) collaborates on the referrer: he edits it, not alice's other customer
    customer_services.add_collaborator(alice(personas), customer, user=personas.dave)
    client = client_for(personas.dave)
    url = f"/referrals/{row.pk}/edit/"
    post = {"referred": str(other.pk), "referred_on": "2026-10-12", "reward_amount": "2500"}

    dialog = text(client.get(url, **HX))
    card = text(client.get(f"/customers/{customer.pk}/aftersales/", **HX))
    page = text(client.post(url, {**post, "version": "1"}, **HX))

    assert f'<option value="{other.pk}" selected>(其他团队的客户)</option>' in dialog
    assert "东莞市新星电子有限公司" not in dialog and "东莞市新星电子有限公司" not in card
    assert "(其他团队的客户)" in element(card, f"referral-{row.pk}")
    row.refresh_from_db()
    assert (row.referred, row.reward_amount, row.version) == (other, Decimal("2500.00"), 2)
    assert "已修改转介绍" in page
    assert "东莞市新星电子有限公司" not in element(page, "aftersales-card", "div")


def test_editing_a_risk_moves_its_owner_level_and_the_churn_flag(
    personas: testing.Personas, customer: Customer
) -> None:
    row = risk(personas, customer)
    client = client_for(personas.alice)
    url = f"/risks/{row.pk}/edit/"
    dialog = text(client.get(url, **HX))
    post = {
        **RISK_POST,
        "kind": "competition",
        "level": "low",
        "owner": str(personas.carol.pk),
        "due_on": "2026-10-23",
        "raised_on": "2026-10-09",
        "version": "1",
        "reason": "对手已退出比价",
    }

    page = text(client.post(url, post, **HX))

    assert '<option value="competition" selected>' in dialog
    assert '<option value="high" selected>' in dialog
    assert f'<option value="{personas.alice.pk}" selected>' in dialog
    assert (
        'name="due_on" value="2026-10-20"' in dialog
        and 'name="raised_on" value="2026-10-12"' in dialog
    )
    assert ">\n竞争对手报价低 15%</textarea>" in dialog
    row.refresh_from_db()
    customer.refresh_from_db()
    assert (row.level, row.owner, row.due_on, row.raised_on, row.version) == (
        "low",
        personas.carol,
        d(2026, 10, 23),
        d(2026, 10, 9),
        2,
    )
    assert (row.description, row.countermeasure) == ("客户采购部要求降价 10%", "提供三年期优惠方案")
    assert customer.flag_churn_risk is False
    event = AuditEvent.objects.get(action="risk.update")
    assert (event.reason, event.changes["level"]) == (
        "对手已退出比价",
        {"before": "high", "after": "low"},
    )
    refreshed(page)
    assert "已修改风险预警(竞争风险,低)" in page
    assert "流失风险" not in words(element(page, "customer-header", "div"))


def test_a_refused_risk_edit_writes_nothing(personas: testing.Personas, customer: Customer) -> None:
    row = risk(personas, customer)
    client = client_for(personas.alice)
    url = f"/risks/{row.pk}/edit/"
    post = {**RISK_POST, "owner": str(personas.alice.pk), "version": "1"}

    past = text(client.post(url, {**post, "due_on": "2026-10-09"}, **HX))
    vague = text(client.post(url, {**post, "description": "无"}, **HX))
    undated = text(client.post(url, {**post, "raised_on": ""}, **HX))
    services.close_risk(alice(personas), row, outcome="effective")
    closed = text(client.post(url, {**post, "version": "2"}, **HX))

    assert "处理期限不能早于今天" in words(element(past, "due_on-error", "div"))
    assert "请写明风险的具体情况" in vague
    assert "请填写日期" in words(element(undated, "raised_on-error", "div"))
    assert "已关闭的风险预警不能修改,请先重新打开" in closed
    row.refresh_from_db()
    assert (row.kind, row.level, row.version) == ("competition", "high", 2)
    assert not actions("risk.update")


def _survey_edit(personas: testing.Personas, customer: Customer) -> tuple[Any, str, dict[str, str]]:
    row = survey(personas, customer)
    services.update_survey(testing.actor(personas.carol), row, overall=70)
    return row, f"/surveys/{row.pk}/edit/", {**SURVEY_POST, "overall": "93"}


def _feedback_edit(
    personas: testing.Personas, customer: Customer
) -> tuple[Any, str, dict[str, str]]:
    row = feedback(personas, customer)
    services.update_feedback(testing.actor(personas.carol), row, category="quality")
    post = {
        "kind": "complaint",
        "category": "price",
        "content": "价格高于预期",
        "received_on": "2026-10-12",
    }
    return row, f"/feedback/{row.pk}/edit/", post


def _referral_edit(
    personas: testing.Personas, customer: Customer
) -> tuple[Any, str, dict[str, str]]:
    row = referral(personas, customer)
    services.update_referral(testing.actor(personas.carol), row, reward_text="服务费 9 折")
    post = {"referred_name": "东莞市新星电子", "referred_on": "2026-10-12", "reward_amount": "3000"}
    return row, f"/referrals/{row.pk}/edit/", post


def _risk_edit(personas: testing.Personas, customer: Customer) -> tuple[Any, str, dict[str, str]]:
    row = risk(personas, customer)
    services.update_risk(testing.actor(personas.carol), row, level="medium")
    return row, f"/risks/{row.pk}/edit/", {**RISK_POST, "owner": str(personas.alice.pk)}


@pytest.mark.parametrize(
    ("make", "label", "action"),
    [
        (_survey_edit, "该满意度调查", "survey.update"),
        (_feedback_edit, "该客户反馈", "feedback.update"),
        (_referral_edit, "该转介绍", "referral.update"),
        (_risk_edit, "该风险预警", "risk.update"),
    ],
    ids=["survey", "feedback", "referral", "risk"],
)
def test_an_edit_saved_meanwhile_is_refused_once_keeping_what_was_typed(
    personas: testing.Personas, customer: Customer, make: Any, label: str, action: str
) -> None:
    row, url, post = make(personas, customer)
    client = client_for(personas.alice)
    typed = next(
        v for k, v in post.items() if k in ("overall", "content", "reward_amount", "description")
    )

    first = text(client.post(url, {**post, "version": "1"}, **HX))
    row.refresh_from_db()
    assert label + STALE in first and 'name="version" value="2"' in first
    assert f'value="{typed}"' in first or f">\n{typed}</textarea>" in first
    assert (row.version, len(actions(action))) == (2, 1)  # carol's change only

    second = text(client.post(url, {**post, "version": "2"}, **HX))

    row.refresh_from_db()
    refreshed(second)
    assert (row.version, [e.actor for e in actions(action)]) == (
        3,
        [personas.carol, personas.alice],
    )


def test_saving_an_unchanged_edit_says_so(personas: testing.Personas, customer: Customer) -> None:
    row = risk(personas, customer)
    post = {
        "kind": "competition",
        "level": "high",
        "description": "竞争对手报价低 15%",
        "countermeasure": "本周安排技术交流,突出售后响应优势",
        "owner": str(personas.alice.pk),
        "due_on": "2026-10-20",
        "raised_on": "2026-10-12",
        "version": "1",
    }

    page = text(client_for(personas.alice).post(f"/risks/{row.pk}/edit/", post, **HX))

    row.refresh_from_db()
    assert "没有需要保存的修改" in page and row.version == 1 and not actions("risk.update")


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
def test_only_editors_see_the_edit_buttons_and_only_on_rows_that_can_change(
    personas: testing.Personas, customer: Customer, persona: str
) -> None:
    ids = _world(personas, customer)
    done = feedback(personas, customer, kind="praise", content="工程师很专业")
    services.resolve_feedback(alice(personas), done, resolution="已转达表扬给驻场工程师")
    closed = risk(personas, customer, level="low")
    services.close_risk(alice(personas), closed, outcome="effective")

    page = text(
        client_for(getattr(personas, persona)).get(f"/customers/{customer.pk}/aftersales/", **HX)
    )

    shown = [
        n for n in ("survey", "feedback", "referral", "risk") if f'id="edit-{n}-{ids[n]}"' in page
    ]
    assert shown == ([] if persona == "erin" else ["survey", "feedback", "referral", "risk"])
    assert f'id="edit-feedback-{done.pk}"' not in page and f'id="edit-risk-{closed.pk}"' not in page


# --- 显示全部: a section of the card in full ---------------------------------------------------


SECTION_ROWS = {
    "deliveries": "delivery",
    "surveys": "survey",
    "feedback": "feedback",
    "referrals": "referral",
    "risks": "risk",
    "cases": "customer-case",
}


def test_a_section_with_more_rows_offers_them_all(
    personas: testing.Personas, customer: Customer
) -> None:
    _fill(personas, customer, 12)
    client = client_for(personas.alice)

    card = text(client.get(f"/customers/{customer.pk}/aftersales/", **HX))
    full = {
        s: text(client.get(f"/customers/{customer.pk}/aftersales/{s}/", **HX)) for s in SECTION_ROWS
    }

    for section, row in SECTION_ROWS.items():
        button = element(card, f"{section}-all", "button")
        assert words(button) == "显示全部 12 条"
        assert f'hx-get="/customers/{customer.pk}/aftersales/{section}/"' in button
        assert f'hx-target="#aftersales-{section}" hx-swap="outerHTML"' in button
        assert card.count(f'<li class="list-group-item" id="{row}-') == 10
        page = full[section]
        assert page.startswith(f'<div id="aftersales-{section}">')
        assert page.count(f'<li class="list-group-item" id="{row}-') == 12
        assert f'id="{section}-all"' not in page and f'id="{section}-capped"' not in page
    assert 'id="new-delivery"' in full["deliveries"] and 'id="edit-risk-' in full["risks"]


def test_a_section_in_full_stops_at_its_cap_and_says_so(
    personas: testing.Personas, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules["crm.aftersales.views.card"], "ALL_CAP", 3)
    for i in range(4):
        feedback(personas, customer, content=f"第{i}次反馈:响应慢")

    page = text(
        client_for(personas.alice).get(f"/customers/{customer.pk}/aftersales/feedback/", **HX)
    )

    assert page.count('<li class="list-group-item" id="feedback-') == 3
    assert words(element(page, "feedback-capped")) == "仅显示最近的 3 条"


@pytest.mark.parametrize(
    ("section", "queries"),
    # session, user, the customer (with the edit right), its rows (deliveries: and their notes;
    # referrals: and whether the user may approve, for a sales manager their teams)
    [
        ("deliveries", 5),
        ("surveys", 4),
        ("feedback", 4),
        ("referrals", 4),
        ("risks", 4),
        ("cases", 4),
    ],
)
def test_a_section_in_full_costs_the_same_queries_at_any_size(
    personas: testing.Personas,
    customer: Customer,
    django_assert_num_queries: Any,
    section: str,
    queries: int,
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/aftersales/{section}/"
    _fill(personas, customer, 1)
    client.get(url, **HX)
    with django_assert_num_queries(queries):
        client.get(url, **HX)
    _fill(personas, customer, 12)
    with django_assert_num_queries(queries):
        page = text(client.get(url, **HX))
    assert page.count(f'<li class="list-group-item" id="{SECTION_ROWS[section]}-') == 13


def test_a_section_needs_sight_of_the_customer_and_a_known_name(
    personas: testing.Personas, customer: Customer
) -> None:
    feedback(personas, customer, content="机密反馈内容")

    hidden = client_for(personas.dave).get(f"/customers/{customer.pk}/aftersales/feedback/", **HX)
    unknown = client_for(personas.alice).get(f"/customers/{customer.pk}/aftersales/secrets/", **HX)
    read = text(
        client_for(personas.erin).get(f"/customers/{customer.pk}/aftersales/feedback/", **HX)
    )

    assert hidden.status_code == 404 and "机密反馈内容" not in text(hidden)
    assert unknown.status_code == 404
    assert "机密反馈内容" in read and 'id="resolve-feedback-' not in read
