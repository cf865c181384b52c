"""Downloads in the browser: the list's 导出 menu keeps the filters, the customer page offers
the printout and the contacts' vCards."""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from crm.core import testing
from crm.customers.services import change_stage, create_customer
from tests.browser import goto, login_as, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_menu_downloads_the_filtered_list(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    actor = testing.actor(alice)
    change_stage(
        actor, create_customer(actor, name="杭州云杉科技有限公司"), stage="intent", reason="有需求"
    )
    create_customer(actor, name="宁波海曙贸易有限公司")
    login_as(page, live_server, alice)
    goto(page, live_server, "/customers/?stage=intent")

    page.locator("#export-toggle").click()
    expect(page.locator("#export-xlsx")).to_be_visible()
    shot(page, "menu")
    with page.expect_download() as found:
        page.locator("#export-xlsx").click()
    download = found.value

    assert download.suggested_filename.startswith("客户_") and download.suggested_filename.endswith(
        ".xlsx"
    )
    with open(download.path(), "rb") as file:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(file.read())).get_sheet_by_index(0)
    assert [row[1] for row in rows.to_python()[1:]] == ["杭州云杉科技有限公司"]


def test_customer_page_offers_the_printout_and_the_vcards(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    customer = create_customer(
        testing.actor(alice),
        name="杭州云杉科技有限公司",
        contacts=[{"name": "林晓峰", "title": "采购总监", "mobile": "13905710001"}],
    )
    login_as(page, live_server, alice)
    goto(page, live_server, f"/customers/{customer.pk}/")

    expect(page.locator("#print-customer")).to_have_attribute(
        "href", f"/print/customers/{customer.pk}.pdf"
    )
    expect(page.locator("#vcard-all")).to_be_visible()
    shot(page, "customer")
    with page.expect_download() as found:
        page.locator("#vcard-all").click()
    assert found.value.suggested_filename == "杭州云杉科技有限公司_联系人.vcf"
