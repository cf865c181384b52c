"""One primary contact per customer: making another contact primary hands the role over."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

from crm.audit.models import AuditEvent
from crm.contacts import services
from crm.contacts.models import Contact
from crm.core import testing
from crm.core.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(personas: Any, customer_of: Any) -> Any:
    return customer_of(personas.alice, name="深圳市腾飞科技有限公司")


@pytest.fixture
def first(personas: Any, customer: Any) -> Contact:
    return services.create_contact(
        testing.actor(personas.alice), customer=customer, name="曾国藩", mobile="13812345678"
    )


@pytest.fixture
def second(personas: Any, customer: Any, first: Contact) -> Contact:
    return services.create_contact(
        testing.actor(personas.alice), customer=customer, name="李鸿章", mobile="13987655678"
    )


def primaries(customer: Any) -> list[str]:
    return list(
        Contact.objects.filter(customer=customer, is_primary=True).values_list("name", flat=True)
    )


def test_first_contact_becomes_primary_and_the_second_does_not(
    customer: Any, first: Contact, second: Contact
) -> None:
    assert (first.is_primary, second.is_primary) == (True, False)
    assert primaries(customer) == ["曾国藩"]


def test_updating_the_second_contact_to_primary_hands_the_role_over(
    personas: Any, customer: Any, first: Contact, second: Contact
) -> None:
    updated = services.update_contact(testing.actor(personas.alice), second, is_primary=True)

    assert (updated.is_primary, updated.version) == (True, 2)
    assert primaries(customer) == ["李鸿章"]
    demoted = Contact.objects.get(pk=first.pk)
    assert (demoted.is_primary, demoted.version) == (False, 2)


def test_creating_a_contact_as_primary_hands_the_role_over(
    personas: Any, customer: Any, first: Contact
) -> None:
    created = services.create_contact(
        testing.actor(personas.alice), customer=customer, name="左宗棠", is_primary=True
    )

    assert Contact.objects.get(pk=created.pk).is_primary is True
    assert primaries(customer) == ["左宗棠"]
    assert Contact.objects.get(pk=first.pk).is_primary is False


def test_creating_a_customer_with_two_primary_contacts_keeps_the_last(
    personas: Any, customer_of: Any
) -> None:
    customer = customer_of(
        personas.alice,
        contacts=[{"name": "曾国藩", "is_primary": True}, {"name": "李鸿章", "is_primary": True}],
    )

    assert primaries(customer) == ["李鸿章"]


def test_the_promotion_is_audited_with_before_and_after(
    personas: Any, customer: Any, first: Contact, second: Contact
) -> None:
    services.update_contact(
        testing.actor(personas.alice), second, is_primary=True, reason="负责人变更"
    )

    promoted = AuditEvent.objects.get(action="contact.update", object_id=str(second.pk))
    assert (promoted.actor_id, promoted.customer_id, promoted.reason) == (
        personas.alice.pk,
        customer.pk,
        "负责人变更",
    )
    assert promoted.changes == {"is_primary": {"before": False, "after": True}}
    demoted = AuditEvent.objects.get(action="contact.update", object_id=str(first.pk))
    assert (demoted.actor_id, demoted.customer_id, demoted.reason) == (
        personas.alice.pk,
        customer.pk,
        "主要联系人改为 李鸿章",
    )
    assert demoted.changes == {"is_primary": {"before": True, "after": False}}


def test_making_the_primary_primary_again_changes_nothing(
    personas: Any, customer: Any, first: Contact, second: Contact
) -> None:
    updated = services.update_contact(testing.actor(personas.alice), first, is_primary=True)

    assert (updated.is_primary, updated.version) == (True, 1)
    assert primaries(customer) == ["曾国藩"]
    assert AuditEvent.objects.filter(action="contact.update").count() == 0


def test_an_integrity_error_on_save_is_a_conflict(
    personas: Any, customer: Any, first: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lose_the_race(self: Contact, *args: Any, **kwargs: Any) -> None:
        raise IntegrityError("UNIQUE constraint failed: contacts_contact.customer_id")

    monkeypatch.setattr(Contact, "save", lose_the_race)

    with pytest.raises(Conflict) as excinfo:
        services.update_contact(testing.actor(personas.alice), first, name="曾文正")

    assert (excinfo.value.message, excinfo.value.status_code) == (
        "联系人已被他人同时修改,请重试",
        409,
    )
    assert AuditEvent.objects.filter(action="contact.update").count() == 0


# --- through the API --------------------------------------------------------------------------


def test_api_patch_makes_the_second_contact_primary(
    personas: Any, customer: Any, first: Contact, second: Contact
) -> None:
    client = testing.api_client(personas.alice)

    response = client.patch(
        f"/api/v1/contacts/{second.pk}/",
        {"is_primary": True},
        format="json",
        HTTP_IF_MATCH=f'"{second.pk}-1"',
    )

    assert response.status_code == 200, response.content
    assert (response.data["is_primary"], response.data["version"]) == (True, 2)
    assert response["ETag"] == f'"{second.pk}-2"'
    assert primaries(customer) == ["李鸿章"]
    listed = client.get(f"/api/v1/contacts/?customer={customer.pk}&is_primary=true")
    assert [row["name"] for row in listed.data["results"]] == ["李鸿章"]


def test_api_create_as_primary_hands_the_role_over(
    personas: Any, customer: Any, first: Contact
) -> None:
    response = testing.api_client(personas.alice).post(
        "/api/v1/contacts/",
        {"customer": customer.pk, "name": "左宗棠", "is_primary": True},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.data["is_primary"] is True
    assert primaries(customer) == ["左宗棠"]


def test_api_patch_of_the_demoted_contact_with_its_old_etag_is_stale(
    personas: Any, first: Contact, second: Contact
) -> None:
    services.update_contact(testing.actor(personas.alice), second, is_primary=True)

    response = testing.api_client(personas.alice).patch(
        f"/api/v1/contacts/{first.pk}/",
        {"is_primary": True},
        format="json",
        HTTP_IF_MATCH=f'"{first.pk}-1"',
    )

    assert response.status_code == 412
    assert response.data["current_version"] == 2
