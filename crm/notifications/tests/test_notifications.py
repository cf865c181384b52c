"""Overdue follow-ups and to-dos notify the owner, then the team manager: the daily run
(crm.discipline.alerts), the e-mail digest, the 消息提醒 page and the notifications API.

Time is frozen at Mon 12 Oct 2026 10:00 Shanghai, the first Monday after National Day
(Sat 10 Oct was a make-up working day)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.core.testing import Personas, actor, api_client
from crm.customers.models import Customer
from crm.discipline import tasks
from crm.notifications import services
from crm.notifications.choices import Kind
from crm.notifications.models import Notification
from crm.records import services as records
from crm.records.models import Task

pytestmark = pytest.mark.django_db
D = datetime.date
TZ = timezone.get_default_timezone()
TODAY = D(2026, 10, 12)
NAME = "上海逾期提醒测试有限公司"


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY, 10))


def overdue_task(
    owner: Any, customer: Customer, description: str, due: datetime.date, **kw: Any
) -> Task:
    task = records.create_task(
        actor(owner), customer=customer, description=description, due=TODAY, **kw
    )
    Task.objects.filter(pk=task.pk).update(due=due)  # an overdue one cannot be created
    return Task.objects.get(pk=task.pk)


@pytest.fixture
def world(personas: Personas, customer_of: Any) -> dict[str, Any]:
    """alice's customer, last contacted 24 Sep (high intent: due Fri 9 Oct, two working days
    overdue today: escalated); a to-do of alice with bob assisting, due Fri 9 Oct; one due
    today; one done."""
    customer = customer_of(personas.alice, name=NAME)
    Customer.objects.filter(pk=customer.pk).update(
        stage="cooperating",
        intent="high",
        last_contacted_at=at(D(2026, 9, 24), 9),
        created_at=at(D(2026, 9, 1), 9),
    )
    late = overdue_task(
        personas.alice, customer, "发送报价单", D(2026, 10, 9), collaborator=personas.bob
    )
    overdue_task(personas.alice, customer, "今天到期的待办", TODAY)
    done = overdue_task(personas.alice, customer, "已完成的待办", D(2026, 10, 8))
    records.complete_task(actor(personas.alice), done, "已电话确认")
    return {"customer": customer, "late": late}


def raised() -> list[tuple[str, str, str]]:
    rows = Notification.objects.select_related("recipient").order_by("recipient__username", "kind")
    return [(n.recipient.username, n.kind, services.text.message(n)) for n in rows]


EXPECTED = [
    ("alice", "follow_up_overdue", f"客户「{NAME}」应于 2026-10-09 跟进,已逾期 2 个工作日"),
    (
        "alice",
        "task_overdue",
        f"待办「发送报价单」(客户「{NAME}」)完成时限 2026-10-09,已逾期 2 个工作日",
    ),
    (
        "bob",
        "task_overdue",
        f"待办「发送报价单」(客户「{NAME}」)完成时限 2026-10-09,已逾期 2 个工作日",
    ),
    (
        "carol",
        "follow_up_escalated",
        f"张爱丽 负责的客户「{NAME}」应于 2026-10-09 跟进,已逾期 2 个工作日",
    ),
    (
        "carol",
        "task_escalated",
        f"张爱丽 的待办「发送报价单」(客户「{NAME}」)完成时限 2026-10-09,已逾期 2 个工作日",
    ),
]


def test_the_daily_run_notifies_owner_collaborator_and_manager_once(world: dict[str, Any]) -> None:
    _summary, first = tasks.run_day(TODAY)
    assert first.as_dict() == {"follow_ups": 1, "escalations": 2, "tasks": 2, "emails": 0}
    assert raised() == EXPECTED

    _summary, second = tasks.run_day(TODAY)
    assert second.as_dict() == {"follow_ups": 0, "escalations": 0, "tasks": 0, "emails": 0}
    assert Notification.objects.count() == 5


def test_one_working_day_late_reaches_the_owner_only(
    personas: Personas, world: dict[str, Any]
) -> None:
    # the day before: Sat 10 Oct (a make-up working day), one working day overdue
    tasks.run_day(D(2026, 10, 10))
    assert [(u, k) for u, k, _m in raised()] == [
        ("alice", "follow_up_overdue"),
        ("alice", "task_overdue"),
        ("bob", "task_overdue"),
    ]


def test_a_new_due_date_missed_again_is_a_new_notification(
    personas: Personas, world: dict[str, Any]
) -> None:
    tasks.run_day(TODAY)
    task = world["late"]
    records.update_task(
        actor(personas.alice), task, due=D(2026, 10, 13), expected_version=task.version
    )
    Task.objects.filter(pk=task.pk).update(due=D(2026, 10, 12))
    tasks.run_day(D(2026, 10, 13))
    keys = Notification.objects.filter(recipient=personas.alice, task=task)
    assert sorted(n.due for n in keys) == [D(2026, 10, 9), D(2026, 10, 12)]


def test_inactive_people_get_nothing(personas: Personas, world: dict[str, Any]) -> None:
    personas.bob.is_active = False
    personas.bob.save()
    personas.carol.is_active = False
    personas.carol.save()
    tasks.run_day(TODAY)
    assert {u for u, _k, _m in raised()} == {"alice"}


def test_the_digest_mails_each_recipient_once(
    personas: Personas, world: dict[str, Any], settings: Any
) -> None:
    settings.CRM_NOTIFY_EMAIL = True
    settings.CRM_SITE_URL = "https://crm.example.com"
    for person, address in (
        (personas.alice, "alice@example.com"),
        (personas.carol, "carol@example.com"),
    ):
        person.email = address
        person.save()

    _summary, alerts = tasks.run_day(TODAY)

    assert alerts.emails == 2  # bob has no e-mail address: in the app only
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["alice@example.com", "carol@example.com"]
    alice = by_address["alice@example.com"]
    assert alice.subject == "【CRM】2 条逾期提醒"
    assert alice.body == (
        "张爱丽,您好:\n\n"
        f"· 客户「{NAME}」应于 2026-10-09 跟进,已逾期 2 个工作日\n"
        f"· 待办「发送报价单」(客户「{NAME}」)完成时限 2026-10-09,已逾期 2 个工作日\n\n"
        "查看我的待办: https://crm.example.com/agenda/\n"
        "查看全部提醒: https://crm.example.com/notifications/\n"
    )
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 4

    tasks.run_day(TODAY)
    assert len(mail.outbox) == 2  # nothing new, nothing mailed again


def test_without_email_configured_nothing_is_mailed(
    personas: Personas, world: dict[str, Any], settings: Any
) -> None:
    settings.CRM_NOTIFY_EMAIL = False
    personas.alice.email = "alice@example.com"
    personas.alice.save()
    tasks.run_day(TODAY)
    assert mail.outbox == []
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 0


def test_an_unreachable_mail_server_does_not_stop_the_run(
    personas: Personas, world: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self: Any, messages: Any) -> int:
        raise ConnectionRefusedError("SMTP 服务器不可用")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    settings.CRM_NOTIFY_EMAIL = True
    personas.alice.email = "alice@example.com"
    personas.alice.save()

    _summary, alerts = tasks.run_day(TODAY)

    assert (alerts.tasks, alerts.emails) == (2, 0)
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 0  # retried later


# --- the 消息提醒 page -------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_shows_messages_newest_first_and_the_bell_counts_unread(
    personas: Personas, world: dict[str, Any]
) -> None:
    tasks.run_day(TODAY)
    html = client_for(personas.carol).get("/notifications/").content.decode()

    assert 'id="notifications-count">2<' in html
    body = html.split('id="notifications"')[1]
    assert body.count("data-unread") == 2
    assert EXPECTED[4][2] in body and EXPECTED[3][2] in body
    assert body.index(EXPECTED[4][2]) < body.index(EXPECTED[3][2])  # newest (highest id) first
    assert "系统未配置邮件发送,提醒只在这里显示。" in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_customer(
    personas: Personas, world: dict[str, Any]
) -> None:
    tasks.run_day(TODAY)
    mine = Notification.objects.get(recipient=personas.carol, kind="follow_up_escalated")
    client = client_for(personas.carol)

    response = client.post(f"/notifications/{mine.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{world['customer'].pk}/"
    mine.refresh_from_db()
    assert mine.read_at == at(TODAY, 10)
    assert 'id="notifications-count">1<' in client.get("/agenda/").content.decode()
    # someone else's notification is not there for alice, and a GET does nothing
    assert client_for(personas.alice).post(f"/notifications/{mine.pk}/open/").status_code == 404
    assert client.get(f"/notifications/{mine.pk}/open/").status_code == 405


def test_mark_all_read_touches_only_the_readers_own(
    personas: Personas, world: dict[str, Any]
) -> None:
    tasks.run_day(TODAY)
    response = client_for(personas.carol).post("/notifications/read-all/", follow=True)

    assert "已将 2 条提醒标为已读" in response.content.decode()
    assert 'id="notifications-count"' not in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 3  # alice's and bob's


def test_a_notification_about_a_customer_no_longer_visible_is_hidden(
    personas: Personas, world: dict[str, Any]
) -> None:
    services.notify_many(
        [
            services.Spec(
                personas.dave.pk, Kind.FOLLOW_UP_OVERDUE, "fu:x", world["customer"].pk, TODAY, 1
            )
        ]
    )
    html = client_for(personas.dave).get("/notifications/").content.decode()
    assert NAME not in html
    assert "还没有提醒" in html


def test_a_closed_to_do_shows_as_handled(personas: Personas, world: dict[str, Any]) -> None:
    tasks.run_day(TODAY)
    records.complete_task(actor(personas.alice), world["late"], "报价单已发送,客户确认收到")
    html = client_for(personas.bob).get("/notifications/").content.decode()
    assert html.count("data-resolved") == 1


def test_the_inbox_costs_the_same_queries_at_two_sizes(
    personas: Personas, world: dict[str, Any], customer_of: Any
) -> None:
    client = client_for(personas.carol)

    def queries() -> int:
        tasks.run_day(TODAY)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notifications/").status_code == 200
        return len(ctx)

    queries()  # warm the caches and the session
    small = queries()
    for i in range(4):
        other = customer_of(personas.alice, name=f"上海逾期{i}号科技有限公司")
        overdue_task(personas.alice, other, f"回访{i}", D(2026, 10, 9))
    assert queries() == small
    assert Notification.objects.filter(recipient=personas.carol).count() == 6


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_the_callers_notifications_and_marks_them_read(
    personas: Personas, world: dict[str, Any]
) -> None:
    tasks.run_day(TODAY)
    client = api_client(personas.carol)

    body = client.get("/api/v1/notifications/").json()
    assert [(r["kind"], r["message"], r["resolved"]) for r in body["results"]] == [
        ("task_escalated", EXPECTED[4][2], False),
        ("follow_up_escalated", EXPECTED[3][2], False),
    ]
    first = body["results"][0]
    assert first["customer"] == {"id": world["customer"].pk, "name": NAME}
    assert (first["due"], first["overdue_days"], first["read_at"]) == ("2026-10-09", 2, None)

    alices = Notification.objects.filter(recipient=personas.alice).values_list("pk", flat=True)
    others = client.post("/api/v1/notifications/read/", {"ids": list(alices)}, format="json")
    assert others.json() == {"marked": 0}
    one = client.post("/api/v1/notifications/read/", {"ids": [first["id"]]}, format="json")
    assert one.json() == {"marked": 1}
    unread = client.get("/api/v1/notifications/?unread=1").json()["results"]
    assert [r["kind"] for r in unread] == ["follow_up_escalated"]
    assert client.post("/api/v1/notifications/read/", {"all": True}, format="json").json() == {
        "marked": 1
    }


def test_the_api_refuses_an_empty_read_request(personas: Personas) -> None:
    response = api_client(personas.alice).post("/api/v1/notifications/read/", {}, format="json")
    assert response.status_code == 400
    assert "请提供要标为已读的提醒" in response.content.decode()
