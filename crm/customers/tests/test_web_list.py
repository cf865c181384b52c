"""The customer list page: sorting by any shown column, keyset paging both ways, the capped
count, filters from the URL, and bulk tag / assign through the services."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.customers import selectors
from crm.customers.models import Customer, CustomFieldDefinition

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<td class="crm-col-name"><a href="/customers/(\d+)/">')


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def link(html: str, element_id: str) -> str | None:
    match = re.search(rf'href="\?([^"]*)" id="{element_id}"', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def many(personas: Any, customer_of: Any) -> list[Customer]:
    """120 of alice's customers; every third one never contacted (a null sort value)."""
    now = timezone.now()
    made = []
    for i in range(120):
        customer = customer_of(personas.alice, name=f"杭州第{i:03d}号贸易有限公司")
        if i % 3:
            Customer.objects.filter(pk=customer.pk).update(
                last_contacted_at=now - timedelta(hours=i % 7)
            )
        made.append(customer)
    return made


@pytest.mark.parametrize("sort", ["-id", "name", "-name", "last_contacted", "-last_contacted"])
def test_paging_forward_then_back_visits_every_row_once_in_order(
    personas: Any, many: list[Customer], sort: str
) -> None:
    client = signed_in(personas.alice)
    field, descending = F(selectors.SORTS[sort.lstrip("-")]), sort.startswith("-")
    ordering = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    expected = list(
        Customer.objects.filter(owner=personas.alice)
        .order_by(ordering, "-id" if descending else "id")
        .values_list("pk", flat=True)
    )

    forward: list[list[int]] = []
    backward: list[list[int]] = []
    query: str | None = f"sort={sort}"
    while query is not None:
        html = get(client, f"/customers/?{query}")
        forward.append(shown(html))
        query = link(html, "next-page")
    query = link(html, "prev-page")
    while query is not None:
        html = get(client, f"/customers/?{query}")
        backward.append(shown(html))
        query = link(html, "prev-page")

    assert [len(p) for p in forward] == [50, 50, 20]
    assert [pk for p in forward for pk in p] == expected
    assert backward == [forward[1], forward[0]]


def test_first_page_has_no_previous_link_and_last_has_no_next(
    personas: Any, many: list[Customer]
) -> None:
    client = signed_in(personas.alice)
    first = get(client, "/customers/")
    assert link(first, "prev-page") is None
    assert link(first, "next-page") is not None


def test_sort_header_toggles_direction_and_keeps_filters(
    personas: Any, many: list[Customer]
) -> None:
    html = get(signed_in(personas.alice), "/customers/?stage=potential&sort=name")

    assert 'href="?stage=potential&amp;sort=-name" aria-sort="ascending">客户名称 ↑</a>' in html
    assert 'href="?stage=potential&amp;sort=number">客户编号</a>' in html


def test_unknown_sort_falls_back_to_newest_first(personas: Any, many: list[Customer]) -> None:
    html = get(signed_in(personas.alice), "/customers/?sort=password")

    assert shown(html)[:3] == [many[119].pk, many[118].pk, many[117].pk]


def test_tampered_cursor_means_first_page(personas: Any, many: list[Customer]) -> None:
    html = get(signed_in(personas.alice), "/customers/?after=bm90LWpzb24")

    assert shown(html)[0] == many[119].pk


def test_count_is_exact_for_one_page_and_loaded_apart_and_capped_beyond(
    personas: Any, many: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(personas.alice)
    # one page: counted by its rows, in the page
    assert "共 10 个客户" in get(client, "/customers/?q=第11")  # 第110号 … 第119号
    # more than a page: the page shows its rows at once and asks for the count after
    html = get(client, "/customers/?stage=potential")
    assert "50+ 个客户,正在计数…" in html
    assert 'hx-get="/customers/count/?stage=potential&amp;sort=-id" hx-trigger="load"' in html
    assert get(client, "/customers/count/?stage=potential").strip() == "共 120 个客户"
    monkeypatch.setattr(selectors, "COUNT_CAP", 100)
    assert get(client, "/customers/count/").strip() == "超过 100 个客户"
    # the count sees what the list sees: bob (alice's teammate) none of hers
    assert get(signed_in(personas.bob), "/customers/count/").strip() == "共 0 个客户"


def test_custom_field_filter_is_offered_and_applied(personas: Any, customer_of: Any) -> None:
    CustomFieldDefinition.objects.create(
        key="budget_owner", label="预算归属", type="choice", choices=["总部", "分公司"]
    )
    a = customer_of(personas.alice, name="甲公司", custom={"budget_owner": "总部"})
    customer_of(personas.alice, name="乙公司", custom={"budget_owner": "分公司"})

    html = get(signed_in(personas.alice), "/customers/?cf_budget_owner=总部")

    assert shown(html) == [a.pk]
    assert "<option selected>总部</option>" in html
    assert 'id="more-filters"' in html and 'class="collapse show"' in html


# --- bulk ---------------------------------------------------------------------------------------


def test_bulk_tag_adds_the_tag_through_the_service_and_audits_each(
    personas: Any, customer_of: Any
) -> None:
    a = customer_of(personas.alice, name="甲公司", tags=["老客户"])
    b = customer_of(personas.alice, name="乙公司")
    daves = customer_of(personas.dave, name="丙公司")

    response = signed_in(personas.alice).post(
        "/customers/bulk/",
        {
            "ids": [a.pk, b.pk, daves.pk],
            "action": "tag",
            "tag": " 重点 ",
            "next": "/customers/?q=公司",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/customers/?q=%E5%85%AC%E5%8F%B8", 302)]
    html = response.content.decode()
    assert "已为 2 个客户添加标签“重点”" in html
    assert "1 个客户不存在或您无权查看" in html
    assert sorted(a.tags.values_list("name", flat=True)) == ["老客户", "重点"]
    assert list(b.tags.values_list("name", flat=True)) == ["重点"]
    assert not daves.tags.exists()
    assert AuditEvent.objects.filter(action="customer.update", reason="批量添加标签").count() == 2


def test_bulk_tag_refuses_rows_the_user_may_only_read(personas: Any, customer_of: Any) -> None:
    a = customer_of(personas.alice, name="甲公司")

    response = signed_in(personas.erin).post(
        "/customers/bulk/", {"ids": [a.pk], "action": "tag", "tag": "重点"}, follow=True
    )

    assert "1 个客户未处理:甲公司(您只能查看该客户,不能修改)" in response.content.decode()
    assert not a.tags.exists()


def test_bulk_assign_by_manager_transfers_each_with_reason(personas: Any, customer_of: Any) -> None:
    a = customer_of(personas.alice, name="甲公司")
    b = customer_of(personas.alice, name="乙公司")

    response = signed_in(personas.carol).post(
        "/customers/bulk/",
        {"ids": [a.pk, b.pk], "action": "assign", "owner": personas.bob.pk, "reason": "离职交接"},
        follow=True,
    )

    assert "已将 2 个客户分配给 白波" in response.content.decode()
    assert set(Customer.objects.filter(owner=personas.bob).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    assert AuditEvent.objects.filter(action="customer.transfer", reason="离职交接").count() == 2


def test_bulk_assign_by_sales_is_refused_per_row(personas: Any, customer_of: Any) -> None:
    a = customer_of(personas.alice, name="甲公司")

    response = signed_in(personas.alice).post(
        "/customers/bulk/",
        {"ids": [a.pk], "action": "assign", "owner": personas.bob.pk, "reason": "试试"},
        follow=True,
    )

    assert "1 个客户未处理:甲公司(只有该团队的销售经理或管理员可以转移客户)" in (
        response.content.decode()
    )
    assert Customer.objects.get(pk=a.pk).owner == personas.alice


def test_bulk_without_selection_or_reason_says_what_is_missing(personas: Any) -> None:
    client = signed_in(personas.carol)

    nothing = client.post("/customers/bulk/", {"action": "tag", "tag": "x"}, follow=True)
    no_reason = client.post(
        "/customers/bulk/", {"ids": [1], "action": "assign", "owner": personas.bob.pk}, follow=True
    )

    assert "请先勾选客户" in nothing.content.decode()
    assert "请选择新主责人并填写转移原因" in no_reason.content.decode()


def test_bulk_never_redirects_off_site(personas: Any, customer_of: Any) -> None:
    a = customer_of(personas.alice, name="甲公司")

    response = signed_in(personas.alice).post(
        "/customers/bulk/",
        {"ids": [a.pk], "action": "tag", "tag": "x", "next": "https://evil.example/"},
    )

    assert response["Location"] == "/customers/"


def test_bulk_controls_follow_the_role(personas: Any) -> None:
    assert 'id="bulk-assign"' in get(signed_in(personas.carol), "/customers/")
    alice = get(signed_in(personas.alice), "/customers/")
    assert 'id="bulk-tag"' in alice and 'id="bulk-assign"' not in alice
    assert 'id="bulk-form"' not in get(signed_in(personas.erin), "/customers/")
