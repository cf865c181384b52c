"""The case library: everyone signed in reads it; editors of the customer write it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from crm.aftersales import selectors, services
from crm.aftersales.models import Case
from crm.audit.models import AuditEvent
from crm.core.errors import NotFound
from crm.core.testing import Personas, actor
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def case(personas: Personas, customer: Customer, **fields: Any) -> Case:
    fields = {
        "kind": "retained",
        "title": "价格战中的续约",
        "story": "竞品报价低20%,我们以三年总拥有成本对比赢得CTO支持,客户续签三年",
        "tags": ["华东", "制造业"],
        **fields,
    }
    return services.create_case(actor(personas.alice), customer=customer, **fields)


def test_every_signed_in_user_reads_the_library(personas: Personas, customer: Customer) -> None:
    made = case(personas, customer)
    for user in (personas.dave, personas.erin, personas.bob):
        assert selectors.case_library(user) == ([made], None)
        assert services.get_case(actor(user), made.pk) == made
    assert selectors.case_library(AnonymousUser())[0] == []  # type: ignore[arg-type]


def test_tags_are_cleaned_and_filter_the_library(personas: Personas, customer: Customer) -> None:
    made = case(personas, customer, tags=[" 华东 ", "华东", "价格战"])
    case(personas, customer, kind="won", title="标杆客户", tags=["华南"])
    assert (made.tags, made.tag_index) == (["华东", "价格战"], "|华东|价格战|")
    assert selectors.case_library(personas.dave, tag="价格战") == ([made], None)
    assert selectors.case_library(personas.dave, tag="价格") == ([], None)
    assert selectors.case_library(personas.dave, kind="retained") == ([made], None)


def test_the_library_pages_newest_first(personas: Personas, customer: Customer) -> None:
    made = [case(personas, customer, title=f"案例{i}") for i in range(3)]
    page, cursor = selectors.case_library(personas.bob, limit=2)
    assert (page, cursor) == ([made[2], made[1]], made[1].pk)
    assert selectors.case_library(personas.bob, before=cursor, limit=2) == ([made[0]], None)


def test_readers_who_may_not_edit_the_customer_cannot_change_a_case(
    personas: Personas, customer: Customer
) -> None:
    made = case(personas, customer)
    for user in (personas.dave, personas.erin):
        with pytest.raises(PermissionDenied):
            services.update_case(actor(user), made, title="改标题")
        with pytest.raises(PermissionDenied):
            services.withdraw_case(actor(user), made, reason="过时")
    made.refresh_from_db()
    assert (made.title, made.version) == ("价格战中的续约", 1)


def test_a_case_of_a_customer_one_cannot_see_is_not_promoted(
    personas: Personas, customer: Customer
) -> None:
    with pytest.raises(NotFound):
        services.create_case(
            actor(personas.dave), customer=customer, kind="won", title="x", story="成交经过"
        )


def test_a_missing_case_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        services.get_case(actor(personas.alice), 999_999)


def test_a_case_is_corrected_and_withdrawn_with_a_reason(
    personas: Personas, customer: Customer
) -> None:
    made = services.update_case(
        actor(personas.alice), case(personas, customer), tags=["华东"], expected_version=1
    )
    assert (made.tags, made.version) == (["华东"], 2)
    with pytest.raises(ValidationError) as refused:
        services.withdraw_case(actor(personas.alice), made, reason="")
    assert refused.value.message_dict == {"reason": ["撤下案例需要填写原因"]}
    services.withdraw_case(actor(personas.alice), made, reason="客户要求不公开")
    assert not Case.objects.exists()
    event = AuditEvent.objects.get(action="case.withdraw")
    assert (event.reason, event.changes["title"]) == (
        "客户要求不公开",
        {"before": "价格战中的续约", "after": None},
    )


def test_bad_tags_are_a_field_error(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        case(personas, customer, tags=[f"标签{i}" for i in range(11)])
    assert refused.value.message_dict == {"tags": ["标签最多 10 个"]}
