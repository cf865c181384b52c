"""The personal calendar feed (ICS): made, reset and revoked by its user, read back with the
icalendar package as a calendar client would. Time is frozen at Mon 12 Oct 2026 10:00."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.discipline import feed, services, tasks
from crm.discipline.models import CalendarFeed
from crm.records import services as records
from crm.records.models import Task

pytestmark = pytest.mark.django_db
D = datetime.date
TZ = timezone.get_default_timezone()
TODAY = D(2026, 10, 12)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY, 10))


@pytest.fixture
def agenda(personas: Personas, customer_of: Any) -> dict[str, Any]:
    """alice: a customer whose card asks for a call on Thu 15 Oct about the quotation; a to-do
    due Fri 16 Oct that bob assists; bob's own customer and a closed to-do (not in her feed)."""
    p = personas
    customer = customer_of(
        p.alice,
        name="杭州日历订阅科技有限公司",
        contacts=[{"name": "单田芳", "mobile": "13812345678"}],
    )
    Customer.objects.filter(pk=customer.pk).update(stage="intent", intent="medium")
    records.file_record(
        actor(p.alice),
        customer=customer,
        occurred_at=at(TODAY, 9),
        channel="phone",
        purpose="needs_discovery",
        content="客户关注交付周期,要求下周给出正式报价",
        next_contact_on=D(2026, 10, 15),
        next_channel="visit",
        next_focus="确认报价与交付排期",
    )
    todo = records.create_task(
        actor(p.alice),
        customer=customer,
        description="发送正式报价单",
        due=D(2026, 10, 16),
        collaborator=p.bob,
    )
    closed = records.create_task(
        actor(p.alice), customer=customer, description="已完成的待办", due=D(2026, 10, 14)
    )
    records.complete_task(actor(p.alice), closed, "已电话确认需求范围")
    customer_of(p.bob, name="苏州白波客户有限公司")
    tasks.run_day(TODAY)
    return {"customer": customer, "todo": todo}


def read(client: Client, token: str) -> Calendar:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_feed_holds_next_follow_ups_and_open_to_dos(
    personas: Personas, agenda: dict[str, Any]
) -> None:
    token = services.reset_calendar_feed(actor(personas.alice))
    calendar = read(Client(), token)

    assert calendar["X-WR-TIMEZONE"] == "Asia/Shanghai"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    customer, todo = agenda["customer"], agenda["todo"]
    assert sorted(events) == [f"crm-follow-up-{customer.pk}@crm", f"crm-task-{todo.pk}@crm"]

    follow_up = events[f"crm-follow-up-{customer.pk}@crm"]
    assert str(follow_up["SUMMARY"]) == "跟进: 杭州日历订阅科技有限公司"
    assert (follow_up.decoded("DTSTART"), follow_up.decoded("DTEND")) == (
        D(2026, 10, 15),
        D(2026, 10, 16),
    )
    assert str(follow_up["DESCRIPTION"]).splitlines() == [
        f"客户编号 {customer.number} · 意向客户",
        "计划方式: 拜访",
        "重点方向: 确认报价与交付排期",
    ]
    to_do = events[f"crm-task-{todo.pk}@crm"]
    assert str(to_do["SUMMARY"]) == "待办: 发送正式报价单"
    assert to_do.decoded("DTSTART") == D(2026, 10, 16)
    assert str(to_do["DESCRIPTION"]).splitlines() == [
        "客户: 杭州日历订阅科技有限公司",
        "负责人: 张爱丽",
        "发送正式报价单",
    ]
    # the collaborator sees the to-do too, but not alice's follow-up
    bob = read(Client(), services.reset_calendar_feed(actor(personas.bob)))
    bob_events = sorted(str(e["UID"]) for e in bob.walk("VEVENT"))
    bobs_customer = Customer.objects.get(name="苏州白波客户有限公司")
    assert bob_events == [f"crm-follow-up-{bobs_customer.pk}@crm", f"crm-task-{todo.pk}@crm"]


def test_no_phone_or_email_of_a_contact_is_in_the_feed(
    personas: Personas, agenda: dict[str, Any]
) -> None:
    body = (
        Client()
        .get(f"/calendar/{services.reset_calendar_feed(actor(personas.alice))}.ics")
        .content.decode()
    )
    assert "13812345678" not in body and "5678" not in body and "单田芳" not in body


def test_links_to_the_customer_when_the_site_address_is_known(
    personas: Personas, agenda: dict[str, Any], settings: Any
) -> None:
    settings.CRM_SITE_URL = "https://crm.example.com"
    calendar = read(Client(), services.reset_calendar_feed(actor(personas.alice)))
    urls = {str(e["URL"]) for e in calendar.walk("VEVENT")}
    assert urls == {f"https://crm.example.com/customers/{agenda['customer'].pk}/"}


def test_reset_replaces_the_address_and_revoke_ends_it(
    personas: Personas, agenda: dict[str, Any]
) -> None:
    client = Client()
    first = services.reset_calendar_feed(actor(personas.alice))
    second = services.reset_calendar_feed(actor(personas.alice))

    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    stored = CalendarFeed.objects.get(user=personas.alice)
    assert stored.token_hash != second and second not in stored.token_hash
    assert stored.last_used_at == at(TODAY, 10)

    assert services.revoke_calendar_feed(actor(personas.alice)) is True
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    assert services.revoke_calendar_feed(actor(personas.alice)) is False
    actions = AuditEvent.objects.filter(action__startswith="calendar_feed.").order_by("id")
    assert [e.action for e in actions] == [
        "calendar_feed.create",
        "calendar_feed.reset",
        "calendar_feed.revoke",
    ]


def test_a_deactivated_user_s_feed_answers_404(personas: Personas, agenda: dict[str, Any]) -> None:
    token = services.reset_calendar_feed(actor(personas.alice))
    personas.alice.is_active = False
    personas.alice.save()
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    assert Client().get("/calendar/not-a-token.ics").status_code == 404


def test_the_settings_page_shows_the_address_once(
    personas: Personas, agenda: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(personas.alice)
    assert "尚未启用日历订阅。" in client.get("/agenda/calendar/").content.decode()

    made = client.post("/agenda/calendar/", {"action": "reset"}, follow=True).content.decode()
    address = made.split('id="calendar-address" type="text" readonly value="')[1].split('"')[0]
    assert address.startswith("http://testserver/calendar/") and address.endswith(".ics")
    assert Client().get(address.removeprefix("http://testserver")).status_code == 200
    again = client.get("/agenda/calendar/").content.decode()
    assert address not in again and "已启用" in again

    client.post("/agenda/calendar/", {"action": "revoke"})
    assert not CalendarFeed.objects.filter(user=personas.alice).exists()


def test_the_feed_is_bounded_and_soonest_first(
    personas: Personas, customer_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed, "LIMIT", 3)
    customer = customer_of(personas.alice, name="杭州上限测试科技有限公司")
    for day in (20, 18, 16, 14, 19):
        task = records.create_task(
            actor(personas.alice), customer=customer, description=f"待办{day}", due=TODAY
        )
        Task.objects.filter(pk=task.pk).update(due=D(2026, 10, day))
    calendar = read(Client(), services.reset_calendar_feed(actor(personas.alice)))
    to_dos = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("crm-task-")]
    assert [str(e["SUMMARY"]) for e in to_dos] == ["待办: 待办14", "待办: 待办16", "待办: 待办18"]
