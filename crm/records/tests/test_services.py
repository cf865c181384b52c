"""Filing, correcting and voiding cards; to-dos closing with a result; who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.audit.models import AuditEvent
from crm.core.errors import NotFound, PreconditionFailed
from crm.core.testing import actor
from crm.customers.models import Customer
from crm.records import rules, services
from crm.records.models import Record, Task

from .conftest import NOW

pytestmark = pytest.mark.django_db
DUE = datetime.date(2026, 3, 5)


def test_filing_sets_filed_at_and_maintainer_and_moves_last_contacted(
    personas, customer, card_fields
):
    record = services.file_record(actor(personas.alice), customer=customer, **card_fields)
    assert (record.filed_at, record.is_late, record.maintainer, record.created_by) == (
        NOW,
        False,
        personas.alice,
        personas.alice,
    )
    customer.refresh_from_db()
    assert customer.last_contacted_at == NOW - datetime.timedelta(hours=2)
    assert customer.version == 1


@pytest.mark.parametrize(("hours", "late"), [(24, False), (24 + 1 / 60, True)])
def test_a_card_filed_after_24_hours_is_late(personas, customer, card_fields, hours, late):
    card_fields["occurred_at"] = NOW - datetime.timedelta(hours=hours)
    record = services.file_record(actor(personas.alice), customer=customer, **card_fields)
    assert record.is_late is late
    assert Record.objects.filter(is_late=True).count() == int(late)


def test_card_and_to_dos_are_filed_together_and_audited_on_the_customer(
    personas, customer, card_fields
):
    contact = customer.contacts.get()
    record = services.file_record(
        actor(personas.alice),
        customer=customer,
        contacts=[contact],
        participants=[personas.bob],
        tasks=[{"description": "提供新功能上线计划", "due": DUE, "collaborator": personas.bob}],
        **card_fields,
    )
    task = record.tasks.get()
    assert (task.owner, task.collaborator, task.customer, task.status) == (
        personas.alice,
        personas.bob,
        customer,
        "open",
    )
    events = list(AuditEvent.objects.filter(customer=customer).order_by("id"))
    assert [e.action for e in events][-2:] == ["record.file", "task.create"]
    assert events[-2].object_repr == (
        "2026-03-02 拜访 · 1.客户反馈系统操作复杂,希望简化流程;2.询问新功能的上线时间"
    )
    assert events[-2].changes["contacts"] == {"before": None, "after": ["单田芳"]}


def test_a_bad_to_do_rolls_the_whole_card_back(personas, customer, card_fields):
    with pytest.raises(ValidationError) as exc:
        services.file_record(
            actor(personas.alice),
            customer=customer,
            tasks=[{"description": "提供报价单", "due": datetime.date(2026, 3, 1)}],
            **card_fields,
        )
    assert exc.value.message_dict == {"tasks": ["第 1 项待办: 完成时限不能早于今天"]}
    assert (Record.objects.count(), Task.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action__startswith="record.").exists()
    customer.refresh_from_db()
    assert customer.last_contacted_at is None


@pytest.mark.parametrize("content", ["正常沟通", "无", "正常沟通,无特殊反馈"])
def test_vague_content_is_refused_in_chinese(personas, customer, card_fields, content):
    card_fields["content"] = content
    with pytest.raises(ValidationError) as exc:
        services.file_record(actor(personas.alice), customer=customer, **card_fields)
    assert exc.value.message_dict == {"content": [rules.CONTENT_MESSAGE]}


def test_future_interaction_time_is_refused(personas, customer, card_fields):
    card_fields["occurred_at"] = NOW + datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as exc:
        services.file_record(actor(personas.alice), customer=customer, **card_fields)
    assert exc.value.message_dict == {"occurred_at": ["维护时间不能晚于当前时间"]}


def test_contacts_of_another_customer_are_refused(personas, customer, customer_of, card_fields):
    other = customer_of(personas.alice, contacts=[{"name": "李四"}])
    with pytest.raises(ValidationError) as exc:
        services.file_record(
            actor(personas.alice), customer=customer, contacts=[other.contacts.get()], **card_fields
        )
    assert exc.value.message_dict == {"contacts": ["所选联系人不属于该客户"]}


def test_last_contacted_at_only_moves_forward(personas, customer, card_fields):
    services.file_record(actor(personas.alice), customer=customer, **card_fields)
    card_fields["occurred_at"] = NOW - datetime.timedelta(days=3)
    services.file_record(actor(personas.alice), customer=customer, **card_fields)
    customer.refresh_from_db()
    assert customer.last_contacted_at == NOW - datetime.timedelta(hours=2)


def test_update_keeps_filed_at_and_audits_before_and_after(personas, customer, card_fields):
    record = services.file_record(actor(personas.alice), customer=customer, **card_fields)
    record = services.update_record(
        actor(personas.alice),
        record,
        expected_version=1,
        occurred_at=NOW - datetime.timedelta(hours=30),
        reason="时间填错",
    )
    assert (record.filed_at, record.is_late, record.version) == (NOW, True, 2)
    event = AuditEvent.objects.filter(action="record.update").get()
    assert event.changes["is_late"] == {"before": False, "after": True}
    assert event.reason == "时间填错"


def test_a_stale_update_is_refused(personas, customer, card_fields):
    record = services.file_record(actor(personas.alice), customer=customer, **card_fields)
    services.update_record(actor(personas.alice), record, notes="第一次")
    with pytest.raises(PreconditionFailed):
        services.update_record(actor(personas.carol), record, expected_version=1, notes="x")


def test_voiding_keeps_the_card_and_needs_a_reason(personas, customer, card_fields):
    record = services.file_record(actor(personas.alice), customer=customer, **card_fields)
    with pytest.raises(ValidationError):
        services.void_record(actor(personas.alice), record, "  ")
    services.void_record(actor(personas.alice), record, "重复填写")
    record.refresh_from_db()
    assert (record.voided, record.void_reason, record.voided_by) == (
        True,
        "重复填写",
        personas.alice,
    )
    event = AuditEvent.objects.get(action="record.void")
    assert (event.reason, event.customer) == ("重复填写", customer)
    with pytest.raises(ValidationError):
        services.update_record(actor(personas.alice), record, notes="改")


# --- permissions per persona ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "kind", "outcome"),
    [
        ("alice", "sales", "ok"),
        ("carol", "sales", "ok"),
        ("admin", "sales", "ok"),
        ("bob", "sales", NotFound),
        ("dave", "sales", NotFound),
        ("erin", "sales", PermissionDenied),
        ("erin", "service", "ok"),
        ("alice", "service", "ok"),
    ],
)
def test_who_may_file_which_kind(personas, customer, card_fields, persona, kind, outcome):
    who = actor(getattr(personas, persona))
    if outcome == "ok":
        assert services.file_record(who, customer=customer, kind=kind, **card_fields).kind == kind
    else:
        with pytest.raises(outcome):
            services.file_record(who, customer=customer, kind=kind, **card_fields)


def test_service_staff_see_service_cards_only(personas, customer, card_fields):
    services.file_record(actor(personas.alice), customer=customer, **card_fields)
    service = services.file_record(
        actor(personas.erin), customer=customer, kind="service", **card_fields
    )
    seen = {
        name: sorted(Record.objects.visible_to(user).values_list("kind", flat=True))
        for name, user in personas.all().items()
    }
    assert seen == {
        "alice": ["sales", "service"],
        "bob": [],
        "carol": ["sales", "service"],
        "dave": [],
        "erin": ["service"],
        "admin": ["sales", "service"],
    }
    assert services.get_visible_record(actor(personas.erin), service.pk) == service


def test_service_staff_timeline_leaves_out_sales_cards(personas, customer, card_fields):
    from crm.audit.selectors import customer_timeline

    services.file_record(actor(personas.alice), customer=customer, **card_fields)
    services.file_record(actor(personas.erin), customer=customer, kind="service", **card_fields)
    erin = [e.action for e in customer_timeline(customer, personas.erin)]
    alice = [e.action for e in customer_timeline(customer, personas.alice)]
    assert erin.count("record.file") == 1
    assert alice.count("record.file") == 2


# --- to-dos ---------------------------------------------------------------------------------


@pytest.fixture
def task(personas, customer) -> Task:
    return services.create_task(
        actor(personas.alice), customer=customer, description="提供报价单", due=DUE
    )


@pytest.mark.parametrize("result", ["", "已完成", "无"])
def test_completing_needs_a_real_result(personas, task, result):
    with pytest.raises(ValidationError) as exc:
        services.complete_task(actor(personas.alice), task, result)
    assert exc.value.message_dict == {"result": [rules.RESULT_MESSAGE]}
    task.refresh_from_db()
    assert task.status == "open"


def test_completing_records_result_and_who_closed(personas, task):
    task = services.complete_task(actor(personas.alice), task, "已提供报价单,客户已确认")
    task.refresh_from_db()
    assert (task.status, task.result, task.closed_by, task.closed_at, task.version) == (
        "done",
        "已提供报价单,客户已确认",
        personas.alice,
        NOW,
        2,
    )
    with pytest.raises(ValidationError):
        services.complete_task(actor(personas.alice), task, "再次完成报价")


def test_cancel_needs_a_reason_and_reopen_clears_the_result(personas, task):
    with pytest.raises(ValidationError):
        services.cancel_task(actor(personas.alice), task, "")
    services.cancel_task(actor(personas.alice), task, "客户取消采购计划")
    task = services.reopen_task(actor(personas.alice), task, "客户恢复采购计划")
    task.refresh_from_db()
    assert (task.status, task.cancel_reason, task.closed_at) == ("open", "", None)
    event = AuditEvent.objects.get(action="task.reopen")
    assert event.changes["cancel_reason"] == {"before": "客户取消采购计划", "after": ""}


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("alice", "ok"),
        ("carol", "ok"),
        ("admin", "ok"),
        ("bob", "ok"),  # the collaborator
        ("erin", PermissionDenied),
        ("dave", NotFound),
    ],
)
def test_who_may_complete_a_to_do(personas, customer, persona, outcome):
    task = services.create_task(
        actor(personas.alice),
        customer=customer,
        description="提供报价单",
        due=DUE,
        collaborator=personas.bob,
    )
    who = actor(getattr(personas, persona))
    if outcome == "ok":
        assert services.complete_task(who, task, "已发送报价单").status == "done"
    else:
        with pytest.raises(outcome):
            services.complete_task(who, task, "已发送报价单")


def test_to_dos_are_visible_to_owner_and_collaborator_outside_the_customer_scope(
    personas, customer
):
    services.create_task(
        actor(personas.alice),
        customer=customer,
        description="对接技术",
        due=DUE,
        owner=personas.dave,
        collaborator=personas.bob,
    )
    seen = {n: Task.objects.visible_to(u).count() for n, u in personas.all().items()}
    assert seen == {"alice": 1, "bob": 1, "carol": 1, "dave": 1, "erin": 1, "admin": 1}


def test_customer_version_is_untouched_by_filing(personas, customer, card_fields):
    services.file_record(actor(personas.alice), customer=customer, **card_fields)
    assert Customer.objects.get(pk=customer.pk).version == 1
