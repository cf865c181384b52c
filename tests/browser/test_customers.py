"""Customer pages in the browser: keyboard search from the top bar, phone-width layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crm.core import testing
from crm.customers.services import create_customer
from tests.browser import goto, login_as, no_horizontal_overflow, shot

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "杭州云杉科技有限公司"


def make_customer(user: Any, name: str = NAME, **fields: Any) -> Any:
    fields.setdefault("contacts", [{"name": "林晓峰", "mobile": "13905710001"}])
    return create_customer(testing.actor(user), name=name, **fields)


def test_slash_focuses_the_global_search(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    login_as(page, live_server, alice)
    expect(page).to_have_url(re.compile(r"/customers/$"))
    box = page.locator("#global-search")
    expect(box).not_to_be_focused()

    page.locator("h1").click()  # focus on the page, not on a field
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the "/" itself is not typed into the box
    shot(page, "focused")


def test_pinyin_initials_typeahead_opens_the_customer(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    customer = make_customer(alice)
    make_customer(alice, name="宁波海曙贸易有限公司", contacts=[])
    login_as(page, live_server, alice)
    box = page.locator("#global-search")

    page.locator("h1").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("hzys")
    found = page.locator("#search-results a[data-kind=customer]")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(NAME)
    shot(page, "typeahead")

    page.keyboard.press("ArrowDown")
    expect(found).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator("h1")).to_have_text(NAME)
    shot(page, "customer")


def test_phone_width_has_no_horizontal_overflow(
    new_page: Callable[..., Page], live_server: Any
) -> None:
    alice = testing.make_personas().alice
    customer = make_customer(
        alice,
        main_products="工业物联网网关、边缘计算盒子、云端设备管理平台订阅服务",
        tags=["重点客户", "华东"],
    )
    page = new_page(width=375, height=740, is_mobile=True, has_touch=True)
    login_as(page, live_server, alice)

    goto(page, live_server, "/customers/")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    shot(page, "list")
    no_horizontal_overflow(page)

    goto(page, live_server, f"/customers/{customer.pk}/")
    expect(page.locator("h1")).to_have_text(NAME)
    shot(page, "customer")
    no_horizontal_overflow(page)
