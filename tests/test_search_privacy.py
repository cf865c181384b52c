"""Search cannot confirm a guessed phone number the viewer only sees masked (DOMAIN §2).

The four-digit tail (手机尾号) is searchable by every viewer; a longer number matches only
contacts whose numbers the viewer sees in full: admin, the personal grant, or editors of the
customer (owner, collaborator, the owner's team manager).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.contacts.models import Contact
from crm.core.testing import actor, api_client
from crm.customers import services
from crm.customers.filters import CustomerFilter
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
TAIL = "5678"
OFFICE = "057188889999"


@pytest.fixture
def tengfei(personas: Any, customer_of: Any) -> Customer:
    """alice's customer; another customer of hers shares no digits with the number searched."""
    customer_of(
        personas.alice,
        name="杭州西湖茶叶有限公司",
        contacts=[{"name": "李四", "mobile": "13800001111"}],
    )
    return customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        contacts=[{"name": "单田芳", "mobile": MOBILE, "phone": "0571-88889999"}],
    )


@pytest.fixture
def contact(tengfei: Customer) -> Contact:
    return Contact.objects.get(customer=tengfei)


def customers_found(user: Any, q: str) -> list[int]:
    response = api_client(user).get("/api/v1/customers/", {"q": q})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.data["results"]]


def contacts_found(user: Any, q: str) -> list[int]:
    response = api_client(user).get("/api/v1/contacts/", {"q": q})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.data["results"]]


def found(user: Any, q: str) -> tuple[list[int], list[int]]:
    return customers_found(user, q), contacts_found(user, q)


# --- the masked viewer ------------------------------------------------------------------------


def test_service_sees_the_mobile_masked(personas: Any, contact: Contact) -> None:
    response = api_client(personas.erin).get(f"/api/v1/contacts/{contact.pk}/")

    assert (response.data["mobile"], response.data["masked"]) == ("139****5678", True)


def test_service_cannot_confirm_a_full_mobile(personas: Any, tengfei: Customer) -> None:
    assert found(personas.erin, MOBILE) == ([], [])


@pytest.mark.parametrize("q", ["45678", "2345678", "912345678"])
def test_service_cannot_confirm_a_longer_tail_either(
    personas: Any, tengfei: Customer, q: str
) -> None:
    assert found(personas.erin, q) == ([], [])


def test_service_finds_the_contact_by_the_four_digit_tail(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    assert found(personas.erin, TAIL) == ([tengfei.pk], [contact.pk])


def test_service_cannot_confirm_a_full_office_number(personas: Any, tengfei: Customer) -> None:
    assert found(personas.erin, OFFICE) == ([], [])


def test_service_finds_the_office_number_by_its_tail(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    assert found(personas.erin, "9999") == ([tengfei.pk], [contact.pk])


def test_service_still_finds_by_name(personas: Any, tengfei: Customer, contact: Contact) -> None:
    assert found(personas.erin, "单田芳") == ([tengfei.pk], [contact.pk])


# --- viewers who see the number in full -------------------------------------------------------


def test_owner_finds_the_contact_by_the_full_mobile(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    assert found(personas.alice, MOBILE) == ([tengfei.pk], [contact.pk])


def test_owner_finds_the_contact_by_a_longer_tail(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    assert found(personas.alice, "45678") == ([tengfei.pk], [contact.pk])


def test_owner_finds_the_contact_by_the_full_office_number(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    assert found(personas.alice, OFFICE) == ([tengfei.pk], [contact.pk])


def test_service_with_the_personal_grant_finds_the_full_mobile(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    personas.erin.grant_personal = True
    personas.erin.save()

    assert found(personas.erin, MOBILE) == ([tengfei.pk], [contact.pk])


def test_team_manager_finds_the_full_mobile(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    assert found(personas.carol, MOBILE) == ([tengfei.pk], [contact.pk])


def test_collaborator_finds_the_full_mobile(
    personas: Any, tengfei: Customer, contact: Contact
) -> None:
    services.add_collaborator(actor(personas.alice), tengfei, user=personas.bob)

    assert found(personas.bob, MOBILE) == ([tengfei.pk], [contact.pk])


def test_admin_finds_the_full_mobile(personas: Any, tengfei: Customer, contact: Contact) -> None:
    assert found(personas.admin, MOBILE) == ([tengfei.pk], [contact.pk])


# --- viewers who do not see the customer at all -----------------------------------------------


@pytest.mark.parametrize("q", [MOBILE, TAIL])
def test_other_team_finds_nothing_either_way(personas: Any, tengfei: Customer, q: str) -> None:
    assert found(personas.dave, q) == ([], [])


@pytest.mark.parametrize("q", [MOBILE, TAIL])
def test_same_team_colleague_without_access_finds_nothing(
    personas: Any, tengfei: Customer, q: str
) -> None:
    assert found(personas.bob, q) == ([], [])


# --- the restriction is part of the same SQL --------------------------------------------------


@pytest.mark.parametrize(
    ("url", "persona", "expected"),
    [
        (f"/api/v1/customers/?q={MOBILE}", "alice", 2),  # rows + tags
        (f"/api/v1/customers/?q={MOBILE}", "erin", 1),  # no rows, so no tags query
        (f"/api/v1/customers/?q={TAIL}", "erin", 2),
        (f"/api/v1/customers/?q={MOBILE}", "carol", 3),  # + managed teams
        (f"/api/v1/contacts/?q={MOBILE}", "alice", 1),
        (f"/api/v1/contacts/?q={MOBILE}", "erin", 1),
        (f"/api/v1/contacts/?q={TAIL}", "erin", 1),
        (f"/api/v1/contacts/?q={MOBILE}", "carol", 2),  # + managed teams
    ],
)
def test_full_number_search_adds_no_query(
    personas: Any, tengfei: Customer, url: str, persona: str, expected: int
) -> None:
    user = getattr(personas, persona)
    client = api_client(type(user).objects.get(pk=user.pk))  # a fresh user, as per request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)

    assert response.status_code == 200
    assert len(ctx.captured_queries) == expected


# --- the search itself and the page's FilterSet -----------------------------------------------


def test_search_without_a_user_is_unrestricted(tengfei: Customer) -> None:
    assert list(Customer.objects.search(MOBILE).values_list("pk", flat=True)) == [tengfei.pk]


def test_search_for_a_masked_viewer_matches_only_the_tail(personas: Any, tengfei: Customer) -> None:
    search = Customer.objects.visible_to(personas.erin).search

    assert list(search(MOBILE, user=personas.erin).values_list("pk", flat=True)) == []
    assert list(search(TAIL, user=personas.erin).values_list("pk", flat=True)) == [tengfei.pk]


def page_filter(q: str, user: Any = None) -> list[int]:
    """The customer list page builds its FilterSet without a request; the viewer is `user`."""
    filterset = CustomerFilter(QueryDict(f"q={q}"), queryset=Customer.objects.all())
    if user is not None:
        filterset.user = user
    assert filterset.is_valid()
    return list(filterset.qs.values_list("pk", flat=True))


def test_page_filterset_uses_its_user_attribute(personas: Any, tengfei: Customer) -> None:
    assert page_filter(MOBILE, personas.alice) == [tengfei.pk]
    assert page_filter(MOBILE, personas.erin) == []
    assert page_filter(TAIL, personas.erin) == [tengfei.pk]


def test_page_filterset_without_a_viewer_matches_only_the_tail(tengfei: Customer) -> None:
    assert page_filter(MOBILE) == []
    assert page_filter(TAIL) == [tengfei.pk]


def test_service_cannot_confirm_a_full_mobile_on_the_list_page(
    personas: Any, tengfei: Customer
) -> None:
    client = Client()
    client.force_login(personas.erin)

    full = client.get("/customers/", {"q": MOBILE}).content.decode()
    tail = client.get("/customers/", {"q": TAIL}).content.decode()

    assert "深圳市腾飞科技有限公司" not in full
    assert "没有找到符合条件的客户" in full
    assert "深圳市腾飞科技有限公司" in tail


def test_owner_finds_her_customer_by_the_full_number_on_the_list_page(personas, customer_of):
    from django.test import Client

    customer = customer_of(
        personas.alice,
        name="杭州全号测试有限公司",
        contacts=[{"name": "王五", "mobile": "13912345678"}],
    )
    client = Client()
    client.force_login(personas.alice)
    assert customer.name in client.get("/customers/?q=13912345678").content.decode()
    client.force_login(personas.erin)
    assert customer.name not in client.get("/customers/?q=13912345678").content.decode()
    assert customer.name in client.get("/customers/?q=5678").content.decode()
