"""/api/v1/needs-analyses/ and /api/v1/demand-changes/: the same services as the pages."""

from __future__ import annotations

import pytest

from crm.core.testing import api_client
from crm.customers.models import Customer
from crm.needs.models import DemandChange

pytestmark = pytest.mark.django_db


def body(customer, **extra):
    wang = customer.contacts.order_by("pk").first()
    return {
        "customer": customer.pk,
        "interviewed_at": "2026-03-02T09:00:00+08:00",
        "pain_points": ["服务器宕机频繁影响业务", "运维人力成本高"],
        "budget_negotiable": True,
        "intent": "medium",
        "chain": [{"contact": wang.pk, "role": "decision_maker", "concerns": "数据安全"}],
        **extra,
    }


def test_filing_an_analysis_answers_it_with_its_chain_and_etag(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/needs-analyses/", body(customer), format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert response["ETag"] == f'"{data["id"]}-1"'
    assert (data["budget_label"], data["intent"], data["is_late"]) == ("可协商", "medium", False)
    assert data["chain"] == [
        {
            "contact": customer.contacts.order_by("pk").first().pk,
            "contact_name": "王强",
            "role": "decision_maker",
            "concerns": "数据安全",
        }
    ]
    assert Customer.objects.get(pk=customer.pk).intent == "medium"


def test_a_bad_analysis_answers_400_per_field(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/needs-analyses/",
        body(customer, pain_points=[], budget_min="500000", budget_max="100000"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "pain_points": ["请至少填写一条核心痛点"],
        "budget_max": ["预算上限不能低于下限"],
    }


def test_correcting_needs_if_match(personas, customer):
    client = api_client(personas.alice)
    made = client.post("/api/v1/needs-analyses/", body(customer), format="json").json()
    url = f"/api/v1/needs-analyses/{made['id']}/"
    assert client.patch(url, {"intent": "high"}, format="json").status_code == 428
    stale = client.patch(url, {"intent": "high"}, format="json", HTTP_IF_MATCH=f'"{made["id"]}-9"')
    assert stale.status_code == 412
    done = client.patch(url, {"intent": "high"}, format="json", HTTP_IF_MATCH=f'"{made["id"]}-1"')
    assert (done.status_code, done["ETag"], done.json()["intent"]) == (
        200,
        f'"{made["id"]}-2"',
        "high",
    )


def test_hidden_customers_needs_answer_404_and_service_staff_cannot_write(personas, customer):
    made = (
        api_client(personas.alice)
        .post("/api/v1/needs-analyses/", body(customer), format="json")
        .json()
    )
    assert api_client(personas.dave).get(f"/api/v1/needs-analyses/{made['id']}/").status_code == 404
    assert api_client(personas.dave).get("/api/v1/needs-analyses/").json()["results"] == []
    erin = api_client(personas.erin)
    assert erin.get(f"/api/v1/needs-analyses/{made['id']}/").status_code == 200
    refused = erin.post("/api/v1/needs-analyses/", body(customer), format="json")
    assert refused.status_code == 403


def test_a_demand_change_over_the_api(personas, customer):
    client = api_client(personas.alice)
    response = client.post(
        "/api/v1/demand-changes/",
        {
            "customer": customer.pk,
            "original_need": "服务器运维托管",
            "current_need": "运维托管 + 云存储",
            "trigger": "Q3 拓展云存储",
            "priority": "high",
            "changed_on": "2026-03-01",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["priority"] == "high"
    listed = client.get(f"/api/v1/demand-changes/?customer={customer.pk}&priority=high").json()
    assert [row["current_need"] for row in listed["results"]] == ["运维托管 + 云存储"]
    assert DemandChange.objects.count() == 1
