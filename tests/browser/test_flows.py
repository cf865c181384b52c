"""Whole flows a salesperson goes through in the browser, with screenshots at each key moment.

Create a customer (inline checks, cascades, industry search, tags) and find it again by pinyin
initials; edit it; lose an edit race to the team manager and keep what was typed; reveal a
masked mobile (allowed and refused); the stage and owner dialogs (no page reload); switch the
interface language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crm.core import testing
from crm.customers.rules import mask_mobile
from crm.customers.services import create_customer
from crm.customers.services.duplicates import duplicate_hint
from tests.browser import goto, login_as, shot

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "杭州云杉数据科技有限公司"
INITIALS = "hzyssj"  # 杭州云杉数据: hang zhou yun shan shu ju
MOBILE = "13857101234"


def make_customer(user: Any, name: str = NAME, **fields: Any) -> Any:
    fields.setdefault("contacts", [{"name": "林晓峰", "mobile": MOBILE}])
    return create_customer(testing.actor(user), name=name, **fields)


def customer_url(customer: Any, suffix: str = "") -> str:
    return f"/customers/{customer.pk}/{suffix}"


def choose_region(page: Page, province: str, city: str, prefix: str = "") -> None:
    """Pick a province, wait for htmx to bring its cities, then pick the city."""
    city_select = page.locator(f"#id_{prefix}city")
    page.locator(f"#id_{prefix}province").select_option(label=province)
    expect(city_select.locator("option", has_text=city)).to_have_count(1)
    city_select.select_option(label=city)


def test_create_a_customer_then_find_it_by_pinyin_initials(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    login_as(page, live_server, alice)

    page.locator("aside").get_by_role("link", name="新建客户").click()
    expect(page).to_have_url(re.compile(r"/customers/new/$"))
    expect(page.locator("h1")).to_have_text("新建客户")

    page.locator("#id_name").fill(NAME)
    page.locator("#id_short_name").fill("云杉数据")
    page.locator("#id_contact_name").fill("林晓峰")
    page.locator("#id_contact_title").fill("技术总监")

    # a bad mobile is flagged in Chinese while it is typed (htmx on keyup), then fixed
    mobile = page.locator("#id_contact_mobile")
    feedback = page.locator("#contact_mobile-feedback")
    mobile.press_sequentially("1385710")
    invalid = feedback.locator("[data-state=invalid]")
    expect(invalid).to_be_visible()
    expect(invalid).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
    expect(invalid).to_contain_text("手机")
    expect(mobile).to_have_class(re.compile(r"\bis-invalid\b"))
    shot(page, "bad-mobile")
    mobile.press_sequentially("1234")
    expect(feedback.locator("[data-state=valid]")).to_have_text("格式正确")
    expect(feedback.locator("[data-state=invalid]")).to_have_count(0)
    expect(mobile).not_to_have_class(re.compile(r"\bis-invalid\b"))

    # region and head-office address: province → city cascades
    choose_region(page, "浙江省", "杭州市")
    choose_region(page, "浙江省", "杭州市", prefix="hq_")
    page.locator("#id_hq_detail").fill("西湖区文三路 90 号东部软件园 3 号楼")

    # industry: the filter box narrows the select, then one is chosen
    industry = page.locator("#id_industry")
    all_options = industry.locator("option").count()
    page.locator("#industry-filter").fill("软件")
    expect(industry.locator('option[value="65"]')).to_have_count(1)
    expect(industry.locator('option[value="01"]')).to_have_count(0)  # 农业 filtered out
    assert industry.locator("option").count() < all_options
    industry.select_option("65")

    page.locator("#id_tags").fill("重点客户、华东")
    shot(page, "filled")

    with page.expect_navigation():
        page.locator("#customer-form-submit").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator("#messages")).to_contain_text(f"已新建客户 {NAME}")
    expect(page.locator("#customer-name")).to_have_text(NAME)
    header = page.locator("#customer-header")
    expect(header).to_contain_text("云杉数据")
    expect(header.locator(".badge", has_text="重点客户")).to_have_count(1)
    expect(header.locator(".badge", has_text="华东")).to_have_count(1)
    contact = page.locator("#contacts li[id^=contact-]")
    expect(contact).to_contain_text("林晓峰")
    expect(contact.locator("span[data-field=mobile]")).to_have_text(mask_mobile(MOBILE))
    assert MOBILE not in page.content()
    expect(page.locator("main")).to_contain_text("软件和信息技术服务业")
    expect(page.locator("main")).to_contain_text("杭州")
    detail_url = page.url
    shot(page, "created")

    # back on the list, "/" then the pinyin initials find it; the keyboard opens it
    goto(page, live_server, "/customers/")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    page.locator("h1").click()
    page.keyboard.press("/")
    box = page.locator("#global-search")
    expect(box).to_be_focused()
    page.keyboard.type(INITIALS)
    found = page.locator("#search-results a[data-kind=customer]")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(NAME)
    shot(page, "typeahead")
    page.keyboard.press("ArrowDown")
    expect(found).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(detail_url)
    expect(page.locator("#customer-name")).to_have_text(NAME)
    shot(page, "opened")


def test_edit_short_name_and_notes(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    customer = make_customer(alice, short_name="云杉")
    login_as(page, live_server, alice)
    goto(page, live_server, customer_url(customer))

    with page.expect_navigation():
        page.locator("#edit-customer").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/edit/$"))
    expect(page.locator("#id_short_name")).to_have_value("云杉")
    page.locator("#id_short_name").fill("云杉数据")
    notes = "客户计划第三季度扩容数据中台。\n联系人偏好周二上午沟通。"
    page.locator("#id_notes").fill(notes)
    shot(page, "editing")
    with page.expect_navigation():
        page.locator("#customer-form-submit").click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator("#messages")).to_contain_text("客户信息已保存")
    expect(page.locator("#customer-header")).to_contain_text("云杉数据")
    expect(page.locator("#customer-notes")).to_have_text(notes)
    change = page.locator('#timeline li[data-action="customer.update"]').first
    expect(change).to_contain_text("张爱丽")
    expect(change).to_contain_text("简称:云杉 → 云杉数据")
    expect(change).to_contain_text("备注")
    shot(page, "saved")


def test_losing_an_edit_race_keeps_what_was_typed(
    page: Page, new_page: Callable[..., Page], live_server: Any
) -> None:
    people = testing.make_personas()
    customer = make_customer(people.alice, short_name="云杉", main_products="数据中台")
    edit = customer_url(customer, "edit/")

    login_as(page, live_server, people.alice)
    goto(page, live_server, edit)
    carol_page = new_page()
    login_as(carol_page, live_server, people.carol)
    goto(carol_page, live_server, edit)

    # alice types first, carol saves first
    typed = {
        "#id_short_name": "云杉科技",
        "#id_need_keywords": "数据治理、私有化部署",
        "#id_focus": "交付周期与售后响应",
        "#id_notes": "张爱丽的跟进备注:需要报价单。",
    }
    for selector, value in typed.items():
        page.locator(selector).fill(value)
    carol_page.locator("#id_main_products").fill("数据中台、BI 报表")
    with carol_page.expect_navigation():
        carol_page.locator("#customer-form-submit").click()
    expect(carol_page.locator("#messages")).to_contain_text("客户信息已保存")
    shot(carol_page, "carol-saved")

    with page.expect_navigation():
        page.locator("#customer-form-submit").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/edit/$"))
    conflict = page.locator("#customer-conflict")
    expect(conflict).to_be_visible()
    expect(page.locator("#customer-conflict-message")).to_contain_text("陈经理")
    expect(page.locator("#customer-conflict-message")).to_contain_text("您填写的内容已保留")
    changes = page.locator("#customer-conflict-changes")
    expect(changes).to_contain_text("陈经理")
    expect(changes).to_contain_text("主营产品")
    expect(changes).to_contain_text("数据中台、BI 报表")
    for selector, value in typed.items():
        expect(page.locator(selector)).to_have_value(value)
    shot(page, "conflict")

    with page.expect_navigation():
        page.locator("#customer-form-submit").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator("#messages")).to_contain_text("客户信息已保存")
    expect(page.locator("#customer-header")).to_contain_text("云杉科技")
    expect(page.locator("#customer-notes")).to_have_text(typed["#id_notes"])
    shot(page, "saved-after-conflict")
    customer.refresh_from_db()
    assert customer.short_name == "云杉科技"
    assert customer.version == 3  # created 1, carol 2, alice 3


def test_reveal_a_mobile_and_the_masked_duplicate_hint(
    page: Page, new_page: Callable[..., Page], live_server: Any
) -> None:
    people = testing.make_personas()
    customer = make_customer(people.alice)
    contact = customer.contacts.get()

    # the owner sees the full number after asking for it
    login_as(page, live_server, people.alice)
    goto(page, live_server, customer_url(customer))
    item = page.locator(f"#contact-{contact.pk}")
    expect(item.locator("span[data-field=mobile]")).to_have_text(mask_mobile(MOBILE))
    item.locator("button[data-reveal=mobile]").click()
    expect(item.locator("span[data-revealed=mobile]")).to_have_text(MOBILE)
    shot(page, "owner-revealed")

    # service without the personal grant: refused in Chinese, the number never reaches the page
    erin_page = new_page()
    login_as(erin_page, live_server, people.erin)
    goto(erin_page, live_server, customer_url(customer))
    erin_item = erin_page.locator(f"#contact-{contact.pk}")
    expect(erin_item.locator("span[data-field=mobile]")).to_have_text(mask_mobile(MOBILE))
    erin_item.locator("button[data-reveal=mobile]").click()
    refused = erin_item.locator("span[data-refused=mobile]")
    expect(refused).to_have_text("您没有查看完整联系方式的授权,请联系管理员开通")
    expect(erin_item.locator("span[data-revealed]")).to_have_count(0)
    assert MOBILE not in erin_page.content()
    shot(erin_page, "service-refused")

    # typing an existing name on the create page shows the masked hint
    goto(page, live_server, "/customers/new/")
    name = page.locator("#id_name")
    # Chinese arrives as text input (as from an IME) without key events; the key that commits
    # it is what fires htmx's "keyup changed"
    name.press_sequentially(NAME)
    name.press("End")
    hint = page.locator("#name-duplicate-hint")
    expect(hint).to_contain_text(duplicate_hint(customer))
    expect(hint).not_to_contain_text(NAME)
    shot(page, "duplicate-hint")


def test_stage_and_owner_dialogs_update_the_page_in_place(
    page: Page, new_page: Callable[..., Page], live_server: Any
) -> None:
    people = testing.make_personas()
    customer = make_customer(people.alice)
    dialog = page.locator("#crm-dialog")

    login_as(page, live_server, people.alice)
    goto(page, live_server, customer_url(customer))
    expect(page.locator("#customer-stage")).to_have_text("潜在客户")
    page.evaluate("window.__notReloaded = 'yes'")

    page.locator("#change-stage").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("#dialog-form")).to_be_visible()
    expect(dialog.locator("#crm-dialog-title")).to_have_text("变更合作阶段")
    dialog.locator("#id_stage").select_option(label="意向客户")
    dialog.locator("#id_reason").fill("客户已索要报价,进入意向阶段")
    shot(page, "stage-dialog")
    dialog.locator("#dialog-submit").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("#customer-stage")).to_have_text("意向客户")
    expect(page.locator("#messages")).to_contain_text("阶段已变更为“意向客户”")
    change = page.locator("#timeline li").first
    expect(change).to_have_attribute("data-action", "customer.stage")
    expect(change).to_contain_text("客户已索要报价,进入意向阶段")
    expect(change).to_contain_text("潜在客户 → 意向客户")
    assert page.evaluate("window.__notReloaded") == "yes"
    shot(page, "stage-changed")

    # the team's manager hands the customer to bob
    carol_page = new_page()
    carol_dialog = carol_page.locator("#crm-dialog")
    login_as(carol_page, live_server, people.carol)
    goto(carol_page, live_server, customer_url(customer))
    expect(carol_page.locator("#customer-owner")).to_contain_text("张爱丽")
    carol_page.evaluate("window.__notReloaded = 'yes'")
    carol_page.locator("#transfer-owner").click()
    expect(carol_dialog).to_be_visible()
    carol_dialog.locator("#id_owner").select_option(label="白波")
    carol_dialog.locator("#id_reason").fill("张爱丽调岗,客户交白波跟进")
    shot(carol_page, "transfer-dialog")
    carol_dialog.locator("#dialog-submit").click()

    expect(carol_dialog).to_be_hidden()
    expect(carol_page.locator("#customer-owner")).to_contain_text("白波")
    expect(carol_page.locator("#messages")).to_contain_text("已将客户转给 白波")
    transfer = carol_page.locator("#timeline li").first
    expect(transfer).to_have_attribute("data-action", "customer.transfer")
    expect(transfer).to_contain_text("张爱丽调岗,客户交白波跟进")
    assert carol_page.evaluate("window.__notReloaded") == "yes"
    shot(carol_page, "transferred")
    customer.refresh_from_db()
    assert (customer.stage, customer.owner_id) == ("intent", people.bob.pk)


def test_language_switch_keeps_the_page(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    customer = make_customer(alice)
    login_as(page, live_server, alice)
    goto(page, live_server, customer_url(customer))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-Hans")

    with page.expect_navigation():
        page.locator("#language-switch").select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator("#customer-name")).to_have_text(NAME)
    shot(page, "english")

    with page.expect_navigation():
        page.locator("#language-switch").select_option(label="简体中文")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    shot(page, "chinese")


def test_duplicate_claim_from_the_create_page_to_the_managers_approval(
    new_page: Callable[..., Page], live_server: Any
) -> None:
    people = testing.make_personas()
    customer = make_customer(people.alice)

    # dave (another team) types alice's customer: the masked hint offers 申请协作
    dave = new_page()
    login_as(dave, live_server, people.dave)
    goto(dave, live_server, "/customers/new/")
    name = dave.locator("#id_name")
    name.press_sequentially(NAME)
    name.press("End")
    hint = dave.locator("#name-duplicate-hint")
    expect(hint).to_contain_text(duplicate_hint(customer))
    expect(hint).not_to_contain_text(NAME)
    hint.get_by_role("button", name="申请协作").click()
    dialog = dave.locator("#crm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).not_to_contain_text(NAME)
    dialog.locator("#id_note").fill("上周在杭州展会上与对方技术总监交流过")
    shot(dave, "claim-dialog")
    dialog.locator("#dialog-submit").click()
    expect(dialog).to_be_hidden()
    messages = dave.locator("#messages")
    expect(messages).to_contain_text("已提交申请,等待 张* 的经理处理")
    expect(messages).not_to_contain_text(NAME)
    shot(dave, "claim-submitted")

    # asking again: the service says it was already submitted, in the dialog
    hint.get_by_role("button", name="申请协作").click()
    dialog.locator("#id_note").fill("再次申请")
    dialog.locator("#dialog-submit").click()
    refusal = dialog.locator("#claim-token-error")
    expect(refusal).to_have_text("您已提交过该客户的申请,请等待经理处理")
    shot(dave, "claim-again")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()

    # carol (alice's manager) opens 查重申请 and approves; the row updates in place
    carol = new_page()
    login_as(carol, live_server, people.carol)
    carol.locator("aside").get_by_role("link", name="查重申请").click()
    expect(carol).to_have_url(re.compile(r"/customers/claims/$"))
    row = carol.locator("#claims tbody tr", has_text="邓伟")
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text("上周在杭州展会上与对方技术总监交流过")
    shot(carol, "open-claims")
    carol.evaluate("window.__notReloaded = 'yes'")
    row.get_by_role("button", name="同意").click()
    carol_dialog = carol.locator("#crm-dialog")
    expect(carol_dialog).to_be_visible()
    carol_dialog.locator("#id_resolution").fill("同意邓伟协助跟进")
    shot(carol, "approve-dialog")
    carol_dialog.locator("#dialog-submit").click()
    expect(carol_dialog).to_be_hidden()
    expect(row).to_have_attribute("data-status", "approved")
    expect(row.locator("[data-claim-status]")).to_have_text("已同意")
    expect(row.get_by_role("button", name="同意")).to_have_count(0)
    expect(carol.locator("#messages")).to_contain_text("已同意,邓伟 已成为该客户的协办人")
    assert carol.evaluate("window.__notReloaded") == "yes"
    shot(carol, "approved")

    # dave now sees the customer and can open its page
    goto(dave, live_server, "/customers/claims/")
    mine = dave.locator("#claims tbody tr").first
    expect(mine.locator("[data-claim-status]")).to_have_text("已同意")
    mine.get_by_role("link", name=NAME).click()
    expect(dave).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(dave.locator("#customer-name")).to_have_text(NAME)
    shot(dave, "customer-opened")


def test_add_a_second_contact_in_a_dialog_and_make_it_primary(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    customer = make_customer(alice)
    dialog = page.locator("#crm-dialog")
    cards = page.locator("#contacts li[id^=contact-]")

    login_as(page, live_server, alice)
    goto(page, live_server, customer_url(customer))
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("林晓峰")
    page.evaluate("window.__notReloaded = 'yes'")

    page.locator("#add-contact").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("#crm-dialog-title")).to_have_text("添加联系人")
    dialog.locator("#id_name").fill("周雨桐")
    dialog.locator("#id_title").fill("采购经理")
    dialog.locator("#id_mobile").fill("1390000")
    dialog.locator("#id_is_primary").check()
    dialog.locator("#dialog-submit").click()

    # a bad mobile keeps the dialog open, with the Chinese message and what was typed
    expect(dialog.locator(".invalid-feedback")).to_contain_text("手机号码格式不正确")
    expect(dialog.locator("#id_name")).to_have_value("周雨桐")
    expect(dialog.locator("#id_is_primary")).to_be_checked()
    shot(page, "contact-dialog-error")
    dialog.locator("#id_mobile").fill("13900001111")
    dialog.locator("#dialog-submit").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("已添加联系人 周雨桐(主要联系人)")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("周雨桐")
    expect(cards.first.locator("[data-primary]")).to_have_text("主要")
    expect(cards.first.locator("[data-field=mobile]")).to_have_text("139****1111")
    expect(cards.nth(1)).to_contain_text("林晓峰")
    expect(cards.nth(1).locator("[data-primary]")).to_have_count(0)
    expect(page.locator("#timeline li").first).to_have_attribute("data-action", "contact.create")
    assert page.evaluate("window.__notReloaded") == "yes"
    shot(page, "second-contact-primary")
    assert [c.name for c in customer.contacts.filter(is_primary=True)] == ["周雨桐"]


def test_file_a_card_with_a_todo_by_keyboard_then_complete_it_from_the_agenda(
    page: Page, live_server: Any
) -> None:
    import datetime

    from django.utils import timezone

    alice = testing.make_personas().alice
    customer = make_customer(alice)
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    login_as(page, live_server, alice)
    goto(page, live_server, customer_url(customer))

    # open the dialog from the keyboard; the core content has the focus
    page.locator("#file-record").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#crm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#id_content")).to_be_focused()
    page.keyboard.type("1.客户反馈系统操作复杂,希望简化流程;2.询问新功能上线时间")
    dialog.locator("#id_purpose").select_option("needs_discovery")
    dialog.locator("input[name=contacts]").first.check()
    dialog.locator("[name=task_description]").first.fill("提供简化流程的报价单")
    dialog.locator("[name=task_due]").first.fill(due)
    dialog.locator("#add-task-row").click()
    expect(dialog.locator("tbody [data-task-row]")).to_have_count(4)
    shot(page, "record-dialog")
    dialog.locator("#id_content").press("Control+Enter")

    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("已填写维护记录,并添加 1 项待办")
    expect(page.locator("#records [data-record]")).to_have_count(1)
    expect(page.locator("#records")).to_contain_text("希望简化流程")
    expect(page.locator("#records")).to_contain_text("林晓峰")
    expect(page.locator("#tasks [data-task]")).to_contain_text("提供简化流程的报价单")
    expect(page.locator("#timeline [data-action='record.file']")).to_have_count(1)
    shot(page, "record-filed")

    # 我的待办: the to-do is upcoming; completing it needs a result
    page.locator("aside").get_by_role("link", name="我的待办").click()
    upcoming = page.locator("#agenda-upcoming")
    expect(upcoming).to_contain_text("提供简化流程的报价单")
    shot(page, "agenda")
    upcoming.get_by_role("button", name="完成").click()
    expect(dialog.locator("#id_result")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(dialog.locator(".invalid-feedback")).to_contain_text("请写明处理结果")
    page.keyboard.type("已发送报价单,客户确认下周签约")
    page.keyboard.press("Control+Enter")

    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("已完成待办“提供简化流程的报价单”")
    expect(page.locator("#agenda-upcoming")).not_to_contain_text("提供简化流程的报价单")
    shot(page, "completed")
    task = customer.tasks.get()
    assert (task.status, task.result) == ("done", "已发送报价单,客户确认下周签约")


def test_a_refused_card_keeps_the_dialog_and_breaks_no_policy(page: Page, live_server: Any) -> None:
    """A refused card re-renders the dialog with the errors and everything typed; the guard
    fails the test on any CSP report or console error."""
    alice = testing.make_personas().alice
    customer = make_customer(alice)
    login_as(page, live_server, alice)
    goto(page, live_server, customer_url(customer))

    page.locator("#file-record").click()
    dialog = page.locator("#crm-dialog")
    expect(dialog.locator("#id_content")).to_be_focused()
    page.keyboard.type("1.客户确认下月扩容 20 个账号;2.希望提供培训方案")
    dialog.locator("#id_purpose").select_option("needs_discovery")
    dialog.locator("[name=task_description]").first.fill("发送培训方案")  # no due date
    dialog.locator("[name=task_description]").first.press("Control+Enter")

    expect(dialog).to_be_visible()
    expect(dialog.locator(".invalid-feedback").first).to_be_visible()
    expect(dialog.locator("#id_content")).to_have_value(
        "1.客户确认下月扩容 20 个账号;2.希望提供培训方案"
    )
    expect(dialog.locator("[name=task_description]").first).to_have_value("发送培训方案")
    shot(page, "refused-card")
    assert not customer.records.exists()
