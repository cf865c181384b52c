"""`crm discipline run`, the daily task, the rules service and GET /api/v1/agenda/."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor, api_client
from crm.customers.models import Customer
from crm.discipline import services, tasks
from crm.records import services as records

pytestmark = pytest.mark.django_db
D = datetime.date
TZ = timezone.get_default_timezone()
TODAY = D(2026, 10, 12)  # Monday after National Day


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY, 10))


@pytest.fixture
def book(personas: Personas, customer_of: Any, frozen: None) -> dict[str, Customer]:
    """alice: one customer due today, one 2 working days overdue (escalated), one not due."""
    p, made = personas, {}
    contacts = {
        "today": at(D(2026, 9, 29), 9),  # +5 working days (10 Oct counts) = Mon 12 Oct
        "late": at(D(2026, 9, 24), 9),  # +5 = Fri 9 Oct; 12 Oct: 2 days late, escalated
        "fine": at(D(2026, 10, 9), 9),  # +5 = Fri 16 Oct
    }
    for name, moment in contacts.items():
        customer = customer_of(p.alice, name=f"{name}上海议程测试有限公司")
        Customer.objects.filter(pk=customer.pk).update(
            stage="cooperating", intent="high", last_contacted_at=moment, created_at=moment
        )
        made[name] = customer
    return made


def test_the_command_prints_chinese_counts_and_is_idempotent(book: dict[str, Customer]) -> None:
    out = StringIO()
    call_command("discipline", "run", "--date", "2026-10-12", stdout=out)
    assert out.getvalue().strip().splitlines() == [
        "2026-10-12 跟进纪律评估完成: 评估客户 3 个, 待跟进 2 个, 逾期 1 个, 已升级 1 个, "
        "长期无合作 0 个, 信息待核实 0 个, 本次更新 3 个",
        # the overdue one notifies alice, and carol (her manager) since it is escalated
        "新提醒: 跟进逾期 1 条, 待办逾期 0 条, 升级至经理 1 条, 发送提醒邮件 0 封",
    ]
    events = AuditEvent.objects.count()
    again = StringIO()
    call_command("discipline", "run", "--date", "2026-10-12", stdout=again)
    assert again.getvalue().strip().splitlines() == [
        "2026-10-12 跟进纪律评估完成: 评估客户 3 个, 待跟进 2 个, 逾期 1 个, 已升级 1 个, "
        "长期无合作 0 个, 信息待核实 0 个, 本次更新 0 个",
        "新提醒: 跟进逾期 0 条, 待办逾期 0 条, 升级至经理 0 条, 发送提醒邮件 0 封",
    ]
    assert AuditEvent.objects.count() == events


def test_the_command_refuses_a_bad_date(book: dict[str, Customer]) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("discipline", "run", "--date", "12/10/2026")


def test_the_daily_task_evaluates_for_today(book: dict[str, Customer]) -> None:
    result = tasks.run_discipline.call()
    assert (result["evaluated"], result["due"], result["escalated"]) == (3, 2, 1)
    assert (result["notified_follow_ups"], result["notified_escalations"]) == (1, 1)


def test_a_rule_change_is_audited_and_re_evaluates_everyone(
    personas: Personas, book: dict[str, Customer]
) -> None:
    call_command("discipline", "run", "--date", "2026-10-12", stdout=StringIO())
    assert Customer.objects.filter(escalated=True).count() == 1
    services.update_rules(actor(personas.admin), escalate_after_days=3)
    event = AuditEvent.objects.get(action="settings.discipline")
    assert event.changes == {"escalate_after_days": {"before": 2, "after": 3}}
    assert Customer.objects.filter(escalated=True).count() == 0


def test_only_administrators_change_the_rules(personas: Personas) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.update_rules(actor(personas.carol), escalate_after_days=1)


def test_confirming_the_info_clears_the_flag(personas: Personas, book: dict[str, Customer]) -> None:
    Customer.objects.filter(pk=book["fine"].pk).update(flag_to_verify=True)
    customer = services.confirm_info(actor(personas.alice), book["fine"])
    assert (customer.info_checked_on, customer.flag_to_verify) == (TODAY, False)


def _agenda(user: Any, query: str = "") -> Any:
    return api_client(user).get(f"/api/v1/agenda/{query}")


def test_my_agenda_lists_follow_ups_todos_and_late_cards(
    personas: Personas, book: dict[str, Customer]
) -> None:
    call_command("discipline", "run", "--date", "2026-10-12", stdout=StringIO())
    records.create_task(
        actor(personas.alice), customer=book["fine"], description="提供报价单", due=TODAY
    )
    records.file_record(
        actor(personas.alice),
        customer=book["fine"],
        occurred_at=at(D(2026, 10, 10), 9),  # filed two days later: late
        channel="phone",
        purpose="regular_visit",
        content="确认交付排期,客户希望提前一周",
    )
    body = _agenda(personas.alice).json()
    assert body["counts"] == {
        "follow_ups_due_today": 1,
        "follow_ups_overdue": 1,
        "tasks_due_today": 1,
        "tasks_overdue": 0,
        "tasks_upcoming": 0,
        "late_cards": 1,
        "clocks": 0,  # the SLA clocks 服务时限 (crm.discipline.sla); none in this book
    }
    assert (body["clocks"], body["breaches"]["total"]) == ([], 0)
    assert [c["name"] for c in body["follow_ups_due_today"]] == ["today上海议程测试有限公司"]
    assert [(c["name"], c["overdue_days"], c["escalated"]) for c in body["follow_ups_overdue"]] == [
        ("late上海议程测试有限公司", 2, True)
    ]
    assert body["tasks_due_today"][0]["description"] == "提供报价单"


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("erin", 404), ("admin", 200)],
)
def test_a_members_agenda_is_for_the_manager_and_admin(
    personas: Personas, book: dict[str, Customer], viewer: str, status: int
) -> None:
    response = _agenda(getattr(personas, viewer), f"?user={personas.alice.pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["user"]["id"] == personas.alice.pk


def test_an_unknown_user_answers_404(personas: Personas) -> None:
    assert _agenda(personas.admin, "?user=999999").status_code == 404
    assert _agenda(personas.admin, "?user=abc").status_code == 404


# The 服务时限 section's six queries are counted exactly in test_sla.py (AGENDA_API_QUERIES).
def test_the_agenda_costs_the_same_queries_at_two_sizes(
    personas: Personas, customer_of: Any, frozen: None
) -> None:
    def queries() -> int:
        call_command("discipline", "run", "--date", "2026-10-12", stdout=StringIO())
        with CaptureQueriesContext(connection) as ctx:
            assert _agenda(personas.alice).status_code == 200
        return len(ctx)

    def more(n: int) -> None:
        for _ in range(n):
            c = customer_of(personas.alice)
            Customer.objects.filter(pk=c.pk).update(created_at=at(D(2026, 9, 1), 9))
            records.create_task(actor(personas.alice), customer=c, description="回访", due=TODAY)

    more(1)
    small = queries()
    more(5)
    assert queries() == small
