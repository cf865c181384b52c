"""Record cards and to-dos in the web app: the filing dialog, the customer page's cards, the
to-do dialogs and 我的待办 (/agenda/). Time is frozen at 2026-03-02 10:00 Shanghai (conftest)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.audit.models import AuditEvent
from crm.core import testing
from crm.records import services
from crm.records.models import Record, Task

pytestmark = pytest.mark.django_db
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
TODAY = datetime.date(2026, 3, 2)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occurred_at": "2026-03-02T09:30",
        "kind": "sales",
        "channel": "visit",
        "purpose": "needs_discovery",
        "content": "1.客户反馈系统操作复杂,希望简化流程;2.询问新功能的上线时间",
        "feedback": "希望下月上线",
        "sentiment": "expectant",
        "next_contact_on": "2026-03-09",
        "next_channel": "phone",
        "next_focus": "确认报价",
        "task_description": ["", "", ""],
        "task_due": ["", "", ""],
        "task_owner": ["", "", ""],
    }
    data.update(overrides)
    return data


def file_url(customer: Any) -> str:
    return f"/customers/{customer.pk}/records/new/"


def make_task(user: Any, customer: Any, description: str, due: datetime.date) -> Task:
    task = services.create_task(
        testing.actor(user), customer=customer, description=description, due=TODAY
    )
    Task.objects.filter(pk=task.pk).update(due=due)  # overdue ones cannot be created
    task.refresh_from_db()
    return task


# --- filing a card --------------------------------------------------------------------------


def test_filing_a_card_with_a_todo_refreshes_the_cards_the_timeline_and_the_messages(
    personas: testing.Personas, customer: Any
) -> None:
    contact = customer.contacts.get()
    data = card_post(
        contacts=[contact.pk],
        task_description=["提供报价单", "", ""],
        task_due=["2026-03-05", "", ""],
        task_owner=[str(personas.bob.pk), "", ""],
    )

    response = client_for(personas.alice).post(file_url(customer), data, **HX)

    html = response.content.decode()
    record = Record.objects.get()
    task = Task.objects.get()
    assert response.status_code == 200
    assert (record.channel, record.purpose, record.sentiment) == (
        "visit",
        "needs_discovery",
        "expectant",
    )
    assert record.occurred_at == datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    assert [c.name for c in record.contacts.all()] == ["单田芳"]
    assert record.next_contact_on == datetime.date(2026, 3, 9)
    assert (task.description, task.due, task.owner, task.record) == (
        "提供报价单",
        datetime.date(2026, 3, 5),
        personas.bob,
        record,
    )
    assert 'id="records-card" hx-swap-oob="true"' in html
    assert 'id="tasks-card" hx-swap-oob="true"' in html
    assert 'id="timeline" hx-swap-oob="true"' in html
    assert "已填写维护记录,并添加 1 项待办" in html
    assert 'id="crm-dialog-title"' not in html  # the dialog closes


def test_empty_todo_rows_are_ignored(personas: testing.Personas, customer: Any) -> None:
    data = card_post(
        task_description=["", "回访使用情况", "", "  "],
        task_due=["", "2026-03-10", "", ""],
        task_owner=["", "", "", ""],
    )

    client_for(personas.alice).post(file_url(customer), data, **HX)

    assert list(Task.objects.values_list("description", "owner")) == [
        ("回访使用情况", personas.alice.pk)
    ]


def test_a_refused_card_keeps_everything_typed_including_the_todo_rows(
    personas: testing.Personas, customer: Any
) -> None:
    data = card_post(
        content="正常沟通",
        task_description=["提供报价单", "", "", "第四行待办"],
        task_due=["2026-03-05", "", "", "2026-03-20"],
        task_owner=[str(personas.bob.pk), "", "", ""],
    )

    response = client_for(personas.alice).post(file_url(customer), data, **HX)

    html = response.content.decode()
    assert Record.objects.count() == 0
    assert "不要只写「正常沟通」「无」之类的笼统表述" in html
    assert ">正常沟通</textarea>" in html
    assert 'value="提供报价单"' in html and 'value="2026-03-05"' in html
    assert 'value="第四行待办"' in html and 'value="2026-03-20"' in html
    assert f'<option value="{personas.bob.pk}" selected>' in html
    assert 'value="确认报价"' in html and 'value="2026-03-02T09:30"' in html


def test_a_todo_row_without_a_due_date_is_marked_and_nothing_is_filed(
    personas: testing.Personas, customer: Any
) -> None:
    data = card_post(task_description=["提供报价单", "", ""])

    response = client_for(personas.alice).post(file_url(customer), data, **HX)

    assert Record.objects.count() == 0
    assert "请填写有效的完成时限" in response.content.decode()


def test_a_missing_core_content_is_asked_for_in_chinese(
    personas: testing.Personas, customer: Any
) -> None:
    response = client_for(personas.alice).post(file_url(customer), card_post(content=""), **HX)

    assert "请填写沟通核心内容" in response.content.decode()
    assert Record.objects.count() == 0


def test_the_dialog_starts_at_now_with_three_todo_rows_and_focus_on_the_content(
    personas: testing.Personas, customer: Any
) -> None:
    html = client_for(personas.alice).get(file_url(customer), **HX).content.decode()

    assert 'value="2026-03-02T10:00"' in html
    assert html.count('name="task_description"') == 4  # three rows and the <template>'s
    assert 'id="id_content" rows="4" autofocus' in html
    assert "data-ctrl-enter" in html


def test_a_card_filed_more_than_24_hours_late_is_marked_on_the_card(
    personas: testing.Personas, customer: Any
) -> None:
    client = client_for(personas.alice)
    client.post(file_url(customer), card_post(occurred_at="2026-02-27T09:00"), **HX)

    html = client.get(f"/customers/{customer.pk}/").content.decode()

    assert Record.objects.get().is_late is True
    assert "补录/逾期填写" in html
    assert "data-late" in html


def test_a_voided_card_is_struck_through_with_its_reason(
    personas: testing.Personas, customer: Any, card_fields: dict[str, Any]
) -> None:
    record = services.file_record(testing.actor(personas.alice), customer=customer, **card_fields)
    services.void_record(testing.actor(personas.alice), record, "客户名称填错")

    html = client_for(personas.alice).get(f"/customers/{customer.pk}/").content.decode()

    assert "<del>1.客户反馈系统操作复杂" in html
    assert "作废原因:客户名称填错" in html


def test_the_records_card_shows_ten_newest_then_loads_more(
    personas: testing.Personas, customer: Any, card_fields: dict[str, Any]
) -> None:
    for hour in range(12):
        at = datetime.datetime(2026, 3, 1, hour, 0, tzinfo=datetime.UTC)
        fields = {**card_fields, "occurred_at": at, "content": f"第{hour}次沟通:确认需求细节"}
        services.file_record(testing.actor(personas.alice), customer=customer, **fields)
    client = client_for(personas.alice)

    whole = client.get(f"/customers/{customer.pk}/").content.decode()
    page = whole.split('id="records-card"')[1].split('id="timeline"')[0]
    more = page.split('id="records-more"')[1].split('hx-get="')[1].split('"')[0]
    rest = client.get(more.replace("&amp;", "&"), **HX).content.decode()

    assert page.count("data-record ") + page.count("data-record>") == 10
    assert page.index("第11次沟通") < page.index("第2次沟通")
    assert "第1次沟通" not in page
    assert "第1次沟通" in rest and "第0次沟通" in rest and "第2次沟通" not in rest
    assert "records-more" not in rest


# --- to-dos ---------------------------------------------------------------------------------


def test_the_todos_card_lists_open_todos_with_overdue_ones_in_red(
    personas: testing.Personas, customer: Any
) -> None:
    make_task(personas.alice, customer, "补发合同扫描件", datetime.date(2026, 2, 27))
    make_task(personas.alice, customer, "提供报价单", datetime.date(2026, 3, 6))

    html = client_for(personas.alice).get(f"/customers/{customer.pk}/").content.decode()
    card = html.split('id="tasks-card"')[1].split('id="records-card"')[0]

    assert card.index("补发合同扫描件") < card.index("提供报价单")
    assert card.count("data-overdue") == 1
    assert "text-danger" in card.split("提供报价单")[0]
    assert "已逾期" in card


def test_completing_a_todo_requires_a_real_result(
    personas: testing.Personas, customer: Any
) -> None:
    task = make_task(personas.alice, customer, "提供报价单", datetime.date(2026, 3, 6))
    client = client_for(personas.alice)
    url = f"/tasks/{task.pk}/complete/"

    blank = client.post(url, {"result": ""}, **HX).content.decode()
    vague = client.post(url, {"result": "已完成"}, **HX).content.decode()
    done = client.post(url, {"result": "已提供报价单,客户已确认"}, **HX).content.decode()

    task.refresh_from_db()
    assert "请写明处理结果(事事有回应)" in blank
    assert "不能只写「已完成」「无」" in vague and ">已完成</textarea>" in vague
    assert (task.status, task.result) == ("done", "已提供报价单,客户已确认")
    assert "已完成待办“提供报价单”" in done
    assert 'id="tasks-card" hx-swap-oob="true"' in done


def test_cancelling_a_todo_needs_a_reason(personas: testing.Personas, customer: Any) -> None:
    task = make_task(personas.alice, customer, "提供报价单", datetime.date(2026, 3, 6))
    client = client_for(personas.alice)
    url = f"/tasks/{task.pk}/cancel/"

    refused = client.post(url, {"reason": ""}, **HX).content.decode()
    client.post(url, {"reason": "客户改为下季度采购"}, **HX)

    task.refresh_from_db()
    assert "请填写取消原因" in refused
    assert (task.status, task.cancel_reason) == ("cancelled", "客户改为下季度采购")


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("erin", 200), ("admin", 200)],
)
def test_task_dialogs_answer_each_persona(
    personas: testing.Personas, customer: Any, persona: str, expected: int
) -> None:
    task = make_task(personas.alice, customer, "提供报价单", datetime.date(2026, 3, 6))
    client = client_for(getattr(personas, persona))

    complete = client.get(f"/tasks/{task.pk}/complete/")
    cancel = client.get(f"/tasks/{task.pk}/cancel/")

    erin_refused = 403 if persona == "erin" else expected
    assert (complete.status_code, cancel.status_code) == (erin_refused, erin_refused)


def test_service_staff_file_service_cards_only(personas: testing.Personas, customer: Any) -> None:
    client = client_for(personas.erin)

    dialog = client.get(file_url(customer), **HX).content.decode()
    sales = client.post(file_url(customer), card_post(kind="sales"), **HX).content.decode()
    client.post(file_url(customer), card_post(kind="service"), **HX)

    assert '<option value="service"' in dialog and '<option value="sales"' not in dialog
    assert "选择一个有效的选项" in sales
    assert list(Record.objects.values_list("kind", flat=True)) == ["service"]


def test_service_staff_do_not_see_sales_cards(
    personas: testing.Personas, customer: Any, card_fields: dict[str, Any]
) -> None:
    sales = {**card_fields, "content": "销售内部:报价底线八折"}
    services.file_record(testing.actor(personas.alice), customer=customer, **sales)
    service = {**card_fields, "kind": "service", "content": "客服:协助重置管理员密码"}
    services.file_record(testing.actor(personas.erin), customer=customer, **service)

    html = client_for(personas.erin).get(f"/customers/{customer.pk}/").content.decode()
    records = html.split('id="records-card"')[1].split('id="timeline"')[0]

    assert "客服:协助重置管理员密码" in records
    assert "报价底线八折" not in records


# --- 我的待办 ---------------------------------------------------------------------------------


@pytest.fixture
def agenda_world(
    personas: testing.Personas, customer: Any, customer_of: Any, card_fields: dict[str, Any]
) -> Any:
    make_task(personas.alice, customer, "今天到期的待办", TODAY)
    make_task(personas.alice, customer, "逾期的待办", datetime.date(2026, 2, 25))
    make_task(personas.alice, customer, "下周的待办", datetime.date(2026, 3, 8))
    make_task(personas.alice, customer, "一个月后的待办", datetime.date(2026, 4, 2))
    bobs = customer_of(personas.bob, name="苏州白波客户有限公司")
    make_task(personas.bob, bobs, "白波的待办", TODAY)
    late = {**card_fields, "occurred_at": datetime.datetime(2026, 2, 26, 2, tzinfo=datetime.UTC)}
    services.file_record(testing.actor(personas.alice), customer=customer, **late)
    return personas


def test_agenda_sections_follow_ups_todos_then_late_cards(agenda_world: Any) -> None:
    html = client_for(agenda_world.alice).get("/agenda/").content.decode()

    due = html.split('id="agenda-due"')[1].split('id="agenda-upcoming"')[0]
    upcoming = html.split('id="agenda-upcoming"')[1].split('id="agenda-late"')[0]
    late = html.split('id="agenda-late"')[1]
    assert due.index("逾期的待办") < due.index("今天到期的待办")
    assert "下周的待办" in upcoming and "今天到期的待办" not in upcoming
    assert "一个月后的待办" not in html and "白波的待办" not in html
    assert "补录/逾期填写" in late
    sections = ["follow-ups", "overdue", "due", "upcoming", "late"]  # the order
    places = [html.index(f'id="agenda-{name}"') for name in sections]
    assert places == sorted(places)
    assert "?origin=agenda" in due  # complete and file a card from the row


def test_a_manager_switches_to_a_team_member_and_sees_counts(agenda_world: Any) -> None:
    client = client_for(agenda_world.carol)

    html = client.get(f"/agenda/?user={agenda_world.alice.pk}").content.decode()
    alice_row = html.split(f'data-member="{agenda_world.alice.pk}"')[1].split("</tr>")[0]

    assert "张爱丽 的待办" in html
    assert "今天到期的待办" in html and "白波的待办" not in html
    assert 'data-count="due">2<' in alice_row and 'data-count="upcoming">1<' in alice_row
    assert f'data-member="{agenda_world.dave.pk}"' not in html
    assert client.get(f"/agenda/?user={agenda_world.dave.pk}").status_code == 404


def test_sales_cannot_open_a_teammates_agenda_but_an_admin_can(agenda_world: Any) -> None:
    alice = client_for(agenda_world.alice).get(f"/agenda/?user={agenda_world.bob.pk}")
    admin = client_for(agenda_world.admin).get(f"/agenda/?user={agenda_world.dave.pk}")

    assert alice.status_code == 404
    assert admin.status_code == 200


def test_completing_from_the_agenda_refreshes_the_agenda(agenda_world: Any) -> None:
    task = Task.objects.get(description="今天到期的待办")

    html = (
        client_for(agenda_world.alice)
        .post(f"/tasks/{task.pk}/complete/?origin=agenda", {"result": "已电话确认交付时间"}, **HX)
        .content.decode()
    )

    assert 'id="agenda" hx-swap-oob="true"' in html
    assert "今天到期的待办" not in html.split("messages")[0]
    assert 'id="timeline"' not in html


# --- query counts ---------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(
    personas: testing.Personas, customer_of: Any, numbers: range, fields: dict[str, Any]
) -> None:
    for i in numbers:
        other = customer_of(personas.alice, name=f"杭州增长{i}号科技有限公司")
        make_task(personas.alice, other, f"待办{i}", TODAY)
        make_task(personas.alice, other, f"下周待办{i}", datetime.date(2026, 3, 6))
        late = {**fields, "occurred_at": datetime.datetime(2026, 2, 26, 2, tzinfo=datetime.UTC)}
        services.file_record(testing.actor(personas.alice), customer=other, **late)


# Relative budgets: the 服务时限 section adds six fixed queries (crm.discipline.sla), counted
# exactly, with clocks at two sizes, in crm/discipline/tests/test_sla.py (AGENDA_API_QUERIES).
@pytest.mark.parametrize("persona", ["alice", "carol"])
def test_agenda_query_count_does_not_grow_with_rows(
    personas: testing.Personas, customer_of: Any, card_fields: dict[str, Any], persona: str
) -> None:
    client = client_for(getattr(personas, persona))
    _grow(personas, customer_of, range(1), card_fields)
    _queries(client, f"/agenda/?user={personas.alice.pk}")  # warm the caches
    small = _queries(client, f"/agenda/?user={personas.alice.pk}")
    _grow(personas, customer_of, range(1, 6), card_fields)
    large = _queries(client, f"/agenda/?user={personas.alice.pk}")

    assert small == large


def test_customer_page_query_count_does_not_grow_with_cards_and_todos(
    personas: testing.Personas, customer: Any, card_fields: dict[str, Any]
) -> None:
    client = client_for(personas.alice)
    contact = customer.contacts.get()
    services.file_record(
        testing.actor(personas.alice), customer=customer, contacts=[contact], **card_fields
    )
    make_task(personas.alice, customer, "待办", TODAY)
    _queries(client, f"/customers/{customer.pk}/")  # warm the caches
    small = _queries(client, f"/customers/{customer.pk}/")
    for i in range(6):
        fields = {**card_fields, "content": f"第{i}次:确认需求细节"}
        services.file_record(
            testing.actor(personas.alice), customer=customer, contacts=[contact], **fields
        )
        make_task(personas.alice, customer, f"待办{i}", TODAY)
    large = _queries(client, f"/customers/{customer.pk}/")

    assert small == large


def test_the_customer_page_shows_ten_to_dos_and_loads_the_rest(
    personas: testing.Personas, customer: Any
) -> None:
    for day in range(12):
        make_task(personas.alice, customer, f"待办{day:02d}", TODAY + datetime.timedelta(days=day))
    client = client_for(personas.alice)

    html = client.get(f"/customers/{customer.pk}/").content.decode()
    card = html.split('id="tasks-card"')[1].split('id="records-card"')[0]
    assert card.count("data-task ") + card.count("data-task>") == 10
    assert 'data-count="tasks">12<' in card
    assert "显示全部 12 项待办" in card and "待办09" in card and "待办10" not in card

    every = client.get(f"/customers/{customer.pk}/tasks/", **HX).content.decode()
    assert every.count('id="task-') == 12 and "待办11" in every
    assert "显示全部" not in every


# --- correcting and voiding a card -------------------------------------------------------------


@pytest.fixture
def filed(personas: testing.Personas, customer: Any, card_fields: dict[str, Any]) -> Record:
    return services.file_record(testing.actor(personas.alice), customer=customer, **card_fields)


def edit_post(record: Record, **changes: Any) -> dict[str, Any]:
    """The edit dialog's form as it opens (the card's values), with `changes` typed in."""
    data: dict[str, Any] = {
        "occurred_at": "2026-03-02T08:00",  # card_fields: 2 h before 10:00 Shanghai
        "kind": record.kind,
        "channel": record.channel,
        "purpose": record.purpose,
        "content": record.content,
        "feedback": record.feedback,
        "sentiment": record.sentiment,
        "next_contact_on": record.next_contact_on or "",
        "next_channel": record.next_channel,
        "next_focus": record.next_focus,
        "contacts": [str(c.pk) for c in record.contacts.all()],
        "version": str(record.version),
        "reason": "",
    }
    data.update(changes)
    return data


def test_the_maintainer_corrects_a_card_and_the_change_is_audited(
    personas: testing.Personas, filed: Record
) -> None:
    client = client_for(personas.alice)
    page = client.get(f"/customers/{filed.customer_id}/").content.decode()
    assert f'id="edit-record-{filed.pk}"' in page and f'id="void-record-{filed.pk}"' in page

    dialog = client.get(f"/records/{filed.pk}/edit/", **HX).content.decode()
    assert "修改维护记录" in dialog and 'name="version" value="1"' in dialog
    assert 'value="2026-03-02T08:00"' in dialog  # 10:00 filed, 2 h before, in Shanghai time
    assert "待办事项(选填" not in dialog  # to-dos are not re-filed from here

    content = "1.客户确认扩容 20 个账号;2.下周三前提供培训方案"
    html = client.post(
        f"/records/{filed.pk}/edit/", edit_post(filed, content=content, reason="补充要点"), **HX
    ).content.decode()

    assert "已修改维护记录" in html and content in html
    filed.refresh_from_db()
    assert (filed.content, filed.version) == (content, 2)
    event = AuditEvent.objects.get(action="record.update")
    assert event.reason == "补充要点" and sorted(event.changes) == ["content"]


def test_a_stale_correction_keeps_what_was_typed_then_saves(
    personas: testing.Personas, filed: Record
) -> None:
    services.update_record(
        testing.actor(personas.carol), filed, expected_version=1, feedback="经理补充:预算已批"
    )
    client = client_for(personas.alice)
    mine = "1.客户确认扩容 20 个账号;2.希望本月完成培训"

    refused = client.post(f"/records/{filed.pk}/edit/", edit_post(filed, content=mine), **HX)
    html = refused.content.decode()
    assert "这条维护记录刚被他人修改过" in html
    assert mine in html and 'name="version" value="2"' in html
    assert Record.objects.get(pk=filed.pk).content != mine

    again = client.post(
        f"/records/{filed.pk}/edit/", edit_post(filed, content=mine, version="2"), **HX
    )
    assert "已修改维护记录" in again.content.decode()
    assert Record.objects.get(pk=filed.pk).content == mine


def test_voiding_needs_a_reason_and_keeps_the_card(
    personas: testing.Personas, filed: Record
) -> None:
    client = client_for(personas.alice)
    refused = client.post(f"/records/{filed.pk}/void/", {"reason": " "}, **HX).content.decode()
    assert "请填写作废原因" in refused
    assert not Record.objects.get(pk=filed.pk).voided

    html = client.post(f"/records/{filed.pk}/void/", {"reason": "填错客户"}, **HX).content.decode()
    assert "已作废维护记录" in html
    record = Record.objects.get(pk=filed.pk)
    assert (record.voided, record.void_reason) == (True, "填错客户")
    page = client.get(f"/customers/{filed.customer_id}/").content.decode()
    assert "填错客户" in page and f'id="edit-record-{filed.pk}"' not in page
    assert client.get(f"/records/{filed.pk}/edit/", **HX).status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("erin", 404), ("admin", 200)],
)
def test_who_may_correct_or_void_a_card(
    personas: testing.Personas, filed: Record, persona: str, status: int
) -> None:
    client = client_for(getattr(personas, persona))
    for url in (f"/records/{filed.pk}/edit/", f"/records/{filed.pk}/void/"):
        assert client.get(url, **HX).status_code == status
    assert client.post(f"/records/{filed.pk}/void/", {"reason": "测试"}, **HX).status_code == (
        200 if status == 200 else status
    )


def test_a_correction_without_its_version_is_refused_once_not_saved_blind(
    personas: testing.Personas, filed: Record
) -> None:
    mine = "1.客户确认扩容 20 个账号;2.下周三前提供培训方案"
    data = edit_post(filed, content=mine)
    del data["version"]
    html = client_for(personas.alice).post(f"/records/{filed.pk}/edit/", data, **HX)
    assert "这条维护记录刚被他人修改过" in html.content.decode()
    assert 'name="version" value="1"' in html.content.decode() and mine in html.content.decode()
    assert Record.objects.get(pk=filed.pk).content != mine
