"""Importing a spreadsheet in the browser: upload, confirm the columns, preview, import, and
download the refused rows."""

from __future__ import annotations

import io
from typing import Any

import pytest
import xlsxwriter
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from crm.core import testing
from crm.customers.models import Customer
from tests.browser import goto, login_as, no_horizontal_overflow, shot

pytestmark = pytest.mark.django_db(transaction=True)


def _workbook() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("客户")
    rows = [
        ["客户档案维护表"],
        ["客户名称(全称)", "联系人", "手机", "合作起始时间", "内部编码"],
        ["苏州园林设计有限公司", "周九", "13600000001", "2023年1月15日", "SZ-01"],
        ["无锡太湖科技有限公司", "吴十", "1360000", "2023/2/1", "WX-02"],
        ["<img src=x onerror=alert(1)>有限公司", "郑十一", "13600000003", "20230301", "XSS"],
    ]
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def test_import_a_spreadsheet_from_upload_to_result(
    page: Page, live_server: Any, new_page: Any
) -> None:
    alice = testing.make_personas().alice
    login_as(page, live_server, alice)
    goto(page, live_server, "/imports/")
    expect(page.locator("h1")).to_have_text("导入")
    kind = page.locator("#id_kind")  # what the file holds, chosen at upload
    expect(kind).to_have_value("customers")
    expect(kind.locator("option")).to_have_text(["客户", "维护记录", "合同", "订单"])
    shot(page, "upload")

    page.locator("#id_file").set_input_files(
        {"name": "客户档案.xlsx", "mimeType": "application/octet-stream", "buffer": _workbook()}
    )
    page.locator("#upload").click()

    expect(page.locator("#job-facts")).to_contain_text("表头在第 2 行,数据 3 行")
    mapping = page.locator("#mapping")
    expect(mapping.locator('select[name="col-0"]')).to_have_value("name")
    expect(mapping.locator('select[name="col-2"]')).to_have_value("contact_mobile")
    expect(mapping.locator('select[name="col-4"]')).to_have_value("")  # 内部编码: unknown
    mapping.locator('select[name="col-4"]').select_option("notes")
    shot(page, "mapping")
    page.locator("#preview-import").click()

    expect(page.locator("#job-status")).to_have_text("待确认导入")
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="refused"]')).to_have_text("1")
    expect(page.locator('#preview-rows [data-row="4"]')).to_contain_text(
        "手机号“1360000”格式不正确"
    )
    assert Customer.objects.count() == 0
    shot(page, "preview")

    page.locator("#run-import").click()
    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator("#refused-rows")).to_contain_text("手机号“1360000”格式不正确")
    shot(page, "done")
    assert sorted(Customer.objects.values_list("notes", flat=True)) == ["SZ-01", "XSS"]

    with page.expect_download() as found:
        page.locator("#refused-download").click()
    with open(found.value.path(), "rb") as file:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(file.read())).get_sheet_by_index(0)
    assert rows.to_python()[1][-2:] == ["手机号“1360000”格式不正确", 4]

    # the imported name is text everywhere, never markup
    goto(page, live_server, "/customers/")
    expect(page.locator("body")).to_contain_text("<img src=x onerror=alert(1)>有限公司")

    phone = new_page(width=375, height=800)
    login_as(phone, live_server, alice)
    goto(phone, live_server, "/imports/")
    expect(phone.locator("#import-jobs")).to_contain_text("客户档案.xlsx")
    no_horizontal_overflow(phone)
    shot(phone, "phone")
