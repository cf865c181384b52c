"""The record-card and to-do API: happy paths, Chinese 400s, 404 for hidden, 412 when stale."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from crm.core.testing import actor, api_client
from crm.records import rules, services
from crm.records.models import Record

from .conftest import NOW

pytestmark = pytest.mark.django_db


def body(customer, **extra):
    return {
        "customer": customer.pk,
        "occurred_at": (NOW - datetime.timedelta(hours=1)).isoformat(),
        "channel": "phone",
        "purpose": "issue_follow_up",
        "content": "客户反馈系统操作复杂,希望简化流程",
        **extra,
    }


def test_create_files_the_card_with_its_to_dos(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/records/",
        body(
            customer,
            contacts=[customer.contacts.get().pk],
            tasks=[{"description": "提供操作培训", "due": "2026-03-04"}],
        ),
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["contact_names"], data["is_late"], data["kind"]) == (["单田芳"], False, "sales")
    assert response["ETag"] == f'"{data["id"]}-1"'
    tasks = api_client(personas.alice).get(f"/api/v1/tasks/?record={data['id']}").data["results"]
    assert [(t["description"], t["status"], t["overdue"]) for t in tasks] == [
        ("提供操作培训", "open", False)
    ]


def test_filler_content_answers_400_in_chinese(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/records/", body(customer, content="正常沟通"), format="json"
    )
    assert response.status_code == 400
    assert response.data == {"content": [rules.CONTENT_MESSAGE]}
    assert Record.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"occurred_at": "昨天"},
        {"channel": "fax"},
        {"customer": "abc"},
        {"contacts": [99999999999999999999]},
        {"tasks": [{"description": "x", "due": "2026-13-40"}]},
    ],
)
def test_bad_input_answers_400_never_500(personas, customer, bad):
    payload = {**body(customer), **bad}
    response = api_client(personas.alice).post("/api/v1/records/", payload, format="json")
    assert response.status_code == 400


def test_hidden_cards_answer_404(personas, customer):
    record = services.file_record(actor(personas.alice), customer=customer, **_fields())
    assert api_client(personas.dave).get(f"/api/v1/records/{record.pk}/").status_code == 404
    assert api_client(personas.erin).get(f"/api/v1/records/{record.pk}/").status_code == 404


def test_patch_needs_a_fresh_if_match(personas, customer):
    record = services.file_record(actor(personas.alice), customer=customer, **_fields())
    client = api_client(personas.alice)
    url = f"/api/v1/records/{record.pk}/"
    assert client.patch(url, {"notes": "x"}, format="json").status_code == 428
    ok = client.patch(url, {"notes": "竞品降价"}, format="json", HTTP_IF_MATCH=f'"{record.pk}-1"')
    assert (ok.status_code, ok.data["notes"], ok["ETag"]) == (200, "竞品降价", f'"{record.pk}-2"')
    stale = client.patch(url, {"notes": "y"}, format="json", HTTP_IF_MATCH=f'"{record.pk}-1"')
    assert stale.status_code == 412


def test_void_keeps_the_card_listed_as_voided(personas, customer):
    record = services.file_record(actor(personas.alice), customer=customer, **_fields())
    client = api_client(personas.alice)
    assert client.post(f"/api/v1/records/{record.pk}/void/", {}, format="json").status_code == 400
    response = client.post(f"/api/v1/records/{record.pk}/void/", {"reason": "重复"}, format="json")
    assert (response.status_code, response.data["voided"]) == (200, True)
    listed = client.get("/api/v1/records/?voided=true").data["results"]
    assert [r["id"] for r in listed] == [record.pk]


def test_complete_requires_a_result_and_overdue_filter(personas, customer):
    task = services.create_task(
        actor(personas.alice),
        customer=customer,
        description="提供报价单",
        due=datetime.date(2026, 3, 2),
    )
    client = api_client(personas.alice)
    url = f"/api/v1/tasks/{task.pk}/complete/"
    refused = client.post(url, {"result": "已完成"}, format="json")
    assert (refused.status_code, refused.data) == (400, {"result": [rules.RESULT_MESSAGE]})
    assert client.get("/api/v1/tasks/?overdue=true").data["results"] == []
    done = client.post(url, {"result": "已提供报价单,客户已确认"}, format="json")
    assert (done.status_code, done.data["status"]) == (200, "done")
    cancel = client.post(f"/api/v1/tasks/{task.pk}/cancel/", {"reason": "重复"}, format="json")
    assert cancel.status_code == 400
    assert cancel.data == {"status": ["该待办已完成,不能再处理"]}


def _fields():
    return {
        "occurred_at": NOW - datetime.timedelta(hours=1),
        "channel": "phone",
        "purpose": "regular_visit",
        "content": "询问新功能的上线时间",
    }


@pytest.mark.parametrize(
    "query",
    [
        "occurred_after=2825-08-05T18:30:23%2B23:00",
        "occurred_before=0132-06-23T18:30:15-20:48",
        "occurred_after=2026-11-01T00:00:00%2B08:00",
    ],
)
def test_record_list_takes_any_iso_offset_without_a_server_error(personas: Any, query: str) -> None:
    response = api_client(personas.alice).get(f"/api/v1/records/?{query}")

    assert response.status_code == 200
