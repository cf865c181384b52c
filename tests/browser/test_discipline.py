"""Follow-up discipline in the browser: an overdue follow-up reaches the owner's agenda and,
escalated, the manager's bell; the owner files the card from the agenda and the customer
leaves the overdue list; the calendar feed address; the rules page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from crm.core import testing
from crm.customers.models import Customer
from crm.customers.services import create_customer
from crm.discipline import tasks
from tests.browser import goto, login_as, logout, shot

pytestmark = pytest.mark.django_db(transaction=True)
NAME = "宁波海曙逾期跟进科技有限公司"


def overdue_world() -> testing.Personas:
    """alice's high-intent customer last contacted a month ago: overdue and escalated."""
    people = testing.make_personas()
    customer = create_customer(
        testing.actor(people.alice),
        name=NAME,
        contacts=[{"name": "俞晓明", "mobile": "13905741234"}],
    )
    month_ago = timezone.now() - datetime.timedelta(days=30)
    Customer.objects.filter(pk=customer.pk).update(
        stage="intent", intent="high", last_contacted_at=month_ago, created_at=month_ago
    )
    tasks.run_day(timezone.localdate())
    return people


def test_an_overdue_follow_up_reaches_the_manager_and_the_owner_files_the_card(
    new_page: Any, live_server: Any
) -> None:
    people = overdue_world()

    # carol, the team manager: the bell counts one escalation; opening it leads to the customer
    carol = new_page()
    login_as(carol, live_server, people.carol)
    bell = carol.locator("#notifications-bell")
    expect(bell.locator("#notifications-count")).to_have_text("1")
    bell.click()
    row = carol.locator("#notifications [data-notification]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"张爱丽 负责的客户「{NAME}」应于")
    expect(row).to_contain_text("跟进逾期升级")
    shot(carol, "manager-notifications")
    row.get_by_role("button").click()
    expect(carol.locator("h1")).to_contain_text(NAME)
    expect(carol.locator("#notifications-count")).to_have_count(0)

    # the team view: alice has one escalated follow-up
    goto(carol, live_server, "/agenda/")
    member = carol.locator(f"#agenda-members tr[data-member='{people.alice.pk}']")
    expect(member.locator("[data-count=escalated]")).to_have_text("1")
    shot(carol, "team-view")

    # alice: the customer is in 逾期未跟进, escalated; she files the card from the row
    alice = new_page()
    login_as(alice, live_server, people.alice)
    alice.locator("aside").get_by_role("link", name="我的待办").click()
    overdue = alice.locator("#agenda-overdue")
    expect(overdue.locator("[data-follow-up]")).to_have_count(1)
    expect(overdue).to_contain_text("已升级至经理")
    expect(alice.locator("#agenda-overdue [data-count=follow_ups_overdue]")).to_have_text("1")
    shot(alice, "agenda-overdue")
    overdue.get_by_role("button", name=f"为 {NAME} 填写维护记录").click()
    dialog = alice.locator("#crm-dialog")
    expect(dialog.locator("#id_content")).to_be_focused()
    alice.keyboard.type("电话回访:客户确认本月内安排技术交流,关注数据迁移方案")
    dialog.locator("#id_purpose").select_option("regular_visit")
    alice.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden()
    expect(alice.locator("#messages")).to_contain_text("已填写维护记录")
    expect(alice.locator("#agenda-overdue [data-follow-up]")).to_have_count(0)
    expect(alice.locator("#agenda-overdue")).to_contain_text("没有逾期的跟进,保持节奏")
    shot(alice, "agenda-after-card")
    assert Customer.objects.get(name=NAME).follow_up_overdue_days == 0


def test_the_calendar_address_is_made_once_and_works(page: Page, live_server: Any) -> None:
    people = overdue_world()
    login_as(page, live_server, people.alice)
    page.locator("#user-menu").click()
    page.get_by_role("link", name="日历订阅").click()
    expect(page.locator("#calendar-status")).to_contain_text("尚未启用日历订阅")
    page.locator("#calendar-reset").click()
    address = page.locator("#calendar-address").input_value()
    assert address.startswith(f"{live_server.url}/calendar/")
    shot(page, "calendar-address")

    response = page.request.get(address)
    assert response.status == 200
    calendar = Calendar.from_ical(response.body())
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert summaries == [f"跟进: {NAME}"]

    page.reload()
    expect(page.locator("#calendar-address")).to_have_count(0)  # shown once only
    page.locator("#calendar-revoke").click()
    expect(page.locator("#messages")).to_contain_text("已停用日历订阅")
    assert page.request.get(address).status == 404
    logout(page)


def test_an_administrator_changes_the_rules(page: Page, live_server: Any) -> None:
    people = testing.make_personas()
    login_as(page, live_server, people.admin)
    goto(page, live_server, "/settings/")
    page.get_by_role("link", name="跟进纪律").click()
    form = page.locator("#discipline-form")
    expect(form.locator("#id_intent_high_days")).to_have_value("5")
    form.locator("#id_escalate_after_days").fill("0")
    form.get_by_role("button", name="保存并重新评估").click()
    expect(form.locator("#id_escalate_after_days_error")).to_contain_text("确保该值大于或等于1")
    shot(page, "rules-refused")
    form.locator("#id_escalate_after_days").fill("3")
    form.get_by_role("button", name="保存并重新评估").click()
    expect(page.locator("#messages")).to_contain_text("已保存")
    expect(page.locator("#rules-updated")).to_contain_text("管理员")
    shot(page, "rules-saved")


def test_a_card_is_corrected_then_voided_in_dialogs(page: Page, live_server: Any) -> None:
    from crm.records import services as records

    people = testing.make_personas()
    customer = create_customer(testing.actor(people.alice), name=NAME)
    card = records.file_record(
        testing.actor(people.alice),
        customer=customer,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        channel="phone",
        purpose="regular_visit",
        content="电话回访:客户关注交付周期",
    )
    login_as(page, live_server, people.alice)
    goto(page, live_server, f"/customers/{customer.pk}/")
    page.locator(f"#edit-record-{card.pk}").click()
    dialog = page.locator("#crm-dialog")
    expect(dialog.locator("#crm-dialog-title")).to_have_text("修改维护记录")
    content = dialog.locator("#id_content")
    content.fill("电话回访:客户关注交付周期,要求下周给出排期表")
    dialog.locator("#id_reason").fill("补充客户要求")
    shot(page, "edit-card")
    content.press("Control+Enter")
    expect(dialog).to_be_hidden()
    row = page.locator(f"#record-{card.pk}")
    expect(row).to_contain_text("要求下周给出排期表")
    update = page.locator("#timeline [data-action='record.update']")
    expect(update).to_have_count(1)
    expect(update).not_to_contain_text("维护时间")  # the seconds the input cannot show are kept

    row.locator(f"#void-record-{card.pk}").click()
    expect(dialog.locator("#crm-dialog-title")).to_have_text("作废维护记录")
    dialog.locator("#id_reason").fill("记到了错误的客户")
    dialog.locator("#dialog-submit").click()
    expect(dialog).to_be_hidden()
    row = page.locator(f"#record-{card.pk}")
    expect(row).to_contain_text("已作废")
    expect(row).to_contain_text("记到了错误的客户")
    expect(row.locator(f"#edit-record-{card.pk}")).to_have_count(0)
    shot(page, "voided-card")
