"""The customer pages: list (scope, search, filters), detail (masking, timeline), query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.contacts import services as contact_services
from crm.core import testing
from crm.customers import services
from crm.customers.models import Customer, Industry, Region, Source

pytestmark = pytest.mark.django_db

EVENT = re.compile(r'data-action="([a-z_]+\.[a-z_]+)"')


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, **headers: Any) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def events(html: str) -> list[str]:
    return EVENT.findall(html)


@pytest.fixture
def tengfei(personas: Any, customer_of: Any) -> Customer:
    return customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        contacts=[{"name": "单田芳", "mobile": "13812345678"}],
    )


@pytest.fixture
def daves(personas: Any, customer_of: Any) -> Customer:
    return customer_of(personas.dave, name="广州市南方贸易有限公司")


# --- list: who sees what ----------------------------------------------------------------------


def test_sales_sees_own_customer_with_name_and_number(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/")

    assert "深圳市腾飞科技有限公司" in html
    assert tengfei.number in html
    assert f'href="/customers/{tengfei.pk}/"' in html


def test_sales_does_not_see_other_teams_customer_in_list(
    personas: Any, tengfei: Customer, daves: Customer
) -> None:
    html = page(signed_in(personas.alice), "/customers/")

    assert "广州市南方贸易有限公司" not in html
    assert daves.number not in html


def test_sales_cannot_see_other_teams_customer_page(personas: Any, daves: Customer) -> None:
    response = signed_in(personas.alice).get(f"/customers/{daves.pk}/")

    assert response.status_code == 404


def test_missing_customer_page_answers_404(personas: Any) -> None:
    response = signed_in(personas.alice).get("/customers/999999/")

    assert response.status_code == 404


def test_teammate_sees_nothing_of_alices_customer_without_collaboration(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.bob)

    assert "深圳市腾飞科技有限公司" not in page(client, "/customers/")
    assert client.get(f"/customers/{tengfei.pk}/").status_code == 404


def test_manager_sees_team_members_customer(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.carol), "/customers/")

    assert "深圳市腾飞科技有限公司" in html


def test_service_sees_every_customer_in_list(
    personas: Any, tengfei: Customer, daves: Customer
) -> None:
    html = page(signed_in(personas.erin), "/customers/")

    assert "深圳市腾飞科技有限公司" in html
    assert "广州市南方贸易有限公司" in html


def test_service_can_open_other_teams_customer_page(personas: Any, daves: Customer) -> None:
    html = page(signed_in(personas.erin), f"/customers/{daves.pk}/")

    assert "广州市南方贸易有限公司" in html


def test_empty_list_says_nothing_found(personas: Any) -> None:
    html = page(signed_in(personas.alice), "/customers/")

    assert "没有找到符合条件的客户" in html


# --- search box -------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["tf", "szstf", "TF", "tengfei", "腾飞"])
def test_search_finds_customer_by_name_or_pinyin(
    personas: Any, tengfei: Customer, customer_of: Any, q: str
) -> None:
    customer_of(personas.alice, name="杭州西湖茶叶有限公司")

    html = page(signed_in(personas.alice), f"/customers/?q={q}")

    assert "深圳市腾飞科技有限公司" in html
    assert "杭州西湖茶叶有限公司" not in html


def test_search_finds_customer_by_contact_mobile_tail(
    personas: Any, tengfei: Customer, customer_of: Any
) -> None:
    customer_of(
        personas.alice,
        name="杭州西湖茶叶有限公司",
        contacts=[{"name": "李四", "mobile": "13900001111"}],
    )

    html = page(signed_in(personas.alice), "/customers/?q=5678")

    assert "深圳市腾飞科技有限公司" in html
    assert "杭州西湖茶叶有限公司" not in html


def test_search_finds_customer_by_contact_name(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?q=单田芳")

    assert "深圳市腾飞科技有限公司" in html


def test_search_does_not_reveal_other_teams_customer(personas: Any, daves: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?q=南方贸易")

    assert "广州市南方贸易有限公司" not in html
    assert "没有找到符合条件的客户" in html


def test_search_without_match_says_nothing_found(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?q=9999")

    assert "深圳市腾飞科技有限公司" not in html
    assert "没有找到符合条件的客户" in html


# --- filters ----------------------------------------------------------------------------------


def test_bad_stage_filter_shows_error_not_500(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?stage=nonsense")

    assert "筛选条件有误:选择一个有效的选项。 nonsense 不在可用的选项中。" in html
    assert "深圳市腾飞科技有限公司" not in html


def test_bad_owner_filter_shows_error_not_500(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?owner=abc")

    assert "筛选条件有误:" in html
    assert "深圳市腾飞科技有限公司" not in html


def test_bad_created_after_filter_shows_error_not_500(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?created_after=2024-13-45")

    assert "筛选条件有误:输入一个有效的日期。" in html


def test_unknown_custom_field_filter_shows_error_not_500(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.alice).get("/customers/?cf_nosuch=1")

    assert response.status_code == 200
    assert "未知的自定义字段筛选条件" in response.content.decode()


def test_valid_stage_filter_keeps_matching_customer(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), f"/customers/?stage={tengfei.stage}")

    assert "深圳市腾飞科技有限公司" in html
    assert "筛选条件有误" not in html


def test_non_numeric_after_cursor_is_ignored(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), "/customers/?after=abc")

    assert "深圳市腾飞科技有限公司" in html


# --- detail: personal data masking -------------------------------------------------------------


MASKED_MOBILE = '<span data-field="mobile">138****5678</span>'


@pytest.mark.parametrize("persona", ["alice", "erin", "admin"])
def test_contact_mobile_is_masked_on_the_page_for_everyone(
    personas: Any, tengfei: Customer, persona: str
) -> None:
    html = page(signed_in(getattr(personas, persona)), f"/customers/{tengfei.pk}/")

    assert MASKED_MOBILE in html
    assert "13812345678" not in html
    assert 'data-reveal="mobile"' in html


def reveal(user: Any, customer: Customer, field: str = "mobile") -> str:
    contact = customer.contacts.get()
    response = signed_in(user).post(
        f"/customers/{customer.pk}/contacts/{contact.pk}/reveal/", {"field": field}
    )
    assert response.status_code == 200
    return response.content.decode().strip()


def test_owner_reveals_the_full_mobile_and_the_reveal_is_logged(
    personas: Any, tengfei: Customer
) -> None:
    fragment = reveal(personas.alice, tengfei)

    assert fragment == '<span class="crm-revealed" data-revealed="mobile">13812345678</span>'
    access = SensitiveAccess.objects.get()
    assert (access.actor, access.field, access.customer_id) == (
        personas.alice,
        "mobile",
        tengfei.pk,
    )
    assert AuditEvent.objects.filter(action="contact.reveal", actor=personas.alice).count() == 1


def test_service_without_grant_is_refused_the_full_mobile_and_nothing_is_logged(
    personas: Any, tengfei: Customer
) -> None:
    fragment = reveal(personas.erin, tengfei)

    assert "13812345678" not in fragment
    assert "您没有查看完整联系方式的授权,请联系管理员开通" in fragment
    assert 'data-refused="mobile"' in fragment
    assert SensitiveAccess.objects.count() == 0


def test_service_with_personal_grant_reveals_the_full_mobile(
    personas: Any, tengfei: Customer
) -> None:
    personas.erin.grant_personal = True
    personas.erin.save()

    fragment = reveal(personas.erin, tengfei)

    assert ">13812345678</span>" in fragment
    assert SensitiveAccess.objects.get().actor == personas.erin


def test_other_team_cannot_reveal_by_guessing_ids(personas: Any, tengfei: Customer) -> None:
    fragment = reveal(personas.dave, tengfei)

    assert "13812345678" not in fragment
    assert "未找到该记录,或您无权查看" in fragment
    assert SensitiveAccess.objects.count() == 0


def test_reveal_of_an_unknown_field_is_refused(personas: Any, tengfei: Customer) -> None:
    fragment = reveal(personas.alice, tengfei, field="notes")

    assert "只能查看: id_number, bank_account, mobile, email" in fragment
    assert SensitiveAccess.objects.count() == 0


def test_service_without_grant_sees_mobile_masked_in_timeline_changes(
    personas: Any, tengfei: Customer
) -> None:
    html = page(signed_in(personas.erin), f"/customers/{tengfei.pk}/")

    assert "手机:(空) → 138****5678" in html
    assert "13812345678" not in html


def test_owner_also_sees_mobile_masked_in_timeline_changes(
    personas: Any, tengfei: Customer
) -> None:
    html = page(signed_in(personas.alice), f"/customers/{tengfei.pk}/")

    assert "手机:(空) → 138****5678" in html
    assert "13812345678" not in html


def test_detail_shows_name_number_and_contact(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), f"/customers/{tengfei.pk}/")

    assert '<h1 class="h2 m-0" id="customer-name">深圳市腾飞科技有限公司</h1>' in html
    assert tengfei.number in html
    assert "<strong>单田芳</strong>" in html


# --- detail: timeline -------------------------------------------------------------------------


def test_timeline_lists_customer_create(personas: Any, customer_of: Any) -> None:
    customer = customer_of(personas.alice)

    html = page(signed_in(personas.alice), f"/customers/{customer.pk}/")

    assert events(html) == ["customer.create"]
    assert "加载更多" not in html


def test_timeline_lists_newest_event_first(personas: Any, tengfei: Customer) -> None:
    html = page(signed_in(personas.alice), f"/customers/{tengfei.pk}/")

    assert events(html) == ["contact.create", "customer.create"]


@pytest.fixture
def busy_customer(personas: Any, customer_of: Any) -> Customer:
    """One customer with 61 timeline events: the create and 60 updates."""
    customer = customer_of(personas.alice)
    for i in range(60):
        customer = services.update_customer(
            testing.actor(personas.alice), customer, notes=f"第{i}次更新"
        )
    assert AuditEvent.objects.filter(customer=customer).count() == 61
    return customer


def next_cursor(html: str) -> int:
    match = re.search(r'hx-get="/customers/\d+/\?before=(\d+)"', html)
    assert match is not None
    return int(match.group(1))


def test_timeline_first_page_shows_twenty_events_and_load_more(
    personas: Any, busy_customer: Customer
) -> None:
    html = page(signed_in(personas.alice), f"/customers/{busy_customer.pk}/")

    assert events(html) == ["customer.update"] * 20
    assert html.count("加载更多") == 1
    assert "→ 第59次更新" in html
    assert "→ 第40次更新" in html
    assert "→ 第39次更新" not in html


def test_timeline_cursor_is_the_last_shown_event(personas: Any, busy_customer: Customer) -> None:
    html = page(signed_in(personas.alice), f"/customers/{busy_customer.pk}/")

    ids = list(
        AuditEvent.objects.filter(customer=busy_customer)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert next_cursor(html) == ids[19]


def test_timeline_htmx_load_more_returns_partials_to_the_end(
    personas: Any, busy_customer: Customer
) -> None:
    client = signed_in(personas.alice)
    cursor = next_cursor(page(client, f"/customers/{busy_customer.pk}/"))

    second = page(client, f"/customers/{busy_customer.pk}/?before={cursor}", HX_Request="true")
    assert events(second) == ["customer.update"] * 20
    assert "<html" not in second
    assert "→ 第39次更新" in second and "→ 第20次更新" in second
    assert "加载更多" in second

    third = page(
        client, f"/customers/{busy_customer.pk}/?before={next_cursor(second)}", HX_Request="true"
    )
    assert events(third) == ["customer.update"] * 20
    assert "→ 第0次更新" in third and "→ 第20次更新" not in third
    last = page(
        client, f"/customers/{busy_customer.pk}/?before={next_cursor(third)}", HX_Request="true"
    )
    assert events(last) == ["customer.create"]  # 61 events: 20 + 20 + 20 + 1
    assert "加载更多" not in last


def test_timeline_load_more_without_htmx_renders_full_page(
    personas: Any, busy_customer: Customer
) -> None:
    client = signed_in(personas.alice)
    cursor = next_cursor(page(client, f"/customers/{busy_customer.pk}/"))

    html = page(client, f"/customers/{busy_customer.pk}/?before={cursor}")

    assert "<html" in html
    assert len(events(html)) == 20


# --- query counts -----------------------------------------------------------------------------


def software() -> Industry:
    return Industry.objects.get(code="65")


def hangzhou() -> Region:
    return Region.objects.get(code="330100")


def make_customers(personas: Any, customer_of: Any, count: int) -> list[Customer]:
    source = Source.objects.order_by("pk").first()
    made = []
    for i in range(count):
        made.append(
            customer_of(
                personas.alice,
                name=f"杭州第{i}号网络科技有限公司",
                industry=software(),
                region=hangzhou(),
                source=source,
                tags=["重点", f"批次{i % 3}"],
            )
        )
    return made


# A fixed number however many rows a page holds. List: has-users check (a new client's first
# request), session, user, the page of customers, its tags, and the filter panel's options:
# industries and provinces (cached for ten minutes after this first request), sources, owners,
# teams and custom fields. The session is not written: it is re-saved at most every 5 minutes.
LIST_QUERIES = 11
# Detail: the same first three, then the customer (scope and edit right in one query), tags,
# collaborators, addresses (with their city and province), contacts, the timeline events (the
# custom fields' labels only for a customer with custom values: none here); then
# the open to-dos and the record cards (crm.records' cards; their contacts are prefetched);
# the opportunities card and the contracts-and-orders card of crm.pipeline. The 服务时限,
# 需求分析 and 售后服务 cards load after the page (their own requests:
# crm.discipline.views.customer_clocks, crm.needs.views.card, crm.aftersales.views.card).
DETAIL_QUERIES = 13


@pytest.mark.parametrize("count", [5, 25])
def test_list_page_runs_same_number_of_queries_at_any_size(
    personas: Any, customer_of: Any, django_assert_num_queries: Any, count: int
) -> None:
    make_customers(personas, customer_of, count)
    client = signed_in(personas.alice)

    with django_assert_num_queries(LIST_QUERIES):
        html = page(client, "/customers/")

    assert html.count('<td class="crm-col-name">') == count


@pytest.mark.parametrize("contacts", [1, 5])
def test_detail_page_runs_same_number_of_queries_at_any_size(
    personas: Any, customer_of: Any, django_assert_num_queries: Any, contacts: int
) -> None:
    customer = customer_of(
        personas.alice,
        industry=software(),
        region=hangzhou(),
        tags=["重点", "华东"],
        addresses=[
            {"kind": "hq", "region_id": "330100", "detail": "西湖区文三路 1 号"},
            {"kind": "branch", "region_id": "440300", "detail": "南山区科技园"},
        ],
    )
    services.add_collaborator(testing.actor(personas.alice), customer, user=personas.bob)
    for i in range(contacts):
        contact_services.create_contact(
            testing.actor(personas.alice),
            customer=customer,
            name=f"联系人{i}",
            mobile=f"1381234{i:04d}",
        )
    client = signed_in(personas.alice)

    with django_assert_num_queries(DETAIL_QUERIES):
        html = page(client, f"/customers/{customer.pk}/")

    assert html.count('<li class="list-group-item" id="contact-') == contacts


def test_timeline_speaks_chinese(personas: Any, customer_of: Any) -> None:
    customer = customer_of(personas.alice)
    services.change_stage(
        testing.actor(personas.alice), customer, stage="intent", reason="需求明确"
    )

    html = page(signed_in(personas.alice), f"/customers/{customer.pk}/")

    assert "<strong>变更合作阶段</strong>" in html
    assert "合作阶段:潜在客户 → 意向客户" in html
    assert "<strong>新建客户</strong>" in html


def test_timeline_names_custom_fields_by_their_labels(personas: Any, customer_of: Any) -> None:
    from crm.customers.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(key="erp", label="ERP 系统", type="text")
    customer = customer_of(personas.alice)
    services.update_customer(testing.actor(personas.alice), customer, custom={"erp": "金蝶"})

    html = page(signed_in(personas.alice), f"/customers/{customer.pk}/")

    assert "<li>自定义字段:(空) → ERP 系统: 金蝶</li>" in html
    assert "{&#x27;erp&#x27;" not in html
