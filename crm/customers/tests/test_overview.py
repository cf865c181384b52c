"""客户概览: counts within the user's scope, months bucketed on local dates, fixed queries."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from crm.core import testing
from crm.customers import services
from crm.customers.models import Customer, Industry
from crm.customers.overview import overview

pytestmark = pytest.mark.django_db


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute))


@pytest.fixture
def book(personas: Any, customer_of: Any) -> dict[str, Customer]:
    software, retail = Industry.objects.get(code="65"), Industry.objects.get(code="52")
    made = {
        "a1": customer_of(personas.alice, name="甲一公司", industry=software),
        "a2": customer_of(personas.alice, name="甲二公司", industry=software, level="A"),
        "a3": customer_of(personas.alice, name="甲三公司", industry=retail),
        "d1": customer_of(personas.dave, name="丁一公司", industry=retail),
    }
    services.change_stage(testing.actor(personas.alice), made["a1"], stage="intent", reason="演示")
    Customer.objects.filter(pk=made["a2"].pk).update(flag_complaint=True)
    # created: a1 on the last evening of October (local), a2 at local midnight of 1 November,
    # a3 in November 2025 (outside twelve months), d1 in November 2026
    Customer.objects.filter(pk=made["a1"].pk).update(created_at=local(2026, 10, 31, 23, 30))
    Customer.objects.filter(pk=made["a2"].pk).update(created_at=local(2026, 11, 1, 0, 0))
    Customer.objects.filter(pk=made["a3"].pk).update(created_at=local(2025, 11, 20, 12, 0))
    Customer.objects.filter(pk=made["d1"].pk).update(created_at=local(2026, 11, 2, 9, 0))
    return made


def test_counts_cover_only_the_users_scope(personas: Any, book: dict[str, Customer]) -> None:
    data = overview(personas.alice, today=date(2026, 11, 23))

    assert data["total"] == 3
    assert [(v, n) for v, _label, n in data["stages"]] == [
        ("potential", 2),
        ("intent", 1),
        ("cooperating", 0),
        ("dormant", 0),
        ("lost", 0),
    ]
    assert [(v, n) for v, _label, n in data["levels"]] == [("A", 1), ("B", 0), ("C", 2)]
    assert ("flag_complaint", "投诉", 1) in data["flags"]
    assert data["industries"] == [
        ("I", "信息传输、软件和信息技术服务业", 2),
        ("F", "批发和零售业", 1),
    ]


def test_admin_sees_everyone(personas: Any, book: dict[str, Customer]) -> None:
    data = overview(personas.admin, today=date(2026, 11, 23))

    assert data["total"] == 4
    assert data["industries"][0][2] == 2 and data["industries"][1][2] == 2


def test_months_are_the_last_twelve_by_local_date(personas: Any, book: dict[str, Customer]) -> None:
    data = overview(personas.alice, today=date(2026, 11, 23))

    labels = [label for label, _n in data["months"]]
    months = dict(data["months"])
    assert (labels[0], labels[-1], len(labels)) == ("2025-12", "2026-11", 12)
    assert months["2026-10"] == 1  # 23:30 local on 31 October stays in October
    assert months["2026-11"] == 1  # local midnight of 1 November is November; dave's is not hers
    assert sum(months.values()) == 2  # November 2025 is outside the window


def chart_data(html: str) -> str:
    block = re.search(r'id="chart-data" type="application/json">(.*?)</script>', html)
    assert block is not None
    return block.group(1)


def test_page_links_each_bar_to_the_filtered_list(
    personas: Any, book: dict[str, Customer], django_assert_num_queries: Any
) -> None:
    client = Client()
    client.force_login(personas.alice)
    client.get("/customers/overview/")
    cache.clear()  # a first visit: session, user, the counts, the industries and their names
    with django_assert_num_queries(5):
        first = client.get("/customers/overview/")
    # then from the cache for 5 minutes: the session and the user only
    with django_assert_num_queries(2):
        response = client.get("/customers/overview/")
    assert chart_data(response.content.decode()) == chart_data(first.content.decode())
    assert "每 5 分钟更新" in response.content.decode()

    html = response.content.decode()
    block = re.search(r'id="chart-data" type="application/json">(.*?)</script>', html)
    assert block is not None
    charts = json.loads(block.group(1))
    assert charts["stage"]["labels"][:2] == ["潜在客户", "意向客户"]
    assert charts["stage"]["values"][:2] == [2, 1]
    assert charts["stage"]["links"][1] == "/customers/?stage=intent"
    assert charts["industry"]["links"] == ["/customers/?industry=I", "/customers/?industry=F"]
    assert 'href="/customers/?flag_complaint=true"' in html
    assert '<a href="/customers/?level=A">A类 战略客户</a>' in html


def test_overview_link_in_the_side_navigation(personas: Any) -> None:
    client = Client()
    client.force_login(personas.erin)

    html = client.get("/customers/overview/").content.decode()

    assert 'data-nav="overview" aria-current="page"' in html
