"""Exact query counts for every API list, at two data sizes: no N+1 may creep in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.core.testing import Personas, actor, api_client
from crm.customers import services

pytestmark = pytest.mark.django_db

# (url, persona, expected queries) — the same count at 3 and at 12 customers.
LISTS = [
    ("/api/v1/customers/", "alice", 2),  # rows (scope is an in-line subquery) + tags
    ("/api/v1/customers/?q=kj", "alice", 2),
    ("/api/v1/customers/?stage=potential&ordering=name", "carol", 3),  # + managed teams
    ("/api/v1/customers/", "erin", 2),
    ("/api/v1/contacts/", "alice", 1),
    ("/api/v1/contacts/", "admin", 1),
    ("/api/v1/users/", "alice", 1),
    ("/api/v1/teams/", "alice", 1),
    ("/api/v1/industries/", "alice", 1),
    ("/api/v1/regions/", "alice", 1),
    ("/api/v1/duplicate-claims/", "carol", 2),  # managed teams + rows
    ("/api/v1/audit-events/?source=web", "admin", 1),
    ("/api/v1/sensitive-access/", "admin", 1),
]


def fill(personas: Personas, customer_of: Any, count: int) -> None:
    for i in range(count):
        customer = customer_of(
            personas.alice,
            name=f"杭州数据{i}号科技有限公司",
            tags=["重点客户", f"标签{i}"],
            contacts=[{"name": f"王{i}", "mobile": f"1381234{i:04d}"}],
        )
        services.add_collaborator(actor(personas.alice), customer, user=personas.bob)


def count_queries(url: str, user: Any) -> int:
    client = api_client(type(user).objects.get(pk=user.pk))  # a fresh user, as per request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "persona", "expected"), LISTS)
def test_list_query_count_does_not_grow_with_rows(personas, customer_of, url, persona, expected):
    user = getattr(personas, persona)
    fill(personas, customer_of, 3)
    small = count_queries(url, user)
    fill_more = 9
    for i in range(fill_more):
        customer_of(
            personas.alice,
            name=f"宁波追加{i}号有限公司",
            tags=[f"追加{i}"],
            contacts=[{"name": f"李{i}"}],
        )
    large = count_queries(url, user)
    assert (small, large) == (expected, expected)


@pytest.mark.parametrize(("suffix", "expected"), [("timeline/", 3), ("transitions/", 2)])
def test_customer_history_query_count_does_not_grow_with_events(
    personas, customer_of, suffix, expected
):
    customer = customer_of(personas.alice)
    url = f"/api/v1/customers/{customer.pk}/{suffix}"
    counts = []
    for stages in (1, 8):
        for i in range(stages):
            target = "intent" if customer.stage != "intent" else "potential"
            customer = services.change_stage(
                actor(personas.alice), customer, stage=target, reason=f"第{i}次"
            )
        counts.append(count_queries(url, personas.alice))
    assert counts == [expected, expected]


def file_cards(personas: Personas, customer_of: Any, count: int) -> None:
    from django.utils import timezone

    from crm.records import services as records

    for i in range(count):
        customer = customer_of(personas.alice, contacts=[{"name": f"赵{i}"}])
        records.file_record(
            actor(personas.alice),
            customer=customer,
            occurred_at=timezone.now(),
            channel="phone",
            purpose="regular_visit",
            kind="service" if i % 2 else "sales",
            content=f"客户询问第{i}期新功能上线时间",
            contacts=list(customer.contacts.all()),
            participants=[personas.bob],
            tasks=[
                {"description": f"上线计划{i}", "due": timezone.localdate(), "owner": personas.bob}
            ],
        )


# (url, persona, expected queries) for the record-card and to-do lists, at 3 and at 12 cards.
RECORD_LISTS = [
    ("/api/v1/records/", "alice", 3),  # rows + contacts + participants
    ("/api/v1/records/?kind=sales&is_late=false", "carol", 4),  # + managed teams
    ("/api/v1/records/", "erin", 3),
    ("/api/v1/tasks/", "alice", 1),
    ("/api/v1/tasks/?status=open&overdue=false", "carol", 2),  # + managed teams
]


@pytest.mark.parametrize(("url", "persona", "expected"), RECORD_LISTS)
def test_record_and_task_lists_query_count_does_not_grow(
    personas, customer_of, url, persona, expected
):
    user = getattr(personas, persona)
    file_cards(personas, customer_of, 3)
    small = count_queries(url, user)
    file_cards(personas, customer_of, 9)
    large = count_queries(url, user)
    assert (small, large) == (expected, expected)


def fill_business(personas: Personas, customer_of: Any, count: int, tag: str) -> None:
    """`count` customers of alice, every other one medical (gated pipeline, one gate passed),
    each with an opportunity, a contract and an order under it; and one more pipeline."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from crm.customers.models import Industry
    from crm.pipeline import services as pipeline

    today, alice = timezone.localdate(), actor(personas.alice)
    for i in range(count):
        industry = Industry.objects.get(pk="84") if i % 2 else None
        customer = customer_of(
            personas.alice, name=f"{tag}{i}号医疗科技有限公司", industry=industry
        )
        opp = pipeline.create_opportunity(
            alice,
            customer=customer,
            name=f"项目{i}",
            amount=Decimal(1000 + i),
            expected_close_on=today,
            needs_confirmed_on=today,
        )
        for gate in opp.pipeline.stages.get(code="won").gates.all()[:1]:
            pipeline.pass_gate(alice, opp, gate=gate, note="资质齐全")
        contract = pipeline.create_contract(
            alice,
            customer=customer,
            amount=Decimal(5000),
            signed_on=today,
            ends_on=today + datetime.timedelta(days=10),
        )
        pipeline.create_order(
            alice,
            customer=customer,
            number=f"DD-{tag}-{i}",
            ordered_on=today,
            amount=Decimal(100),
            contract=contract,
        )
    admin = actor(personas.admin)
    extra = pipeline.save_pipeline(admin, name=f"{tag}行业流程", industries=["J"])
    stage = pipeline.save_stage(admin, pipeline=extra, code="audit", name="资质审核")
    pipeline.save_gate(admin, stage=stage, code="license", name="许可证")


# (url, persona, expected queries) for the pipeline lists, at 3 and at 12 customers' business.
PIPELINE_LISTS = [
    ("/api/v1/opportunities/", "alice", 4),  # rows + active stages + their gates + passes
    ("/api/v1/opportunities/?status=open&ordering=amount", "carol", 5),  # + managed teams
    ("/api/v1/opportunities/", "erin", 4),
    ("/api/v1/contracts/", "alice", 2),  # rows + tier rules (the expiring flag)
    ("/api/v1/contracts/?expiring=true", "carol", 4),  # + managed teams + tier rules (filter)
    ("/api/v1/orders/", "alice", 1),
    ("/api/v1/orders/?ordered_after=2026-01-01", "admin", 1),
    ("/api/v1/pipelines/", "alice", 3),  # pipelines + active stages + gates
    ("/api/v1/pipeline-stages/?is_active=true", "alice", 1),
    ("/api/v1/pipeline-gates/", "alice", 1),
]


@pytest.mark.parametrize(("url", "persona", "expected"), PIPELINE_LISTS)
def test_pipeline_lists_query_count_does_not_grow(personas, customer_of, url, persona, expected):
    from django.utils import timezone

    from crm.workdays import calendar

    user = getattr(personas, persona)
    fill_business(personas, customer_of, 3, "温州")
    calendar.is_workday(timezone.localdate())  # the override table, read once per process
    small = count_queries(url, user)
    fill_business(personas, customer_of, 9, "台州")
    calendar.is_workday(timezone.localdate())
    large = count_queries(url, user)
    assert (small, large) == (expected, expected)
