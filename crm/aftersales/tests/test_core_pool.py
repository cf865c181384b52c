"""The core customer pool 核心客户池 and its quarterly deep visits 深度回访."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from crm.accounts.models import User
from crm.aftersales import services, tasks
from crm.aftersales.models import CorePoolMember, CoreVisit, Survey
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.records.models import Task

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def survey(personas: Personas, customer: Customer, overall: int, **fields: Any) -> Survey:
    fields = {
        "surveyed_on": TODAY,
        "response_speed": 5,
        "deliverable": 5,
        "referral_intent": "undecided",
        **fields,
    }
    return services.record_survey(
        actor(personas.alice), customer=customer, overall=overall, **fields
    )


def visits(customer: Customer) -> list[tuple[int, int, str, str, str]]:
    return [
        (v.year, v.quarter, v.task.owner.username, f"{v.task.due}", v.task.description)
        for v in CoreVisit.objects.filter(customer=customer).select_related("task__owner")
    ]


def test_a_score_of_90_enters_the_pool_and_schedules_this_quarters_visit(
    personas: Personas, success_customer: Customer
) -> None:
    made = survey(personas, success_customer, 90)
    member = CorePoolMember.objects.get(customer=success_customer)
    assert (member.since, member.survey) == (TODAY, made)
    assert visits(success_customer) == [
        (2026, 4, "cindy", "2026-12-31", "核心客户深度回访(2026年第4季度):了解业务变化与新增需求")
    ]
    event = AuditEvent.objects.get(action="corepool.enter")
    assert (event.customer_id, event.reason) == (
        success_customer.pk,
        "最近一次满意度调查(2026-10-12)综合评分 90 分,达到 90 分",
    )


def test_a_score_of_89_stays_out(personas: Personas, customer: Customer) -> None:
    survey(personas, customer, 89)
    assert not CorePoolMember.objects.exists()
    assert not Task.objects.exists()


def test_without_a_customer_success_collaborator_the_owner_visits(
    personas: Personas, customer: Customer
) -> None:
    survey(personas, customer, 95)
    assert [v[:4] for v in visits(customer)] == [(2026, 4, "alice", "2026-12-31")]


def test_a_later_survey_below_90_leaves_the_pool_and_the_open_visit_stays(
    personas: Personas, success_customer: Customer
) -> None:
    survey(personas, success_customer, 95, surveyed_on=d(2026, 10, 9))
    survey(personas, success_customer, 80)
    assert not CorePoolMember.objects.exists()
    event = AuditEvent.objects.get(action="corepool.leave")
    assert event.reason == "最近一次满意度调查(2026-10-12)综合评分 80 分,低于 90 分"
    assert Task.objects.get().status == "open"


def test_the_latest_survey_by_date_decides_not_the_latest_entered(
    personas: Personas, customer: Customer
) -> None:
    survey(personas, customer, 95, surveyed_on=d(2026, 10, 9))
    survey(personas, customer, 70, surveyed_on=d(2026, 9, 1))  # an old paper survey typed later
    assert CorePoolMember.objects.filter(customer=customer).exists()


def test_coming_back_in_the_same_quarter_schedules_no_second_visit(
    personas: Personas, customer: Customer
) -> None:
    survey(personas, customer, 95, surveyed_on=d(2026, 10, 8))
    survey(personas, customer, 60, surveyed_on=d(2026, 10, 9))
    survey(personas, customer, 92)
    assert CorePoolMember.objects.filter(customer=customer).exists()
    assert len(visits(customer)) == 1
    assert AuditEvent.objects.filter(action="corepool.enter").count() == 2


def test_correcting_the_score_moves_the_customer_out(
    personas: Personas, customer: Customer
) -> None:
    made = survey(personas, customer, 95)
    services.update_survey(actor(personas.alice), made, overall=88, reason="录入错误")
    assert not CorePoolMember.objects.exists()


def test_the_daily_run_schedules_each_new_quarter_once(
    personas: Personas, success_customer: Customer
) -> None:
    survey(personas, success_customer, 95)
    assert services.run_day(d(2026, 12, 31)).visits_scheduled == 0  # Q4 has its visit
    assert services.run_day(d(2027, 1, 1)).as_dict() == {
        "visits_scheduled": 1,
        "visits_skipped": 0,
        "clocks_refreshed": 0,
    }
    assert services.run_day(d(2027, 1, 2)).visits_scheduled == 0
    assert [v[:4] for v in visits(success_customer)] == [
        (2026, 4, "cindy", "2026-12-31"),
        (2027, 1, "cindy", "2027-03-31"),
    ]
    created = AuditEvent.objects.filter(action="task.create").order_by("pk").last()
    assert (created.actor_id, created.source, created.customer_id) == (  # type: ignore[union-attr]
        None,
        "system",
        success_customer.pk,
    )


def test_after_leaving_the_pool_no_new_quarter_is_scheduled(
    personas: Personas, customer: Customer
) -> None:
    survey(personas, customer, 95, surveyed_on=d(2026, 10, 9))
    survey(personas, customer, 80)
    assert services.run_day(d(2027, 1, 4)).visits_scheduled == 0
    assert len(visits(customer)) == 1


def test_a_visit_owner_who_left_the_company_is_skipped_and_counted(
    personas: Personas, customer: Customer
) -> None:
    survey(personas, customer, 95)
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)
    summary = services.run_day(d(2027, 1, 4))
    assert (summary.visits_scheduled, summary.visits_skipped) == (0, 1)
    assert len(visits(customer)) == 1


def test_a_survey_is_recorded_even_when_the_visit_owner_is_disabled(
    personas: Personas, customer: Customer
) -> None:
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)
    services.record_survey(
        actor(personas.carol),
        customer=customer,
        surveyed_on=TODAY,
        response_speed=5,
        deliverable=5,
        overall=96,
        referral_intent="yes",
    )
    assert CorePoolMember.objects.filter(customer=customer).exists()
    assert visits(customer) == []
    assert services.run_day(TODAY).visits_skipped == 1


def test_the_scheduled_task_runs_for_the_day_given(personas: Personas, customer: Customer) -> None:
    survey(personas, customer, 95)
    assert tasks.run_aftersales.call("2027-04-01") == {
        "visits_scheduled": 1,
        "visits_skipped": 0,
        "clocks_refreshed": 0,
    }
    assert tasks.run_aftersales.call()["visits_scheduled"] == 0  # today: Q4 is scheduled


def test_the_command_reports_the_run(personas: Personas, customer: Customer) -> None:
    survey(personas, customer, 95)
    out = StringIO()
    call_command("aftersales", "run", "--date", "2027-01-04", stdout=out)
    assert out.getvalue().strip() == (
        "2027-01-04 售后日常任务完成: 新建深度回访待办 1 条, 跳过 0 个客户, 更新时限 0 条"
    )
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("aftersales", "run", "--date", "04/01/2027")
