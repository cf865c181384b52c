"""合同与订单 on the customer page: the card, its dialogs (contracts, orders, the level by hand)
and the customer edit form's derived cooperation dates. Time is frozen at 2026-03-02 10:00
Shanghai (conftest); the customer is alice's 深圳市腾飞科技有限公司."""

from __future__ import annotations

import datetime
import html as html_lib
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core import testing
from crm.customers import selectors as customer_selectors
from crm.customers.models import Customer
from crm.pipeline import services
from crm.pipeline.business_views import business_context
from crm.pipeline.models import Contract, Order
from crm.workdays import calendar

pytestmark = pytest.mark.django_db
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


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
    """The visible text of some markup, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def contract(user: Any, customer: Any, **fields: Any) -> Contract:
    fields = {"amount": Decimal("600000.00"), "signed_on": datetime.date(2025, 6, 1), **fields}
    return services.create_contract(testing.actor(user), customer=customer, **fields)


def order(user: Any, customer: Any, **fields: Any) -> Order:
    fields = {"ordered_on": datetime.date(2025, 7, 1), "amount": Decimal("5000.00"), **fields}
    return services.create_order(testing.actor(user), customer=customer, **fields)


@pytest.fixture
def business(personas: testing.Personas, customer: Customer) -> dict[str, Any]:
    """An active contract ending within the 30 warning days, an expired one, a draft, an order
    under the first contract and one outside any contract."""
    running = contract(
        personas.alice,
        customer,
        number="HT-2025-001",
        title="运维服务合同",
        starts_on=datetime.date(2025, 6, 1),
        ends_on=datetime.date(2026, 3, 20),
    )
    old = contract(
        personas.alice,
        customer,
        number="HT-2024-009",
        amount=Decimal("300000.00"),
        signed_on=datetime.date(2024, 1, 10),
        ends_on=datetime.date(2024, 12, 31),
        status="expired",
    )
    draft = contract(personas.alice, customer, number="HT-DRAFT", status="draft", signed_on=None)
    under = order(
        personas.alice,
        customer,
        number="DD-001",
        amount=Decimal("200000.00"),
        summary="一期实施",
        contract=running,
    )
    loose = order(
        personas.alice,
        customer,
        number="DD-002",
        ordered_on=datetime.date(2026, 2, 10),
        amount=Decimal("8800.00"),
        summary="备件采购",
    )
    return {"running": running, "old": old, "draft": draft, "under": under, "loose": loose}


def contract_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "number": "HT-2026-007",
        "title": "年度运维合同",
        "amount": "1,200,000",
        "status": "active",
        "signed_on": "2026-01-15",
        "starts_on": "2026-02-01",
        "ends_on": "2027-01-31",
        "opportunity": "",
        "notes": "含两次现场巡检",
    }
    return {**data, **overrides}


def order_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "number": "DD-2026-031",
        "ordered_on": "2026-02-20",
        "amount": "12,800.50",
        "summary": "增购 20 个用户许可",
        "contract": "",
    }
    return {**data, **overrides}


# --- the card --------------------------------------------------------------------------------


def test_the_card_lists_contracts_with_status_and_expiry_and_the_orders(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/"))

    running = words(element(page, f"contract-{business['running'].pk}"))
    old = words(element(page, f"contract-{business['old'].pk}"))
    draft = words(element(page, f"contract-{business['draft'].pk}"))
    assert running == (
        "HT-2025-001 运维服务合同 履行中 即将到期 签订 2025-06-01 · 期限 2025-06-01 至 "
        "2026-03-20 内部交接时限 2025-06-03 已超期 ¥600,000.00 修改"
    )  # signed on a Sunday before the Dragon Boat holiday (31 May – 2 June 2025), never handed over
    assert old == (
        "HT-2024-009 已到期 签订 2024-01-10 · 期限 — 至 2024-12-31 内部交接时限 2024-01-11 已超期 "
        "¥300,000.00 修改"
    )
    assert draft == "HT-DRAFT 草稿 签订 — · 期限 — ¥600,000.00 修改"
    orders = element(page, "orders", "ul")
    assert re.findall(r'id="order-(\d+)"', orders) == [
        str(business["loose"].pk),
        str(business["under"].pk),
    ]
    assert words(element(page, f"order-{business['under'].pk}")) == (
        "DD-001 2025-07-01 一期实施 · 合同 HT-2025-001 ¥200,000.00 修改 删除"
    )
    assert words(element(page, f"order-{business['loose'].pk}")) == (
        "DD-002 2026-02-10 备件采购 ¥8,800.00 修改 删除"
    )


def test_the_card_shows_the_level_and_the_trailing_amount(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/"))

    tier = words(element(page, "customer-tier", "div"))
    assert tier.startswith("客户等级 B类 重点客户 自动 手动指定等级")
    assert "恢复自动分级" not in tier
    assert words(element(page, "tier-amount", "div")) == "近12个月已签合同金额 ¥600,000.00"
    assert words(element(page, "tier-thresholds", "div")) == (
        "A类 ≥ ¥1,000,000.00 · B类 ≥ ¥500,000.00 · 其余为 C类"
    )
    # the 合作概况 card: derived from the signed contracts and the orders
    overview = words(element(page, "customer-cooperation", "dl"))
    assert overview.startswith(
        "合作起始时间 2024-01-10 最近合作时间 2026-02-10 累计合作金额 ¥908,800.00"
    )


def test_the_expiry_warning_follows_the_configured_days(
    personas: testing.Personas, customer: Customer
) -> None:
    made = contract(personas.alice, customer, ends_on=datetime.date(2026, 4, 2))  # 31 days
    row = f"contract-{made.pk}"
    before = text(client_for(personas.alice).get(f"/customers/{customer.pk}/"))
    services.save_tier_rules(testing.actor(personas.admin), expiry_warning_days=31)
    after = text(client_for(personas.alice).get(f"/customers/{customer.pk}/"))

    assert "即将到期" not in element(before, row)
    assert "即将到期" in element(after, row)


def test_a_customer_without_business_gets_an_empty_card(
    personas: testing.Personas, customer: Customer
) -> None:
    page = text(client_for(personas.alice).get(f"/customers/{customer.pk}/"))

    card = element(page, "business-card", "div")
    assert words(element(page, "contracts", "ul")) == "暂无合同"
    assert words(element(page, "orders", "ul")) == "暂无订单"
    assert "近12个月已签合同金额 ¥0.00" in words(card)
    assert 'id="business-all"' not in page


def test_the_card_shows_ten_orders_and_every_order_on_request(
    personas: testing.Personas, customer: Customer
) -> None:
    for i in range(12):
        order(
            personas.alice, customer, number=f"DD-{i:03d}", ordered_on=datetime.date(2026, 1, i + 1)
        )
    client = client_for(personas.alice)

    page = text(client.get(f"/customers/{customer.pk}/"))
    every = text(client.get(f"/customers/{customer.pk}/business/", **HX))

    assert len(re.findall(r'id="order-\d+"', page)) == 10
    assert words(element(page, "business-all", "button")) == "显示全部(0 份合同,12 个订单)"
    assert f'hx-get="/customers/{customer.pk}/business/"' in page
    assert len(re.findall(r'id="order-\d+"', every)) == 12
    assert re.findall(r"<strong>(DD-\d+)</strong>", every)[:2] == ["DD-011", "DD-010"]
    assert "hx-swap-oob" not in every and 'id="business-all"' not in every


@pytest.mark.parametrize("persona", ["erin", "alice", "carol", "admin"])
def test_only_those_who_may_edit_the_customer_get_the_buttons(
    personas: testing.Personas, customer: Customer, business: dict[str, Any], persona: str
) -> None:
    page = text(client_for(getattr(personas, persona)).get(f"/customers/{customer.pk}/"))

    card = element(page, "business-card", "div")
    buttons = ("add-contract", "add-order", "set-level", f"edit-contract-{business['old'].pk}")
    shown = [b for b in buttons if f'id="{b}"' in card]
    assert shown == ([] if persona == "erin" else list(buttons))
    assert "HT-2025-001" in card  # erin reads the contracts


def test_the_card_costs_the_same_queries_at_any_size(
    personas: testing.Personas, customer: Customer
) -> None:
    detail = customer_selectors.customer_detail(personas.alice, customer.pk)
    calendar.add_workdays(datetime.date(2026, 1, 5), 1)  # the calendar's overrides, cached once
    with CaptureQueriesContext(connection) as empty:
        business_context(personas.alice, detail)
    contract(personas.alice, customer)
    order(personas.alice, customer, number="DD-1")
    with CaptureQueriesContext(connection) as small:
        business_context(personas.alice, detail)
    for i in range(15):
        contract(personas.alice, customer)
        order(personas.alice, customer, number=f"DD-X{i}")
    with CaptureQueriesContext(connection) as large:
        context = business_context(personas.alice, detail)

    # the counts, the 12-month amount and the tier rules; then the contracts and the orders
    assert (len(empty), len(small), len(large)) == (1, 3, 3)
    assert (len(context["contracts"]), len(context["orders"])) == (10, 10)


# --- contracts -------------------------------------------------------------------------------


def test_a_new_contract_closes_the_dialog_and_refreshes_card_header_overview_and_timeline(
    personas: testing.Personas, customer: Customer
) -> None:
    response = client_for(personas.alice).post(
        f"/customers/{customer.pk}/contracts/new/", contract_post(), **HX
    )

    page = text(response)
    made = Contract.objects.get()
    customer.refresh_from_db()
    assert response.status_code == 200
    assert (made.number, made.title, made.amount, made.status) == (
        "HT-2026-007",
        "年度运维合同",
        Decimal("1200000.00"),
        "active",
    )
    assert (made.signed_on, made.starts_on, made.ends_on, made.created_by) == (
        datetime.date(2026, 1, 15),
        datetime.date(2026, 2, 1),
        datetime.date(2027, 1, 31),
        personas.alice,
    )
    assert (customer.level, customer.cumulative_amount) == ("A", Decimal("1200000.00"))
    assert 'id="crm-dialog-title"' not in page  # the dialog closes
    assert 'id="business-card" hx-swap-oob="true"' in page
    assert 'id="customer-header" class="page-header mb-3" hx-swap-oob="true"' in page
    assert "等级 A类 战略客户" in words(element(page, "customer-header", "div"))
    overview = words(element(page, "customer-cooperation", "dl"))
    assert overview.startswith(
        "合作起始时间 2026-01-15 最近合作时间 2026-01-15 累计合作金额 ¥1,200,000.00"
    )
    assert 'id="customer-cooperation" hx-swap-oob="true"' in page
    assert 'id="timeline" hx-swap-oob="true"' in page
    assert 'data-action="contract.create"' in page and 'data-action="customer.level"' in page
    assert "已新增合同 HT-2026-007" in page


def test_a_contract_without_a_number_gets_one(
    personas: testing.Personas, customer: Customer
) -> None:
    response = client_for(personas.alice).post(
        f"/customers/{customer.pk}/contracts/new/", contract_post(number=""), **HX
    )

    assert Contract.objects.get().number == "HT-20260302-001"
    assert "已新增合同 HT-20260302-001" in text(response)


def test_a_refused_contract_shows_the_services_messages_and_keeps_what_was_typed(
    personas: testing.Personas, customer: Customer
) -> None:
    data = contract_post(signed_on="", starts_on="2026-05-01", ends_on="2026-04-01")

    response = client_for(personas.alice).post(
        f"/customers/{customer.pk}/contracts/new/", data, **HX
    )

    page = text(response)
    assert Contract.objects.count() == 0
    assert 'id="crm-dialog-title">新增合同<' in page
    assert words(element(page, "signed_on-error", "div")) == "已签订的合同需要填写签订日期"
    assert words(element(page, "ends_on-error", "div")) == "到期日期不能早于开始日期"
    for typed in ("HT-2026-007", "年度运维合同", "1,200,000", "2026-05-01", "2026-04-01"):
        assert f'value="{typed}"' in page
    assert "含两次现场巡检</textarea>" in page
    assert "hx-swap-oob" not in page


def test_a_taken_contract_number_or_a_bad_amount_is_refused(
    personas: testing.Personas, customer: Customer
) -> None:
    contract(personas.alice, customer, number="HT-2026-007")
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/contracts/new/"

    taken = text(client.post(url, contract_post(), **HX))
    bad = text(client.post(url, contract_post(number="HT-9", amount="六十万"), **HX))

    assert words(element(taken, "number-error", "div")) == "合同编号 HT-2026-007 已存在"
    assert words(element(bad, "amount-error", "div")) == "请填写有效的金额,如 600000 或 600,000.00"
    assert 'value="六十万"' in bad
    assert Contract.objects.count() == 1


def test_editing_a_contract_records_the_reason_and_tiers_again(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    running = business["running"]
    client = client_for(personas.alice)
    dialog = text(client.get(f"/contracts/{running.pk}/edit/", **HX))
    assert 'name="version" value="1"' in dialog and 'value="600000.00"' in dialog
    data = contract_post(
        number="HT-2025-001",
        title="运维服务合同",
        amount="1000000",
        signed_on="2025-06-01",
        starts_on="2025-06-01",
        ends_on="2026-03-20",
        notes="",
        version="1",
        reason="补充协议增加金额",
    )

    page = text(client.post(f"/contracts/{running.pk}/edit/", data, **HX))

    running.refresh_from_db()
    customer.refresh_from_db()
    assert (running.amount, running.version, customer.level) == (Decimal("1000000.00"), 2, "A")
    assert "已修改合同 HT-2025-001" in page
    event = AuditEvent.objects.filter(action="contract.update").get()
    assert (event.reason, event.changes["amount"]) == (
        "补充协议增加金额",
        {"before": "600000.00", "after": "1000000.00"},
    )
    assert "补充协议增加金额" in words(element(page, "timeline", "ul"))


def test_a_contract_saved_meanwhile_is_refused_once_keeping_what_was_typed(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    running = business["running"]
    services.update_contract(testing.actor(personas.carol), running, title="运维服务合同(续)")
    data = contract_post(number="HT-2025-001", amount="650000", version="1")
    client = client_for(personas.alice)

    first = text(client.post(f"/contracts/{running.pk}/edit/", data, **HX))
    second = text(client.post(f"/contracts/{running.pk}/edit/", {**data, "version": "2"}, **HX))

    assert "该合同刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。" in first
    assert 'name="version" value="2"' in first and 'value="650000"' in first
    assert "已修改合同 HT-2025-001" in second
    running.refresh_from_db()
    assert (running.amount, running.title, running.version) == (
        Decimal("650000.00"),
        "年度运维合同",
        3,
    )


def test_saving_an_unchanged_contract_says_so(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    old = business["old"]
    data = {
        "number": "HT-2024-009",
        "title": "",
        "amount": "300000.00",
        "status": "expired",
        "signed_on": "2024-01-10",
        "starts_on": "",
        "ends_on": "2024-12-31",
        "opportunity": "",
        "notes": "",
        "version": "1",
    }

    page = text(client_for(personas.alice).post(f"/contracts/{old.pk}/edit/", data, **HX))

    assert "没有需要保存的修改" in page
    assert not AuditEvent.objects.filter(action="contract.update").exists()


def test_recording_the_internal_handover_ends_its_clock(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    running = business["running"]
    data = contract_post(
        number="HT-2025-001",
        title="运维服务合同",
        amount="600000",
        signed_on="2025-06-01",
        starts_on="2025-06-01",
        ends_on="2026-03-20",
        notes="",
        version="1",
    )
    client = client_for(personas.alice)

    early = text(
        client.post(f"/contracts/{running.pk}/edit/", {**data, "handover_on": "2025-05-30"}, **HX)
    )
    done = text(
        client.post(f"/contracts/{running.pk}/edit/", {**data, "handover_on": "2025-06-03"}, **HX)
    )

    assert "内部交接日期不能早于签订日期" in early
    running.refresh_from_db()
    assert (running.handover_on, running.version) == (datetime.date(2025, 6, 3), 2)
    row = words(element(done, f"contract-{running.pk}"))
    assert "内部交接 2025-06-03" in row and "内部交接时限" not in row
    event = AuditEvent.objects.filter(action="contract.update").get()
    assert event.changes["handover_on"] == {"before": None, "after": "2025-06-03"}


def test_a_handover_needs_a_signed_contract_and_cannot_be_in_the_future(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    unsigned = contract_post(status="draft", signed_on="", handover_on="2026-01-16")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = contract_post(number="HT-2026-008", signed_on="2026-01-15", handover_on=tomorrow)

    first = text(client.post(f"/customers/{customer.pk}/contracts/new/", unsigned, **HX))
    second = text(client.post(f"/customers/{customer.pk}/contracts/new/", future, **HX))

    assert "合同签订后才能填写内部交接日期" in first
    assert "内部交接日期不能晚于今天" in second
    assert not Contract.objects.filter(customer=customer).exists()


# --- orders ----------------------------------------------------------------------------------


def test_a_new_order_under_a_contract_does_not_count_twice(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    running = business["running"]
    client = client_for(personas.alice)
    dialog = text(client.get(f"/customers/{customer.pk}/orders/new/", **HX))
    assert 'name="ordered_on" value="2026-03-02"' in dialog  # today by default
    assert f'<option value="{running.pk}">HT-2025-001 运维服务合同</option>' in dialog

    page = text(
        client.post(
            f"/customers/{customer.pk}/orders/new/", order_post(contract=str(running.pk)), **HX
        )
    )

    made = Order.objects.get(number="DD-2026-031")
    customer.refresh_from_db()
    assert (made.amount, made.contract, made.summary) == (
        Decimal("12800.50"),
        running,
        "增购 20 个用户许可",
    )
    assert (customer.last_cooperation_on, customer.cumulative_amount) == (
        datetime.date(2026, 2, 20),
        Decimal("908800.00"),
    )
    assert "已新增订单 DD-2026-031" in page
    assert "最近合作时间 2026-02-20" in words(element(page, "customer-cooperation", "dl"))
    assert f'id="order-{made.pk}"' in element(page, "orders", "ul")


def test_a_refused_order_keeps_what_was_typed(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/orders/new/"

    missing = text(client.post(url, order_post(number="", ordered_on=""), **HX))
    taken = text(client.post(url, order_post(number="DD-001"), **HX))

    assert words(element(missing, "number-error", "div")) == "请填写订单编号"
    assert words(element(missing, "ordered_on-error", "div")) == "请填写订单日期"
    assert 'value="12,800.50"' in missing and "增购 20 个用户许可</textarea>" in missing
    assert words(element(taken, "number-error", "div")) == "订单编号 DD-001 已存在"
    assert Order.objects.count() == 2


def test_editing_an_order_moves_the_cooperation_facts(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    loose = business["loose"]
    data = order_post(number="DD-002", ordered_on="2026-02-28", amount="9800", version="1")

    page = text(client_for(personas.alice).post(f"/orders/{loose.pk}/edit/", data, **HX))

    loose.refresh_from_db()
    customer.refresh_from_db()
    assert (loose.ordered_on, loose.amount, loose.version) == (
        datetime.date(2026, 2, 28),
        Decimal("9800.00"),
        2,
    )
    assert customer.cumulative_amount == Decimal("909800.00")
    assert "已修改订单 DD-002" in page


def test_an_order_saved_meanwhile_is_refused_once(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    loose = business["loose"]
    services.update_order(testing.actor(personas.carol), loose, summary="备件采购(加急)")
    data = order_post(number="DD-002", version="1")

    page = text(client_for(personas.alice).post(f"/orders/{loose.pk}/edit/", data, **HX))

    assert "该订单刚被他人修改过;您填写的内容已保留" in page
    assert 'name="version" value="2"' in page and 'value="DD-2026-031"' not in page
    assert Order.objects.get(pk=loose.pk).summary == "备件采购(加急)"


def test_deleting_an_order_needs_a_reason(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    loose = business["loose"]
    client = client_for(personas.alice)
    url = f"/orders/{loose.pk}/delete/"
    dialog = text(client.get(url, **HX))
    assert (
        words(element(dialog, "dialog-order", "div")) == "DD-002 · 2026-02-10 · ¥8,800.00 备件采购"
    )

    refused = text(client.post(url, {"reason": "  "}, **HX))
    done = text(client.post(url, {"reason": "重复录入"}, **HX))

    assert words(element(refused, "reason-error", "div")) == "删除订单需要填写原因"
    assert not Order.objects.filter(pk=loose.pk).exists()
    customer.refresh_from_db()
    assert (customer.last_cooperation_on, customer.cumulative_amount) == (
        datetime.date(2025, 7, 1),
        Decimal("900000.00"),
    )
    assert "已删除订单 DD-002" in done
    assert f'id="order-{loose.pk}"' not in done
    assert AuditEvent.objects.get(action="order.delete").reason == "重复录入"


# --- the level -------------------------------------------------------------------------------


def test_a_manual_level_needs_a_reason_and_shows_as_manual(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/level/"

    refused = text(client.post(url, {"level": "A", "reason": ""}, **HX))
    done = text(client.post(url, {"level": "A", "reason": "集团框架协议,按战略客户维护"}, **HX))

    assert words(element(refused, "reason-error", "div")) == "手动指定客户等级需要填写原因"
    assert '<option value="A" selected>' in refused
    customer.refresh_from_db()
    assert (customer.level, customer.level_manual) == ("A", True)
    assert "客户等级已手动指定为 A类 战略客户" in done
    assert "等级 A类 战略客户(手动)" in words(element(done, "customer-header", "div"))
    tier = words(element(done, "customer-tier", "div"))
    assert tier.startswith("客户等级 A类 战略客户 手动指定 手动指定等级 恢复自动分级")
    assert "按金额应为 B类 重点客户" in tier
    timeline = element(done, "timeline", "ul")
    assert 'data-action="customer.level"' in timeline and "集团框架协议,按战略客户维护" in timeline


def test_back_to_the_automatic_level(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    services.set_level_override(
        testing.actor(personas.alice), customer, level="C", reason="客户要求降级"
    )
    client = client_for(personas.alice)
    url = f"/customers/{customer.pk}/level/auto/"
    dialog = text(client.get(url, **HX))

    done = text(client.post(url, {"reason": ""}, **HX))
    again = text(client.post(url, {"reason": ""}, **HX))

    assert words(element(dialog, "level-clear-result", "p")) == (
        "恢复后按近12个月已签合同金额 ¥600,000.00 自动评定为 B类 重点客户,此后随合同变化自动调整。"
    )
    customer.refresh_from_db()
    assert (customer.level, customer.level_manual) == ("B", False)
    assert "已恢复自动分级,当前等级 B类 重点客户" in done
    assert "该客户的等级已是自动计算" in again


# --- who may -----------------------------------------------------------------------------------

DIALOGS = [
    "/customers/{customer}/contracts/new/",
    "/contracts/{contract}/edit/",
    "/customers/{customer}/orders/new/",
    "/orders/{order}/edit/",
    "/orders/{order}/delete/",
    "/customers/{customer}/level/",
    "/customers/{customer}/level/auto/",
]
REFUSED = {"erin": 403, "bob": 404, "dave": 404}  # erin reads only; bob, dave see nothing


def dialog_path(url: str, customer: Customer, business: dict[str, Any]) -> str:
    return url.format(
        customer=customer.pk, contract=business["running"].pk, order=business["loose"].pk
    )


def state(customer: Customer) -> Any:
    return (
        list(Contract.objects.order_by("pk").values_list("number", "amount", "version")),
        list(Order.objects.order_by("pk").values_list("number", "amount", "version")),
        Customer.objects.filter(pk=customer.pk).values_list("level", "level_manual").get(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", ["alice", "carol", "admin"])
@pytest.mark.parametrize("url", DIALOGS)
def test_those_who_may_edit_the_customer_get_each_dialog(
    personas: testing.Personas,
    customer: Customer,
    business: dict[str, Any],
    persona: str,
    url: str,
) -> None:
    client = client_for(getattr(personas, persona))

    response = client.get(dialog_path(url, customer, business), **HX)

    assert response.status_code == 200
    assert 'id="dialog-form"' in text(response)


@pytest.mark.parametrize(("persona", "status"), list(REFUSED.items()))
@pytest.mark.parametrize("url", DIALOGS)
def test_others_are_refused_and_nothing_changes(
    personas: testing.Personas,
    customer: Customer,
    business: dict[str, Any],
    persona: str,
    status: int,
    url: str,
) -> None:
    path = dialog_path(url, customer, business)
    client = client_for(getattr(personas, persona))
    before = state(customer)
    data = {**contract_post(), **order_post(), "level": "A", "reason": "试图修改", "version": "1"}

    shown = client.get(path, **HX)
    posted = client.post(path, data, **HX)

    assert (shown.status_code, posted.status_code) == (status, status)
    assert state(customer) == before
    for leaked in ("深圳市腾飞科技有限公司", "HT-2025-001", "DD-002"):
        assert leaked not in text(shown) + text(posted)


def test_the_full_card_needs_sight_of_the_customer(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    url = f"/customers/{customer.pk}/business/"

    assert client_for(personas.erin).get(url, **HX).status_code == 200
    hidden = client_for(personas.dave).get(url, **HX)
    assert hidden.status_code == 404 and "HT-2025-001" not in text(hidden)


# --- the customer edit form ------------------------------------------------------------------


def posted_back(page: str, **changes: str) -> dict[str, str]:
    """What the edit page posts back untouched (inputs, checked boxes, selects, textareas)."""
    form = element(page, "customer-form", "form")
    data: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'\bname="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]*)"', tag)
        if not name or (kind and kind.group(1) in ("submit", "button")):
            continue
        if kind and kind.group(1) == "checkbox" and " checked" not in tag:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        data[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    for name, options in re.findall(
        r'<select[^>]*\bname="([^"]*)"[^>]*>(.*?)</select>', form, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected', options)
        data[name] = chosen.group(1) if chosen else ""
    for name, value in re.findall(
        r'<textarea[^>]*\bname="([^"]*)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        data[name] = html_lib.unescape(value.strip())
    data.pop("refresh", None)
    return {**data, **changes}


def test_cooperation_dates_of_a_customer_with_business_are_shown_not_typed(
    personas: testing.Personas, customer: Customer, business: dict[str, Any]
) -> None:
    client = client_for(personas.alice)
    page = client.get(f"/customers/{customer.pk}/edit/").content.decode()

    assert 'name="first_cooperation_on"' not in page and 'name="last_cooperation_on"' not in page
    assert words(element(page, "derived-first-cooperation", "div")) == "2024-01-10"
    assert words(element(page, "derived-last-cooperation", "div")) == "2026-02-10"
    assert "由合同和订单自动计算" in page

    data = posted_back(page, short_name="腾飞", first_cooperation_on="2020-01-01")
    response = client.post(f"/customers/{customer.pk}/edit/", data)

    customer.refresh_from_db()
    assert response.status_code == 302
    assert (customer.short_name, customer.first_cooperation_on) == (
        "腾飞",
        datetime.date(2024, 1, 10),
    )


def test_cooperation_dates_of_a_customer_without_business_stay_editable(
    personas: testing.Personas, customer: Customer
) -> None:
    client = client_for(personas.alice)
    page = client.get(f"/customers/{customer.pk}/edit/").content.decode()

    assert 'name="first_cooperation_on"' in page and "由合同和订单自动计算" not in page
    data = posted_back(page, first_cooperation_on="2019-05-01", last_cooperation_on="2023-11-30")
    client.post(f"/customers/{customer.pk}/edit/", data)

    customer.refresh_from_db()
    assert (customer.first_cooperation_on, customer.last_cooperation_on) == (
        datetime.date(2019, 5, 1),
        datetime.date(2023, 11, 30),
    )


def test_a_contract_save_reloads_the_sla_card_out_of_band(
    personas: testing.Personas, customer: Customer
) -> None:
    response = client_for(personas.alice).post(
        f"/customers/{customer.pk}/contracts/new/",
        contract_post(number="HT-2026-009", signed_on="2026-03-02"),
        **HX,
    )

    page = text(response)
    assert Contract.objects.filter(number="HT-2026-009").exists()
    # the 服务时限 card's shell (the handover clock started): swapped in, it loads itself again
    assert (
        f'<div class="card mb-3" id="sla-card" hx-swap-oob="true" '
        f'hx-get="/customers/{customer.pk}/clocks/" hx-trigger="load" hx-swap="outerHTML">'
    ) in page
