"""SLA clock reads: on the customer (open and breached), on the owner's agenda (open), breach
counts; a fixed number of queries; the daily run refreshes open due dates."""

from __future__ import annotations

from typing import Any

import pytest

from crm.aftersales import selectors, services
from crm.aftersales.models import Delivery
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.workdays import services as workdays

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def delivery(personas: Personas, customer: Customer, **fields: Any) -> Delivery:
    fields = {"title": "运维托管平台一期", **fields}
    return services.create_delivery(actor(personas.alice), customer=customer, **fields)


def survey(personas: Personas, customer: Customer, **fields: Any) -> Any:
    fields = {
        "surveyed_on": TODAY,
        "response_speed": 4,
        "deliverable": 4,
        "overall": 80,
        "referral_intent": "undecided",
        **fields,
    }
    return services.record_survey(actor(personas.alice), customer=customer, **fields)


def rows(clocks: list[selectors.ClockRow]) -> list[tuple[str, str, str, str | None, str]]:
    return [
        (c.code, c.status, f"{c.due_on}", f"{c.done_on}" if c.done_on else None, c.object_type)
        for c in clocks
    ]


@pytest.fixture
def book(personas: Personas, customer: Customer) -> Customer:
    """One clock of each kind and state on alice's customer, as of Mon 12 Oct 2026."""
    delivery(personas, customer, title="逾期未验收", delivered_on=d(2026, 9, 30))  # due Sat 10 Oct
    delivery(personas, customer, title="今日到期", delivered_on=d(2026, 10, 8))  # due 12 Oct
    delivery(  # accepted late (due 9 Oct); its survey is due 21 Oct
        personas,
        customer,
        title="超时验收",
        delivered_on=d(2026, 9, 29),
        accepted_on=d(2026, 10, 12),
    )
    on_time = delivery(
        personas,
        customer,
        title="按时验收",
        delivered_on=d(2026, 9, 29),
        accepted_on=d(2026, 9, 30),
    )
    survey(personas, customer, delivery=on_time, surveyed_on=d(2026, 10, 9))  # survey met
    services.record_feedback(
        actor(personas.alice),
        customer=customer,
        kind="suggestion",
        category="product",
        content="希望增加移动端审批",
        received_on=d(2026, 9, 1),
    )  # its plan was due 21 Sep: breached, still open
    return customer


def test_the_customer_shows_open_and_breached_clocks_soonest_due_first(
    personas: Personas, book: Customer
) -> None:
    assert rows(selectors.customer_clocks(personas.alice, book, TODAY)) == [
        ("improvement", "breached", "2026-09-21", None, "feedback"),
        ("acceptance", "breached", "2026-10-09", "2026-10-12", "delivery"),
        ("acceptance", "breached", "2026-10-10", None, "delivery"),
        ("acceptance", "due_today", "2026-10-12", None, "delivery"),
        ("survey", "open", "2026-10-21", None, "delivery"),
    ]


def test_the_agenda_shows_the_owners_open_clocks(
    personas: Personas, book: Customer, customer_of: Any
) -> None:
    bobs = customer_of(personas.bob)
    services.create_delivery(actor(personas.bob), customer=bobs, title="B", delivered_on=TODAY)
    found = selectors.owner_clocks(personas.carol, personas.alice, TODAY)
    assert [(c.code, c.status, c.subject) for c in found] == [
        ("improvement", "breached", "改进建议(2026-09-01)"),
        ("acceptance", "breached", "逾期未验收"),
        ("acceptance", "due_today", "今日到期"),
        ("survey", "open", "超时验收"),
    ]
    assert {c.customer_name for c in found} == {"深圳市腾飞科技有限公司"}


def test_breaches_are_counted_open_past_due_and_answered_late(
    personas: Personas, book: Customer
) -> None:
    expected = {"acceptance": 2, "survey": 0, "improvement": 1, "total": 3}
    assert selectors.breach_counts(personas.alice, TODAY, customer=book) == expected
    assert selectors.breach_counts(personas.carol, TODAY, owner=personas.alice) == expected
    assert selectors.breach_counts(personas.dave, TODAY)["total"] == 0


def test_breaches_are_counted_for_clocks_due_in_a_period(
    personas: Personas, book: Customer
) -> None:
    october = (d(2026, 10, 1), d(2026, 10, 31))
    assert selectors.breach_counts(personas.alice, TODAY, due_between=october) == {
        "acceptance": 2,
        "survey": 0,
        "improvement": 0,
        "total": 2,
    }


def test_a_plan_answers_the_improvement_clock_late(personas: Personas, book: Customer) -> None:
    suggestion = selectors.feedback(personas.alice, book, kind="suggestion").get()
    services.plan_feedback_improvement(actor(personas.alice), suggestion, plan="二期加入移动端审批")
    clocks = selectors.customer_clocks(personas.alice, book, TODAY)
    assert rows(clocks)[0] == ("improvement", "breached", "2026-09-21", "2026-10-12", "feedback")
    assert rows(selectors.owner_clocks(personas.alice, personas.alice, TODAY))[0][0] == "acceptance"


@pytest.mark.parametrize("size", [1, 6])
def test_clock_reads_cost_three_queries_whatever_the_data(
    personas: Personas,
    customer: Customer,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(size):
        delivery(personas, customer, title=f"交付{i}", delivered_on=d(2026, 9, 30))
        survey(personas, customer, suggestions=f"建议{i}")
    with django_assert_num_queries(3):
        assert len(selectors.customer_clocks(personas.alice, customer, TODAY)) == 2 * size
    with django_assert_num_queries(3):
        assert len(selectors.owner_clocks(personas.alice, personas.alice, TODAY)) == 2 * size
    with django_assert_num_queries(3):
        selectors.breach_counts(personas.alice, TODAY)


def test_a_holiday_entered_later_moves_the_open_due_dates(
    personas: Personas, customer: Customer
) -> None:
    open_one = delivery(personas, customer, delivered_on=d(2026, 10, 9))  # due Tue 13 Oct
    done = delivery(personas, customer, delivered_on=d(2026, 10, 9), accepted_on=TODAY)
    workdays.set_override(actor(personas.admin), day=d(2026, 10, 13), is_workday=False)
    assert services.run_day(TODAY).clocks_refreshed == 2  # open acceptance, open survey
    open_one.refresh_from_db()
    done.refresh_from_db()
    assert (open_one.acceptance_due_on, done.acceptance_due_on, done.survey_due_on) == (
        d(2026, 10, 14),
        d(2026, 10, 13),  # answered: stays
        d(2026, 10, 22),
    )
    assert services.run_day(TODAY).clocks_refreshed == 0


def test_the_core_pool_and_a_customers_rows_read_back(
    personas: Personas, customer: Customer
) -> None:
    made = survey(personas, customer, overall=96)
    assert [m.customer for m in selectors.core_pool(personas.erin)] == [customer]
    assert selectors.core_pool(personas.dave).count() == 0
    member = selectors.core_membership(personas.alice, customer)
    assert member is not None and member.survey == made
    assert selectors.surveys(personas.alice, customer) == [made]
