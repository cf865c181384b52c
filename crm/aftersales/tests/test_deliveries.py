"""Deliveries: progress notes, delivery and acceptance dates, the clocks they start, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.aftersales import services
from crm.aftersales.models import Delivery, DeliveryProgress
from crm.audit.models import AuditEvent
from crm.core.errors import PreconditionFailed
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.pipeline import services as pipeline

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def delivery(personas: Personas, customer: Customer, **fields: object) -> Delivery:
    fields = {"title": "运维托管平台一期", **fields}
    return services.create_delivery(actor(personas.alice), customer=customer, **fields)  # type: ignore[arg-type]


def test_a_delivery_under_way_has_no_clock_yet(personas: Personas, customer: Customer) -> None:
    made = delivery(personas, customer)
    assert (made.status, made.acceptance_due_on, made.survey_due_on) == ("in_progress", None, None)
    event = AuditEvent.objects.get(action="delivery.create")
    assert (event.customer_id, event.changes) == (
        customer.pk,
        {"title": {"before": None, "after": "运维托管平台一期"}},
    )


def test_delivering_before_national_day_makes_acceptance_due_on_the_make_up_saturday(
    personas: Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    assert (made.status, made.acceptance_due_on) == ("delivered", d(2026, 10, 10))


def test_marking_delivered_defaults_to_today_and_is_audited(
    personas: Personas, customer: Customer
) -> None:
    made = services.mark_delivered(actor(personas.alice), delivery(personas, customer))
    assert (made.delivered_on, made.acceptance_due_on, made.version) == (TODAY, d(2026, 10, 15), 2)
    event = AuditEvent.objects.get(action="delivery.deliver")
    assert event.changes == {
        "acceptance_due_on": {"before": None, "after": "2026-10-15"},
        "delivered_on": {"before": None, "after": "2026-10-12"},
    }


def test_a_delivery_is_delivered_once(personas: Personas, customer: Customer) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    with pytest.raises(ValidationError) as refused:
        services.mark_delivered(actor(personas.alice), made)
    assert refused.value.message_dict == {"delivered_on": ["该交付已于 2026-09-30 交付"]}


def test_acceptance_starts_the_survey_clock(personas: Personas, customer: Customer) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    accepted = services.accept_delivery(actor(personas.alice), made, accepted_on=d(2026, 10, 9))
    assert (accepted.status, accepted.accepted_on, accepted.survey_due_on) == (
        "accepted",
        d(2026, 10, 9),
        d(2026, 10, 19),  # Sat 10 Oct is a working day
    )
    assert AuditEvent.objects.get(action="delivery.accept").changes["accepted_on"] == {
        "before": None,
        "after": "2026-10-09",
    }


def test_a_delivery_is_accepted_once(personas: Personas, customer: Customer) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30), accepted_on=d(2026, 10, 8))
    with pytest.raises(ValidationError) as refused:
        services.accept_delivery(actor(personas.alice), made)
    assert refused.value.message_dict == {"accepted_on": ["该交付已于 2026-10-08 验收"]}


def test_acceptance_needs_a_delivery_date(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        services.accept_delivery(actor(personas.alice), delivery(personas, customer))
    assert refused.value.message_dict == {"accepted_on": ["请先填写交付日期,再登记验收"]}


def test_dates_are_checked_together_and_nothing_is_written(
    personas: Personas, customer: Customer
) -> None:
    with pytest.raises(ValidationError) as refused:
        delivery(personas, customer, title=" ", delivered_on=d(2026, 10, 13))
    assert refused.value.message_dict == {
        "title": ["此字段不能为空。"],
        "delivered_on": ["交付日期不能晚于今天"],
    }
    assert not Delivery.objects.exists()


def test_dates_given_as_text_are_read_or_refused_as_field_errors(
    personas: Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on="2026-09-30")
    assert (made.delivered_on, made.acceptance_due_on) == (d(2026, 9, 30), d(2026, 10, 10))
    with pytest.raises(ValidationError) as refused:
        delivery(personas, customer, delivered_on="2026-09-31")
    assert list(refused.value.message_dict) == ["delivered_on"]


def test_the_contract_must_be_the_customers(
    personas: Personas, customer: Customer, customer_of: object
) -> None:
    other = customer_of(personas.alice)  # type: ignore[operator]
    contract = pipeline.create_contract(
        actor(personas.alice), customer=other, amount=Decimal("1000.00"), signed_on=d(2026, 9, 1)
    )
    with pytest.raises(ValidationError) as refused:
        delivery(personas, customer, contract=contract.pk)
    assert refused.value.message_dict == {"contract": ["所选合同不属于该客户"]}
    own = pipeline.create_contract(
        actor(personas.alice), customer=customer, amount=Decimal("1000.00"), signed_on=d(2026, 9, 1)
    )
    assert delivery(personas, customer, contract=own).contract == own


def test_correcting_the_delivery_date_moves_the_acceptance_clock(
    personas: Personas, customer: Customer
) -> None:
    made = delivery(personas, customer, delivered_on=d(2026, 9, 30))
    fixed = services.update_delivery(
        actor(personas.alice),
        made,
        delivered_on=d(2026, 10, 9),
        expected_version=1,
        reason="交付日期录错",
    )
    assert (fixed.acceptance_due_on, fixed.version) == (d(2026, 10, 13), 2)
    event = AuditEvent.objects.get(action="delivery.update")
    assert (event.reason, event.changes["acceptance_due_on"]) == (
        "交付日期录错",
        {"before": "2026-10-10", "after": "2026-10-13"},
    )


def test_an_unchanged_update_writes_nothing(personas: Personas, customer: Customer) -> None:
    made = delivery(personas, customer)
    again = services.update_delivery(actor(personas.alice), made, title="运维托管平台一期")
    assert again.version == 1
    assert not AuditEvent.objects.filter(action="delivery.update").exists()


def test_a_stale_update_is_refused(personas: Personas, customer: Customer) -> None:
    made = delivery(personas, customer)
    services.update_delivery(actor(personas.carol), made, notes="已开工")  # her manager
    with pytest.raises(PreconditionFailed):
        services.update_delivery(actor(personas.alice), made, notes="另一说明", expected_version=1)


def test_an_unknown_field_is_refused(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError, match="不能直接修改的字段: surveyed_on"):
        services.update_delivery(
            actor(personas.alice), delivery(personas, customer), surveyed_on=TODAY
        )


def test_progress_notes_are_written_by_the_actor_and_audited(
    personas: Personas, customer: Customer
) -> None:
    made = delivery(personas, customer)
    note = services.add_progress(
        actor(personas.alice), made, content="本周已完成模块开发,预计下周进入测试阶段"
    )
    assert (note.noted_on, note.author, note.delivery) == (TODAY, personas.alice, made)
    event = AuditEvent.objects.get(action="delivery.progress")
    assert (event.object_id, event.customer_id, event.changes["progress"]["after"]) == (
        str(made.pk),
        customer.pk,
        "2026-10-12:本周已完成模块开发,预计下周进入测试阶段",
    )


def test_a_vague_progress_note_is_refused(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        services.add_progress(actor(personas.alice), delivery(personas, customer), content="正常")
    assert list(refused.value.message_dict) == ["content"]
    assert not DeliveryProgress.objects.exists()
