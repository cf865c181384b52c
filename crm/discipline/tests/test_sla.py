"""The SLA clocks of both apps in one read (crm.discipline.sla): on the customer page's 服务时限
card and on 我的待办 (web and API), with exact due dates across National Day 2026.

Time is frozen at Mon 2026-10-12 10:00 in Shanghai: the first Monday after the holiday
(Thu 1 - Wed 7 Oct off, Sat 10 Oct a make-up working day).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.aftersales import services as aftersales
from crm.core.testing import Personas, actor, api_client
from crm.customers.models import Customer
from crm.discipline import sla
from crm.pipeline import services as pipeline
from crm.pipeline.models import Opportunity
from crm.workdays import sla as rules
from crm.workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db
D = datetime.date
TZ = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 10, 12, 10, 0, tzinfo=TZ)
TODAY = D(2026, 10, 12)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def opportunity(user: Any, customer: Customer, name: str, confirmed: D) -> Opportunity:
    return pipeline.create_opportunity(
        actor(user),
        customer=customer,
        name=name,
        amount=Decimal(300000),
        expected_close_on=D(2026, 12, 31),
        needs_confirmed_on=confirmed,
    )


def contract(user: Any, customer: Customer, number: str, signed: D) -> Any:
    return pipeline.create_contract(
        actor(user), customer=customer, number=number, amount=Decimal(1), signed_on=signed
    )


def delivery(user: Any, customer: Customer, title: str, **dates: Any) -> Any:
    return aftersales.create_delivery(actor(user), customer=customer, title=title, **dates)


@pytest.fixture
def book(personas: Personas, customer_of: Any) -> Customer:
    """One clock of every kind on alice's customer, as of Mon 12 Oct 2026."""
    a = personas.alice
    customer: Customer = customer_of(a, name="深圳市腾飞科技有限公司")
    opportunity(a, customer, "运维托管项目", D(2026, 9, 30))  # due Sat 10 Oct: breached
    later = opportunity(a, customer, "二期扩容", D(2026, 10, 9))  # due Tue 13 Oct
    pipeline.raise_objection(
        actor(a), later, content="报价偏高", raised_at=NOW - datetime.timedelta(hours=2)
    )  # due 13 Oct 08:00
    pipeline.raise_objection(
        actor(a), later, content="交付周期过长", raised_at=NOW - datetime.timedelta(hours=30)
    )  # due 12 Oct 04:00: breached
    contract(a, customer, "HT-2026-001", D(2026, 10, 9))  # handover due Sat 10 Oct: breached
    contract(a, customer, "HT-2026-002", D(2026, 10, 10))  # handover due Mon 12 Oct
    delivery(a, customer, "逾期未验收", delivered_on=D(2026, 9, 30))  # due Sat 10 Oct
    delivery(a, customer, "今日到期", delivered_on=D(2026, 10, 8))  # due 12 Oct
    # accepted late (due Fri 9 Oct); its survey is due Wed 21 Oct
    delivery(a, customer, "超时验收", delivered_on=D(2026, 9, 29), accepted_on=TODAY)
    aftersales.record_feedback(
        actor(a),
        customer=customer,
        kind="suggestion",
        category="product",
        content="希望增加移动端审批",
        received_on=D(2026, 9, 1),
    )  # plan due Mon 21 Sep: breached
    return customer


def rows(found: list[Any]) -> list[tuple[str, str, str, str]]:
    return [(r.code, r.subject, r.due.isoformat(), r.status) for r in found]


# --- the calendar -----------------------------------------------------------------------------


def test_due_dates_skip_national_day_and_count_the_make_up_saturday() -> None:
    assert add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)  # 8, 9, Sat 10 Oct
    assert rules.due_on(rules.SOLUTION, D(2026, 9, 30)) == D(2026, 10, 10)
    assert rules.due_on(rules.HANDOVER, D(2026, 10, 10)) == D(2026, 10, 12)
    assert rules.due_on(rules.SURVEY, TODAY) == D(2026, 10, 21)


# --- the reader -------------------------------------------------------------------------------


def test_the_customer_shows_both_apps_clocks_soonest_due_first(
    personas: Personas, book: Customer
) -> None:
    found = sla.customer_clocks(personas.alice, book, TODAY)
    assert rows(found) == [
        ("improvement", "改进建议(2026-09-01)", "2026-09-21", "breached"),
        ("acceptance", "超时验收", "2026-10-09", "breached"),
        ("solution", "运维托管项目", "2026-10-10", "breached"),
        ("handover", "合同 HT-2026-001", "2026-10-10", "breached"),
        ("acceptance", "逾期未验收", "2026-10-10", "breached"),
        ("objection", "二期扩容:交付周期过长", "2026-10-12", "breached"),
        ("handover", "合同 HT-2026-002", "2026-10-12", "due_today"),
        ("acceptance", "今日到期", "2026-10-12", "due_today"),
        ("solution", "二期扩容", "2026-10-13", "open"),
        ("objection", "二期扩容:报价偏高", "2026-10-13", "open"),
        ("survey", "超时验收", "2026-10-21", "open"),
    ]
    assert found[1].done_on == TODAY  # answered late, still shown as a breach
    assert [r.label for r in found[:3]] == ["优化方案", "验收确认", "方案提交"]
    assert {r.customer_name for r in found} == {"深圳市腾飞科技有限公司"}


def test_the_owner_sees_open_clocks_overdue_first_and_their_breaches(
    personas: Personas, book: Customer
) -> None:
    found = sla.owner_summary(personas.carol, personas.alice, TODAY, limit=4)
    assert [(r.code, r.due.isoformat(), r.breached) for r in found.rows] == [
        ("improvement", "2026-09-21", True),
        ("solution", "2026-10-10", True),
        ("handover", "2026-10-10", True),
        ("acceptance", "2026-10-10", True),
    ]
    assert found.total == 10  # the late-answered acceptance is done: not on the agenda
    assert found.breaches == {
        "solution": 1,
        "objection": 1,
        "handover": 1,
        "acceptance": 1,
        "survey": 0,
        "improvement": 1,
        "total": 5,
    }
    assert len(sla.owner_clocks(personas.alice, personas.alice, TODAY)) == 10
    assert sla.owner_clocks(personas.bob, personas.bob, TODAY) == []


def test_breach_counts_merge_both_apps(personas: Personas, book: Customer) -> None:
    expected = {
        "solution": 1,
        "objection": 1,
        "handover": 1,
        "acceptance": 2,  # open past due, and answered late
        "survey": 0,
        "improvement": 1,
        "total": 6,
    }
    assert sla.breach_counts(personas.alice, TODAY, customer=book) == expected
    assert sla.breach_counts(personas.carol, TODAY, owner=personas.alice) == expected
    with pytest.raises(TypeError):
        sla.breach_counts(personas.alice, TODAY)


def test_answering_a_clock_takes_it_off(personas: Personas, book: Customer) -> None:
    late = Opportunity.objects.get(name="运维托管项目")
    pipeline.update_opportunity(actor(personas.alice), late, solution_submitted_on=TODAY)
    codes = [(r.code, r.subject) for r in sla.owner_clocks(personas.alice, personas.alice, TODAY)]
    assert ("solution", "运维托管项目") not in codes
    assert ("solution", "二期扩容") in codes


# --- visibility -------------------------------------------------------------------------------


def test_another_teams_customer_shows_no_clocks(personas: Personas, book: Customer) -> None:
    assert sla.customer_clocks(personas.dave, book, TODAY) == []
    assert sla.owner_clocks(personas.dave, personas.alice, TODAY) == []
    assert sla.breach_counts(personas.dave, TODAY, customer=book)["total"] == 0


def test_an_opportunity_on_a_customer_the_owner_cannot_see_is_not_listed(
    personas: Personas, customer_of: Any
) -> None:
    """The opportunity is alice's, its customer another team's (dave's): not on her agenda."""
    daves = customer_of(personas.dave, name="广州外队客户有限公司")
    opp = opportunity(personas.dave, daves, "外队商机", D(2026, 9, 30))
    Opportunity.objects.filter(pk=opp.pk).update(owner=personas.alice)
    assert sla.owner_clocks(personas.alice, personas.alice, TODAY) == []
    assert sla.breach_counts(personas.alice, TODAY, owner=personas.alice)["total"] == 0
    admin = sla.owner_clocks(personas.admin, personas.alice, TODAY)
    assert [(r.code, r.customer_name) for r in admin] == [("solution", "广州外队客户有限公司")]


# --- query counts -----------------------------------------------------------------------------


def grow(personas: Personas, customer: Customer, size: int) -> None:
    a = personas.alice
    for i in range(size):
        opp = opportunity(a, customer, f"商机{i}", D(2026, 10, 9))
        pipeline.raise_objection(actor(a), opp, content=f"异议{i}")
        contract(a, customer, f"HT-G-{size}-{i}", D(2026, 10, 9))
        delivery(a, customer, f"交付{i}", delivered_on=D(2026, 9, 30))
        aftersales.record_feedback(
            actor(a), customer=customer, kind="suggestion", category="product", content=f"建议{i}"
        )


@pytest.mark.parametrize("size", [1, 4])
def test_the_agenda_summary_counts_in_the_database_what_the_rows_say(
    personas: Personas, customer_of: Any, size: int
) -> None:
    # the agenda reads the soonest `limit` clocks of each kind and counts the rest in the
    # database: the counts must be those of the whole list, the rows its head
    customer = customer_of(personas.alice)
    grow(personas, customer, size)
    every = sla.owner_summary(personas.alice, personas.alice, TODAY, limit=1000)
    head = sla.owner_summary(personas.alice, personas.alice, TODAY, limit=2)
    assert every.total == len(every.rows) == 5 * size
    assert every.breaches == sla.count_breaches(every.rows)
    assert every.breaches["total"] > 0
    assert (head.total, head.breaches, head.rows) == (every.total, every.breaches, every.rows[:2])


@pytest.mark.parametrize("size", [1, 4])
def test_each_read_costs_six_queries_whatever_the_data(
    personas: Personas, customer_of: Any, django_assert_num_queries: Any, size: int
) -> None:
    customer = customer_of(personas.alice)
    grow(personas, customer, size)
    with django_assert_num_queries(6):
        assert len(sla.customer_clocks(personas.alice, customer, TODAY)) == 5 * size
    with django_assert_num_queries(9):  # and three counts of the step-4 clocks
        assert sla.owner_summary(personas.alice, personas.alice, TODAY).total == 5 * size
    with django_assert_num_queries(6):
        assert sla.breach_counts(personas.alice, TODAY, customer=customer)["total"] == 2 * size


# --- the customer page ------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card(client: Client, customer: Customer) -> str:
    """The 服务时限 card as the customer page loads it: the page holds the shell only."""
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    shell = page[page.index('id="sla-card"') : page.index('id="opportunities-card"')]
    assert f'hx-get="/customers/{customer.pk}/clocks/" hx-trigger="load"' in shell
    assert "<table" not in shell
    return client.get(f"/customers/{customer.pk}/clocks/").content.decode()


def test_the_customer_page_shows_the_card_with_due_dates_and_breaches(
    personas: Personas, book: Customer
) -> None:
    html = card(signed_in(personas.alice), book)
    assert "服务时限" in html
    assert 'data-count="breaches">已超期 6</span>' in html
    assert html.count("<tr data-clock=") == 11
    assert html.count('data-breached class="table-danger"') == 6
    solution = html[html.index("运维托管项目") :]
    assert solution.index("2026-10-10 星期六") < solution.index(
        '<span class="badge bg-red text-red-fg" data-status="breached">已超期</span>'
    )
    assert "2026-10-13 星期二" in html and ">进行中</span>" in html and ">今日到期</span>" in html
    assert "2026-10-12 完成" in html  # the acceptance answered late


def test_a_customer_without_clocks_gets_a_hint(personas: Personas, customer_of: Any) -> None:
    customer = customer_of(personas.alice)
    html = card(signed_in(personas.alice), customer)
    assert 'id="sla-empty"' in html
    assert "<table" not in html


def test_the_card_needs_sight_of_the_customer(personas: Personas, book: Customer) -> None:
    assert signed_in(personas.dave).get(f"/customers/{book.pk}/clocks/").status_code == 404
    assert signed_in(personas.erin).get(f"/customers/{book.pk}/clocks/").status_code == 200


# --- the agenda -------------------------------------------------------------------------------


def test_the_agenda_page_lists_the_clocks_with_customer_links(
    personas: Personas, book: Customer
) -> None:
    html = signed_in(personas.alice).get("/agenda/").content.decode()
    section = html[html.index('id="agenda-clocks"') : html.index('id="agenda-upcoming"')]
    assert 'data-count="clocks">10</span>' in section
    assert 'data-count="breaches">已超期 5</span>' in section
    assert section.count('<li class="list-group-item d-flex') == 10
    assert section.count("data-breached") == 5
    assert f'href="/customers/{book.pk}/"' in section
    first = section.index("data-clock=")
    assert section[first:].startswith('data-clock="improvement" data-breached')


def test_the_agenda_api_lists_clocks_and_breaches(personas: Personas, book: Customer) -> None:
    body = api_client(personas.alice).get("/api/v1/agenda/").json()
    assert body["counts"]["clocks"] == 10
    assert body["breaches"]["total"] == 5
    assert body["clocks"][1] == {
        "code": "solution",
        "label": "方案提交",
        "subject": "运维托管项目",
        "customer": {"id": book.pk, "name": "深圳市腾飞科技有限公司"},
        "due": "2026-10-10",
        "status": "breached",
        "breached": True,
    }
    assert [c["status"] for c in body["clocks"]][-1] == "open"
    other = api_client(personas.dave).get("/api/v1/agenda/").json()
    assert (other["clocks"], other["breaches"]["total"]) == ([], 0)


# GET /api/v1/agenda/ (a forced-auth client): follow-ups 3 (counts, today's, overdue), to-dos 4
# (counts and three lists), late cards 2, and the 服务时限 section 9 (crm.discipline.sla: one
# query per table a clock lives on, and the counts of the three step-4 ones), 9 + 9.
AGENDA_API_QUERIES = 18


def test_the_agenda_api_costs_the_same_queries_at_two_sizes(
    personas: Personas, customer_of: Any
) -> None:
    customer = customer_of(personas.alice)
    client = api_client(personas.alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/agenda/").status_code == 200
        return len(ctx)

    grow(personas, customer, 1)
    small = queries()
    grow(personas, customer, 4)
    assert (small, queries()) == (AGENDA_API_QUERIES, AGENDA_API_QUERIES)


def test_the_agenda_page_costs_the_same_queries_at_two_sizes(
    personas: Personas, customer_of: Any
) -> None:
    customer = customer_of(personas.alice)
    client = signed_in(personas.alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/agenda/").status_code == 200
        return len(ctx)

    grow(personas, customer, 1)
    queries()  # warm the caches
    small = queries()
    grow(personas, customer, 4)
    assert queries() == small


# --- the team view ------------------------------------------------------------------------------


@pytest.mark.parametrize("clock", [rules.SOLUTION, rules.HANDOVER])
def test_the_breach_cutoff_agrees_with_the_due_date_across_the_holiday(clock: Any) -> None:
    for today in (D(2026, 9, 25) + datetime.timedelta(days=i) for i in range(25)):
        cutoff = sla.started_before_breach(clock, today)
        for start in (D(2026, 9, 15) + datetime.timedelta(days=i) for i in range(35)):
            due = rules.due_on(clock, start)
            assert (due < today) == (start < cutoff), (clock.code, today, start, due)


def test_the_team_table_counts_each_members_breached_clocks_as_their_agenda_does(
    personas: Personas, book: Customer, customer_of: Any, django_assert_num_queries: Any
) -> None:
    b = personas.bob
    theirs: Customer = customer_of(b, name="杭州西湖文旅集团有限公司")
    opportunity(b, theirs, "文旅大屏", D(2026, 9, 28))  # due Thu 8 Oct: breached
    delivery(b, theirs, "未验收", delivered_on=D(2026, 10, 9))  # due Wed 14 Oct: open
    members = [personas.alice, personas.bob, personas.carol]
    add_workdays(TODAY, -1)  # the calendar's overrides, read once per process

    with django_assert_num_queries(8):  # the manager's teams, then one COUNT per clock table
        counts = sla.member_breaches(personas.carol, members, TODAY, NOW)

    expected = {
        m.pk: sla.owner_summary(personas.carol, m, TODAY).breaches["total"] for m in members
    }
    assert counts == expected == {personas.alice.pk: 5, personas.bob.pk: 1, personas.carol.pk: 0}
    # open past due: alice's five (the late acceptance is answered, so not on her agenda);
    # what the viewer may not see is not counted: dave (another team) sees none of it
    assert sla.member_breaches(personas.dave, members, TODAY, NOW) == dict.fromkeys(
        [m.pk for m in members], 0
    )


def test_the_agenda_team_table_shows_the_breached_clocks(
    personas: Personas, book: Customer
) -> None:
    html = signed_in(personas.carol).get("/agenda/").content.decode()
    row = html[html.index(f'data-member="{personas.alice.pk}"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="text-danger fw-bold" data-count="clocks_breached">5</td>' in row
