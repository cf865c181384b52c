"""The sensitive-access log outlives the contact: a revealed contact can still be deleted."""

from __future__ import annotations

from typing import Any

import pytest

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.contacts import services
from crm.contacts.models import Contact
from crm.core import testing

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def customer(personas: Any, customer_of: Any) -> Any:
    return customer_of(personas.alice, name="深圳市腾飞科技有限公司")


@pytest.fixture
def contact(personas: Any, customer: Any) -> Contact:
    personas.alice.grant_sensitive = True
    personas.alice.save()
    return services.create_contact(
        testing.actor(personas.alice), customer=customer, name="单田芳", id_number=ID_NUMBER
    )


def reveal_through_api(user: Any, contact: Contact) -> None:
    response = testing.api_client(user).post(
        f"/api/v1/contacts/{contact.pk}/reveal/",
        {"field": "id_number", "reason": "核对身份"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.data == {"field": "id_number", "value": ID_NUMBER}


def test_the_access_row_keeps_the_contact_name(personas: Any, contact: Contact) -> None:
    reveal_through_api(personas.alice, contact)

    access = SensitiveAccess.objects.get()
    assert (access.contact_id, access.contact_label) == (contact.pk, "单田芳")


def test_a_revealed_contact_can_be_deleted_and_its_access_row_remains(
    personas: Any, customer: Any, contact: Contact
) -> None:
    reveal_through_api(personas.alice, contact)

    response = testing.api_client(personas.alice).delete(f"/api/v1/contacts/{contact.pk}/")

    assert response.status_code == 204, response.content
    assert not Contact.objects.filter(pk=contact.pk).exists()
    access = SensitiveAccess.objects.get()
    assert (access.contact_id, access.contact_label, access.customer_id, access.field) == (
        contact.pk,
        "单田芳",
        customer.pk,
        "id_number",
    )
    assert (
        AuditEvent.objects.filter(action="contact.delete", object_id=str(contact.pk)).count() == 1
    )


def test_the_log_still_lists_a_deleted_contact(
    personas: Any, customer: Any, contact: Contact
) -> None:
    reveal_through_api(personas.alice, contact)
    services.delete_contact(testing.actor(personas.alice), contact, reason="重复录入")

    response = testing.api_client(personas.admin).get("/api/v1/sensitive-access/")

    assert response.status_code == 200, response.content
    rows = [
        (r["actor_name"], r["contact"], r["contact_name"], r["customer_name"], r["field"])
        for r in response.data["results"]
    ]
    assert rows == [("张爱丽", contact.pk, "单田芳", "深圳市腾飞科技有限公司", "id_number")]


def test_the_name_recorded_is_the_name_at_reveal_time(personas: Any, contact: Contact) -> None:
    reveal_through_api(personas.alice, contact)
    services.update_contact(testing.actor(personas.alice), contact, name="单老师")
    reveal_through_api(personas.alice, contact)

    response = testing.api_client(personas.admin).get("/api/v1/sensitive-access/")

    assert [r["contact_name"] for r in response.data["results"]] == ["单老师", "单田芳"]
