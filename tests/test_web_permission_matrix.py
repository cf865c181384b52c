"""Every web page and dialog × every persona: the status, and nothing of a hidden customer leaks.

The world is the API matrix's: alice (sales) owns 深圳市腾飞科技有限公司 with contact 单田芳;
bob is her teammate (not a collaborator), carol their manager, dave sales in another team,
erin service staff (reads all, edits none), admin the administrator.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crm.contacts.models import Contact
from crm.core import testing
from crm.customers import services
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db
SECRET_NAME = "深圳市腾飞科技有限公司"
PERSONAS = ("alice", "bob", "carol", "dave", "erin", "admin")

EVERYONE = dict.fromkeys(PERSONAS, 200)
SEE = {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 200, "admin": 200}
EDIT = {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "admin": 200}
TRANSFER = {"alice": 403, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "admin": 200}
ADMIN_ONLY = {"alice": 403, "bob": 403, "carol": 403, "dave": 403, "erin": 403, "admin": 200}
CREATE = {"alice": 200, "bob": 200, "carol": 200, "dave": 200, "erin": 403, "admin": 200}

PAGES: list[tuple[str, dict[str, int]]] = [
    ("/customers/", EVERYONE),
    ("/customers/overview/", EVERYONE),
    ("/customers/search/?q=腾飞", EVERYONE),
    ("/customers/count/?q=腾飞", EVERYONE),
    ("/customers/claims/", EVERYONE),
    ("/customers/new/", CREATE),
    ("/customers/{pk}/", SEE),
    ("/customers/{pk}/edit/", EDIT),
    ("/customers/{pk}/stage/", EDIT),
    ("/customers/{pk}/transfer/", TRANSFER),
    ("/customers/{pk}/collaborators/", EDIT),
    ("/customers/{pk}/contacts/new/", EDIT),
    ("/customers/{pk}/contacts/{contact}/edit/", EDIT),
    ("/customers/{pk}/contacts/{contact}/delete/", EDIT),
    ("/customers/{pk}/addresses/new/", EDIT),
    ("/agenda/", EVERYONE),
    ("/customers/{pk}/records/", SEE),
    ("/customers/{pk}/records/new/", SEE),
    ("/customers/{pk}/tasks/", SEE),  # erin files service cards (the dialog offers no other)
    ("/settings/", ADMIN_ONLY),
    ("/settings/users/", ADMIN_ONLY),
    ("/settings/teams/", ADMIN_ONLY),
    ("/settings/numbering/", ADMIN_ONLY),
    ("/settings/custom-fields/", ADMIN_ONLY),
    ("/settings/sources/", ADMIN_ONLY),
    ("/settings/tags/", ADMIN_ONLY),
    ("/settings/industries/", ADMIN_ONLY),
    ("/settings/workdays/", ADMIN_ONLY),
    ("/settings/workdays/?year=2031", ADMIN_ONLY),
    ("/settings/discipline/", ADMIN_ONLY),
    ("/notifications/", EVERYONE),
    ("/notifications/?unread=1", EVERYONE),
    ("/agenda/calendar/", EVERYONE),
    ("/exports/customers/?format=csv", EVERYONE),  # each persona's own rows (none for bob, dave)
    ("/print/customers/{pk}.pdf", SEE),
    ("/contacts/{contact}.vcf", SEE),
    ("/customers/{pk}/contacts.vcf", SEE),
]


@pytest.fixture
def world(personas: testing.Personas) -> tuple[testing.Personas, Customer, Contact]:
    customer = services.create_customer(
        testing.actor(personas.alice),
        name=SECRET_NAME,
        contacts=[{"name": "单田芳", "mobile": "13812345678"}],
    )
    return personas, customer, customer.contacts.get()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[u for u, _e in PAGES])
def test_web_page_answers_each_persona_as_the_policy_says(
    world: tuple[testing.Personas, Customer, Contact],
    persona: str,
    url: str,
    expected: dict[str, int],
) -> None:
    personas, customer, contact = world
    client = Client()
    client.force_login(getattr(personas, persona))

    response = client.get(url.format(pk=customer.pk, contact=contact.pk))

    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode(errors="replace")  # downloads (PDF, xlsx) are bytes
    assert response.status_code == expected[persona]
    if response.status_code in (403, 404) or SEE[persona] == 404:
        assert SECRET_NAME not in body  # lists, search and overview of bob and dave too
        assert "单田芳" not in body


@pytest.mark.parametrize(("url", "_expected"), PAGES, ids=[u for u, _e in PAGES])
def test_signed_out_visitor_is_sent_to_sign_in(
    world: tuple[testing.Personas, Customer, Contact], url: str, _expected: Any
) -> None:
    _personas, customer, contact = world

    response = Client().get(url.format(pk=customer.pk, contact=contact.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
