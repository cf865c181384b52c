"""The 需求分析 card and its dialogs on the customer page (time frozen 2026-03-02 10:00)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from crm.core import testing
from crm.customers.models import Customer
from crm.needs.models import DemandChange, NeedsAnalysis
from crm.records import services as records

from .conftest import NOW

pytestmark = pytest.mark.django_db
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def analysis_post(customer: Any, **overrides: Any) -> dict[str, Any]:
    wang, li = customer.contacts.order_by("pk")
    data = {
        "interviewed_at": "2026-03-02T09:00",
        "intent": "high",
        "pain_points": "1.服务器宕机频繁影响业务2.运维人力成本高",
        "explicit_needs": "系统稳定性≥99.9%\n减少2名运维人员",
        "latent_needs": "",
        "budget_min": "300000",
        "budget_max": "500000",
        "budget_note": "含3年服务费",
        f"role_{wang.pk}": "decision_maker",
        f"concerns_{wang.pk}": "数据安全",
        f"role_{li.pk}": "",
        f"concerns_{li.pk}": "",
    }
    data.update(overrides)
    return data


def test_the_card_invites_an_analysis_until_there_is_one(personas, customer):
    page = client_for(personas.alice).get(f"/customers/{customer.pk}/").content.decode()
    # the page holds the card's shell; the body loads from its own URL once the page is shown
    assert f'id="needs-card" hx-get="/customers/{customer.pk}/needs/" hx-trigger="load"' in page
    assert "尚未填写需求分析" not in page
    html = client_for(personas.alice).get(f"/customers/{customer.pk}/needs/").content.decode()
    assert "尚未填写需求分析" in html
    assert f'hx-get="/customers/{customer.pk}/needs/new/"' in html
    erin = client_for(personas.erin).get(f"/customers/{customer.pk}/needs/").content.decode()
    assert 'id="file-needs"' not in erin


def test_the_card_is_only_for_who_may_see_the_customer(personas, customer_of):
    other = customer_of(personas.carol)
    assert client_for(personas.alice).get(f"/customers/{other.pk}/needs/").status_code == 404
    assert client_for(personas.alice).post(f"/customers/{other.pk}/needs/").status_code == 405


def test_filing_an_analysis_shows_it_and_moves_the_intent(personas, customer):
    url = f"/customers/{customer.pk}/needs/new/"
    response = client_for(personas.alice).post(url, analysis_post(customer), **HX)
    html = response.content.decode()
    assert "已填写需求分析,意向等级已更新" in html
    assert "<li>服务器宕机频繁影响业务</li><li>运维人力成本高</li>" in html
    assert '决策人:王强(CTO) <span class="text-secondary">· 关注 数据安全</span>' in html
    assert "30万-50万" in html and "(含3年服务费)" in html
    assert 'id="timeline" hx-swap-oob="true"' in html
    assert Customer.objects.get(pk=customer.pk).intent == "high"
    assert NeedsAnalysis.objects.get().chain.get().role == "decision_maker"


def test_a_refused_analysis_keeps_what_was_typed(personas, customer):
    url = f"/customers/{customer.pk}/needs/new/"
    data = analysis_post(customer, budget_min="900000", intent="")
    html = client_for(personas.alice).post(url, data, **HX).content.decode()
    assert "请选择意向等级" in html
    assert "预算上限不能低于下限" in html
    assert "1.服务器宕机频繁影响业务2.运维人力成本高" in html
    assert not NeedsAnalysis.objects.exists()


def test_correcting_the_analysis_with_a_stale_version_is_refused_once(personas, customer):
    client = client_for(personas.alice)
    client.post(f"/customers/{customer.pk}/needs/new/", analysis_post(customer), **HX)
    made = NeedsAnalysis.objects.get()
    url = f"/needs/{made.pk}/edit/"
    form = client.get(url, **HX).content.decode()
    assert "服务器宕机频繁影响业务\n运维人力成本高" in form
    stale = client.post(url, analysis_post(customer, intent="low", version="7"), **HX)
    assert "这份需求分析刚被他人修改过" in stale.content.decode()
    done = client.post(url, analysis_post(customer, intent="low", version="1"), **HX)
    assert "已修改需求分析" in done.content.decode()
    assert Customer.objects.get(pk=customer.pk).intent == "low"


def test_a_demand_change_from_a_record_card(personas, customer):
    card = records.file_record(
        testing.actor(personas.alice),
        customer=customer,
        occurred_at=NOW - datetime.timedelta(days=1),
        channel="phone",
        purpose="issue_follow_up",
        content="客户计划Q3拓展云存储业务",
    )
    page = client_for(personas.alice).get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="/customers/{customer.pk}/demand-changes/new/?record={card.pk}"' in page
    url = f"/customers/{customer.pk}/demand-changes/new/?record={card.pk}"
    form = client_for(personas.alice).get(url, **HX).content.decode()
    assert "来自维护记录卡" in form
    data = {
        "original_need": "服务器运维托管",
        "current_need": "运维托管 + 云存储",
        "trigger": "Q3 拓展云存储",
        "priority": "high",
        "changed_on": "2026-03-01",
    }
    html = client_for(personas.alice).post(url, data, **HX).content.decode()
    assert "已记录需求变化" in html
    assert "服务器运维托管 → <strong>运维托管 + 云存储</strong>" in html
    assert DemandChange.objects.get().record == card


@pytest.mark.parametrize(("who", "status"), [("dave", 404), ("erin", 403), ("carol", 200)])
def test_who_may_open_the_dialogs(personas, customer, who, status):
    client = client_for(getattr(personas, who))
    assert client.get(f"/customers/{customer.pk}/needs/new/", **HX).status_code == status
    assert client.get(f"/customers/{customer.pk}/demand-changes/new/", **HX).status_code == status
