"""Contacts' ID numbers and bank accounts: encrypted at rest, found by blind index, revealed
only to holders of the grant, and every reveal logged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.db import connection
from stdnum.cn import ric

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.contacts import services
from crm.contacts.models import Contact
from crm.core import testing
from crm.core.errors import NotFound

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
BANK_ACCOUNT = "6222021234567890123"


@pytest.fixture
def customer(personas: Any, customer_of: Any) -> Any:
    return customer_of(personas.alice, name="深圳市腾飞科技有限公司")


@pytest.fixture
def contact(personas: Any, customer: Any) -> Contact:
    return services.create_contact(
        testing.actor(personas.alice),
        customer=customer,
        name="单田芳",
        mobile="13812345678",
        id_number=ID_NUMBER,
        bank_account=BANK_ACCOUNT,
    )


def raw_row(contact: Contact) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, bank_account FROM contacts_contact WHERE id = %s", [contact.pk]
        )
        return cursor.fetchone()


def test_example_id_number_is_a_valid_resident_id() -> None:
    assert ric.is_valid(ID_NUMBER)


# --- at rest ----------------------------------------------------------------------------------


def test_sensitive_columns_hold_ciphertext(contact: Contact) -> None:
    id_number, bank_account = raw_row(contact)

    assert id_number.startswith("enc1:")
    assert bank_account.startswith("enc1:")
    assert ID_NUMBER not in id_number
    assert BANK_ACCOUNT not in bank_account
    assert id_number != bank_account


def test_model_reads_back_the_plaintext(contact: Contact) -> None:
    fresh = Contact.objects.get(pk=contact.pk)

    assert (fresh.id_number, fresh.bank_account) == (ID_NUMBER, BANK_ACCOUNT)


def test_lower_case_x_is_stored_upper_case(personas: Any, customer: Any) -> None:
    created = services.create_contact(
        testing.actor(personas.alice),
        customer=customer,
        name="李四",
        id_number=ID_NUMBER.lower(),
    )

    assert Contact.objects.get(pk=created.pk).id_number == ID_NUMBER


def test_bank_account_spaces_are_dropped(personas: Any, customer: Any) -> None:
    created = services.create_contact(
        testing.actor(personas.alice),
        customer=customer,
        name="李四",
        bank_account="6222 0212 3456 7890 123",
    )

    assert Contact.objects.get(pk=created.pk).bank_account == BANK_ACCOUNT


def test_empty_sensitive_fields_stay_empty(personas: Any, customer: Any) -> None:
    created = services.create_contact(testing.actor(personas.alice), customer=customer, name="李四")

    assert raw_row(created) == ("", "")
    assert (created.id_number_bidx, created.bank_account_bidx) == ("", "")


def test_encrypted_field_cannot_be_filtered_on(contact: Contact) -> None:
    with pytest.raises(FieldError):
        list(Contact.objects.filter(id_number=ID_NUMBER))


def test_blind_index_columns_do_not_hold_the_plaintext(contact: Contact) -> None:
    fresh = Contact.objects.get(pk=contact.pk)

    assert len(fresh.id_number_bidx) == 64
    assert ID_NUMBER not in fresh.id_number_bidx
    assert BANK_ACCOUNT not in fresh.bank_account_bidx


# --- blind-index lookups ----------------------------------------------------------------------


def test_find_by_id_number(personas: Any, contact: Contact) -> None:
    found = services.find_by_sensitive(
        testing.actor(personas.alice), field="id_number", value=ID_NUMBER
    )

    assert list(found) == [contact]


def test_find_by_id_number_with_lower_case_x(personas: Any, contact: Contact) -> None:
    found = services.find_by_sensitive(
        testing.actor(personas.alice), field="id_number", value="11010519491231002x"
    )

    assert list(found) == [contact]


def test_find_by_bank_account_with_spaces(personas: Any, contact: Contact) -> None:
    found = services.find_by_sensitive(
        testing.actor(personas.alice), field="bank_account", value="6222 0212 3456 7890 123"
    )

    assert list(found) == [contact]


def test_find_by_other_value_finds_nothing(personas: Any, contact: Contact) -> None:
    found = services.find_by_sensitive(
        testing.actor(personas.alice), field="bank_account", value="6222021234567890124"
    )

    assert list(found) == []


def test_id_number_value_does_not_match_bank_account_index(personas: Any, contact: Contact) -> None:
    found = services.find_by_sensitive(
        testing.actor(personas.alice), field="bank_account", value=ID_NUMBER
    )

    assert list(found) == []


def test_find_by_sensitive_respects_visibility(personas: Any, contact: Contact) -> None:
    found = services.find_by_sensitive(
        testing.actor(personas.dave), field="id_number", value=ID_NUMBER
    )

    assert list(found) == []


def test_find_by_unknown_field_is_refused(personas: Any, contact: Contact) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.find_by_sensitive(
            testing.actor(personas.alice), field="mobile", value="13812345678"
        )

    assert excinfo.value.message_dict == {"field": ["只能按以下字段查找: id_number, bank_account"]}


# --- the database file ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sqlite_file_never_holds_the_plaintext(personas: Any, customer_of: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("inspects the SQLite database file")
    customer = customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    services.create_contact(
        testing.actor(personas.alice),
        customer=customer,
        name="单田芳",
        id_number=ID_NUMBER,
        bank_account=BANK_ACCOUNT,
    )
    path = Path(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()

    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
    data = b"".join(p.read_bytes() for p in files)

    assert path in files
    assert "深圳市腾飞科技有限公司".encode() in data  # the search does see what is stored
    assert ID_NUMBER.encode() not in data
    assert BANK_ACCOUNT.encode() not in data
    assert ID_NUMBER.lower().encode() not in data


# --- reveal -----------------------------------------------------------------------------------


def test_reveal_without_grant_is_refused(personas: Any, contact: Contact) -> None:
    with pytest.raises(PermissionDenied) as excinfo:
        services.reveal(
            testing.actor(personas.alice), contact, field="id_number", reason="核对身份"
        )

    assert str(excinfo.value) == "您没有查看敏感信息的授权"


def test_refused_reveal_writes_no_access_row(personas: Any, contact: Contact) -> None:
    with pytest.raises(PermissionDenied):
        services.reveal(testing.actor(personas.alice), contact, field="id_number")

    assert SensitiveAccess.objects.count() == 0
    assert AuditEvent.objects.filter(action="contact.reveal").count() == 0


@pytest.fixture
def granted_alice(personas: Any) -> Any:
    personas.alice.grant_sensitive = True
    personas.alice.save()
    return personas.alice


def test_reveal_with_grant_returns_the_plaintext(granted_alice: Any, contact: Contact) -> None:
    value = services.reveal(
        testing.actor(granted_alice), contact, field="id_number", reason="核对身份"
    )

    assert value == ID_NUMBER


def test_reveal_bank_account_with_grant(granted_alice: Any, contact: Contact) -> None:
    value = services.reveal(
        testing.actor(granted_alice), contact, field="bank_account", reason="核对付款"
    )

    assert value == BANK_ACCOUNT


def test_reveal_writes_exactly_one_access_row(granted_alice: Any, contact: Contact) -> None:
    services.reveal(testing.actor(granted_alice), contact, field="id_number", reason="  核对身份  ")

    access = SensitiveAccess.objects.get()
    assert (access.actor_id, access.field, access.reason, access.source) == (
        granted_alice.pk,
        "id_number",
        "核对身份",
        "web",
    )
    assert (access.contact_id, access.customer_id) == (contact.pk, contact.customer_id)


def test_reveal_writes_exactly_one_audit_event(granted_alice: Any, contact: Contact) -> None:
    services.reveal(testing.actor(granted_alice), contact, field="id_number", reason="核对身份")

    event = AuditEvent.objects.get(action="contact.reveal")
    assert (event.actor_id, event.object_id, event.customer_id, event.reason) == (
        granted_alice.pk,
        str(contact.pk),
        contact.customer_id,
        "核对身份",
    )
    assert event.changes == {"field": {"before": None, "after": "证件号码"}}
    assert ID_NUMBER not in json.dumps(event.changes, ensure_ascii=False)


def test_each_reveal_is_logged(granted_alice: Any, contact: Contact) -> None:
    for _ in range(3):
        services.reveal(testing.actor(granted_alice), contact, field="id_number")

    assert SensitiveAccess.objects.count() == 3


def test_reveal_of_an_unmasked_field_is_refused(granted_alice: Any, contact: Contact) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.reveal(testing.actor(granted_alice), contact, field="title")

    assert excinfo.value.message_dict == {
        "field": ["只能查看: id_number, bank_account, mobile, email"]
    }
    assert SensitiveAccess.objects.count() == 0


def test_other_team_gets_not_found_even_with_grant(personas: Any, contact: Contact) -> None:
    personas.dave.grant_sensitive = True
    personas.dave.save()

    with pytest.raises(NotFound):
        services.reveal(testing.actor(personas.dave), contact, field="id_number")

    assert SensitiveAccess.objects.count() == 0


def test_other_team_without_grant_also_gets_not_found(personas: Any, contact: Contact) -> None:
    with pytest.raises(NotFound):
        services.reveal(testing.actor(personas.dave), contact, field="id_number")


def test_service_with_grant_may_reveal_any_customers_contact(
    personas: Any, contact: Contact
) -> None:
    personas.erin.grant_sensitive = True
    personas.erin.save()

    assert services.reveal(testing.actor(personas.erin), contact, field="bank_account") == (
        BANK_ACCOUNT
    )


def test_inactive_user_with_grant_cannot_reveal(granted_alice: Any, contact: Contact) -> None:
    granted_alice.is_active = False

    with pytest.raises(NotFound):
        services.reveal(testing.actor(granted_alice), contact, field="id_number")


# --- audit of writes --------------------------------------------------------------------------


def test_contact_create_audit_masks_sensitive_values(contact: Contact) -> None:
    event = AuditEvent.objects.get(action="contact.create")

    assert event.changes["id_number"] == {"before": None, "after": "******"}
    assert event.changes["bank_account"] == {"before": None, "after": "******"}
    dumped = json.dumps(event.changes, ensure_ascii=False)
    assert ID_NUMBER not in dumped
    assert BANK_ACCOUNT not in dumped


def test_changing_bank_account_to_another_value_is_saved(personas: Any, contact: Contact) -> None:
    services.update_contact(
        testing.actor(personas.alice), contact, bank_account="6222021234567890124"
    )

    assert Contact.objects.get(pk=contact.pk).bank_account == "6222021234567890124"


def test_changing_id_number_to_another_value_is_saved(personas: Any, contact: Contact) -> None:
    services.update_contact(testing.actor(personas.alice), contact, id_number="110105198001010024")

    assert Contact.objects.get(pk=contact.pk).id_number == "110105198001010024"


def test_contact_update_audit_masks_sensitive_values(personas: Any, contact: Contact) -> None:
    services.update_contact(
        testing.actor(personas.alice), contact, bank_account="6222021234567890124"
    )

    event = AuditEvent.objects.get(action="contact.update")
    assert event.changes == {"bank_account": {"before": "******", "after": "******"}}


def test_contact_update_refreshes_blind_index(personas: Any, contact: Contact) -> None:
    services.update_contact(
        testing.actor(personas.alice), contact, bank_account="6222021234567890124"
    )

    actor = testing.actor(personas.alice)
    found_new = services.find_by_sensitive(actor, field="bank_account", value="6222021234567890124")
    found_old = services.find_by_sensitive(actor, field="bank_account", value=BANK_ACCOUNT)
    assert (list(found_new), list(found_old)) == ([contact], [])


def test_clearing_bank_account_is_saved_and_audited_masked(personas: Any, contact: Contact) -> None:
    services.update_contact(testing.actor(personas.alice), contact, bank_account="")

    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.bank_account, fresh.bank_account_bidx) == ("", "")
    event = AuditEvent.objects.get(action="contact.update")
    assert event.changes == {"bank_account": {"before": "******", "after": None}}


def test_contact_delete_audit_masks_sensitive_values(personas: Any, contact: Contact) -> None:
    services.delete_contact(testing.actor(personas.alice), contact, reason="重复录入")

    event = AuditEvent.objects.get(action="contact.delete")
    assert event.changes["id_number"] == {"before": "******", "after": None}
    assert ID_NUMBER not in json.dumps(event.changes, ensure_ascii=False)


def test_admin_reads_the_reveal_in_the_sensitive_access_log(
    personas: Any, contact: Contact
) -> None:
    from crm.core.testing import api_client

    personas.alice.grant_sensitive = True
    personas.alice.save()
    services.reveal(
        testing.actor(personas.alice, "api"), contact, field="bank_account", reason="核对退款账户"
    )
    rows = api_client(personas.admin).get("/api/v1/sensitive-access/").data["results"]
    assert [(r["actor_name"], r["field"], r["reason"], r["source"]) for r in rows] == [
        ("张爱丽", "bank_account", "核对退款账户", "api")
    ]
    assert "6222021234567890123" not in str(rows)
