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

    raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
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


# --- opportunities 商机: the board and the opportunity dialogs (crm/pipeline/views.py) -------

OPPORTUNITY_NAME = "腾飞运维托管项目"
OPPORTUNITY_PAGES: list[tuple[str, dict[str, int]]] = [
    ("/pipeline/", EVERYONE),
    ("/pipeline/?scope=all", EVERYONE),  # each persona's visible ones (none for bob, dave)
    ("/customers/{pk}/opportunities/", SEE),
    ("/customers/{pk}/opportunities/new/", EDIT),
    ("/pipeline/opportunities/{opp}/edit/", EDIT),
    ("/pipeline/opportunities/{opp}/move/", EDIT),
    ("/pipeline/opportunities/{opp}/gates/", EDIT),
    ("/pipeline/opportunities/{opp}/objections/", EDIT),
    ("/customers/{pk}/clocks/", SEE),
]


@pytest.fixture
def opportunity_world(
    world: tuple[testing.Personas, Customer, Contact],
) -> tuple[testing.Personas, Customer, Any]:
    import datetime
    from decimal import Decimal

    from crm.pipeline import services as pipeline

    personas, customer, _contact = world
    opp = pipeline.create_opportunity(
        testing.actor(personas.alice),
        customer=customer,
        name=OPPORTUNITY_NAME,
        amount=Decimal("400000.00"),
        expected_close_on=datetime.date(2030, 4, 30),
    )
    return personas, customer, opp


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("url", "expected"), OPPORTUNITY_PAGES, ids=[u for u, _e in OPPORTUNITY_PAGES]
)
def test_opportunity_page_answers_each_persona_as_the_policy_says(
    opportunity_world: tuple[testing.Personas, Customer, Any],
    persona: str,
    url: str,
    expected: dict[str, int],
) -> None:
    personas, customer, opp = opportunity_world
    client = Client()
    client.force_login(getattr(personas, persona))

    response = client.get(url.format(pk=customer.pk, opp=opp.pk), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == expected[persona]
    if response.status_code in (403, 404) or SEE[persona] == 404:
        assert SECRET_NAME not in body
        assert OPPORTUNITY_NAME not in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_card_drop_answers_each_persona_as_the_policy_says_and_only_editors_move_it(
    opportunity_world: tuple[testing.Personas, Customer, Any], persona: str
) -> None:
    from crm.pipeline.models import Opportunity, Stage

    personas, _customer, opp = opportunity_world
    solution = Stage.objects.get(pipeline=opp.pipeline, code="solution")
    client = Client()
    client.force_login(getattr(personas, persona))

    response = client.post(
        f"/pipeline/opportunities/{opp.pk}/move/?origin=board",
        {"stage": solution.pk, "version": opp.version},
        HTTP_HX_REQUEST="true",
    )

    moved = Opportunity.objects.get(pk=opp.pk)
    assert response.status_code == EDIT[persona]
    assert moved.stage_id == (solution.pk if EDIT[persona] == 200 else opp.stage_id)
    if response.status_code != 200:
        assert OPPORTUNITY_NAME not in response.content.decode()


@pytest.mark.parametrize(
    ("url", "_expected"), OPPORTUNITY_PAGES, ids=[u for u, _e in OPPORTUNITY_PAGES]
)
def test_signed_out_visitor_is_sent_to_sign_in_from_opportunity_pages(
    opportunity_world: tuple[testing.Personas, Customer, Any], url: str, _expected: Any
) -> None:
    _personas, customer, opp = opportunity_world

    response = Client().get(url.format(pk=customer.pk, opp=opp.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- 合同与订单 on the customer page and the sales settings (crm/pipeline/business_views.py,
# crm/configuration/pipeline_views.py) ---------------------------------------------------------

CONTRACT_NUMBER = "HT-TF-2025-001"
BUSINESS_PAGES: list[tuple[str, dict[str, int]]] = [
    ("/customers/{pk}/business/", SEE),
    ("/customers/{pk}/contracts/new/", EDIT),
    ("/contracts/{contract}/edit/", EDIT),
    ("/customers/{pk}/orders/new/", EDIT),
    ("/orders/{order}/edit/", EDIT),
    ("/orders/{order}/delete/", EDIT),
    ("/customers/{pk}/level/", EDIT),
    ("/customers/{pk}/level/auto/", EDIT),
    ("/settings/pipelines/", ADMIN_ONLY),
    ("/settings/pipelines/new/", ADMIN_ONLY),
    ("/settings/pipelines/{pipeline}/", ADMIN_ONLY),
    ("/settings/pipelines/{pipeline}/stages/new/", ADMIN_ONLY),
    ("/settings/pipelines/stages/{stage}/", ADMIN_ONLY),
    ("/settings/pipelines/stages/{stage}/gates/new/", ADMIN_ONLY),
    ("/settings/pipelines/gates/{gate}/", ADMIN_ONLY),
    ("/settings/tier-rules/", ADMIN_ONLY),
]


@pytest.fixture
def business_world(
    world: tuple[testing.Personas, Customer, Contact],
) -> tuple[testing.Personas, Customer, dict[str, int]]:
    import datetime
    from decimal import Decimal

    from crm.pipeline import services as pipeline
    from crm.pipeline.models import Gate

    personas, customer, _contact = world
    alice = testing.actor(personas.alice)
    contract = pipeline.create_contract(
        alice,
        customer=customer,
        number=CONTRACT_NUMBER,
        amount=Decimal("600000.00"),
        signed_on=datetime.date(2025, 6, 1),
    )
    order = pipeline.create_order(
        alice,
        customer=customer,
        number="DD-TF-001",
        ordered_on=datetime.date(2025, 7, 1),
        amount=Decimal("5000.00"),
    )
    gate = Gate.objects.select_related("stage").order_by("pk").first()
    assert gate is not None
    ids = {"pk": customer.pk, "contract": contract.pk, "order": order.pk, "gate": gate.pk}
    return personas, customer, {**ids, "stage": gate.stage_id, "pipeline": gate.stage.pipeline_id}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "expected"), BUSINESS_PAGES, ids=[u for u, _e in BUSINESS_PAGES])
def test_business_page_answers_each_persona_as_the_policy_says(
    business_world: tuple[testing.Personas, Customer, dict[str, int]],
    persona: str,
    url: str,
    expected: dict[str, int],
) -> None:
    personas, _customer, ids = business_world
    client = Client()
    client.force_login(getattr(personas, persona))

    response = client.get(url.format(**ids), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == expected[persona]
    if response.status_code in (403, 404) or SEE[persona] == 404:
        assert SECRET_NAME not in body
        assert CONTRACT_NUMBER not in body


@pytest.mark.parametrize(("url", "_expected"), BUSINESS_PAGES, ids=[u for u, _e in BUSINESS_PAGES])
def test_signed_out_visitor_is_sent_to_sign_in_from_business_pages(
    business_world: tuple[testing.Personas, Customer, dict[str, int]], url: str, _expected: Any
) -> None:
    _personas, _customer, ids = business_world

    response = Client().get(url.format(**ids))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- 售后服务 on the customer page and the case library 案例库 (crm/aftersales/views.py) -------

DELIVERY_TITLE = "腾飞一期系统上线"
APPROVE = {"alice": 403, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "admin": 200}
CASE_EDIT = {"alice": 200, "bob": 403, "carol": 200, "dave": 403, "erin": 403, "admin": 200}
AFTERSALES_PAGES: list[tuple[str, dict[str, int]]] = [
    ("/customers/{pk}/aftersales/", SEE),
    ("/customers/{pk}/aftersales/deliveries/", SEE),  # 显示全部: one section in full
    ("/customers/{pk}/aftersales/referrals/", SEE),
    ("/customers/{pk}/deliveries/new/", EDIT),
    ("/deliveries/{delivery}/edit/", EDIT),
    ("/deliveries/{delivery}/deliver/", EDIT),
    ("/deliveries/{delivery}/accept/", EDIT),
    ("/deliveries/{delivery}/progress/", EDIT),
    ("/customers/{pk}/surveys/new/", EDIT),
    ("/surveys/{survey}/plan/", EDIT),
    ("/surveys/{survey}/edit/", EDIT),
    ("/customers/{pk}/feedback/new/", EDIT),
    ("/feedback/{feedback}/resolve/", EDIT),
    ("/feedback/{feedback}/reopen/", EDIT),
    ("/feedback/{feedback}/plan/", EDIT),
    ("/feedback/{feedback}/edit/", EDIT),
    ("/customers/{pk}/referrals/new/", EDIT),
    ("/customers/{pk}/referrals/candidates/?q=东莞", EDIT),  # the referred-customer search
    ("/referrals/{referral}/edit/", EDIT),
    ("/referrals/{referral}/approve/", APPROVE),
    ("/referrals/{referral}/pay/", APPROVE),
    ("/customers/{pk}/risks/new/", EDIT),
    ("/risks/{risk}/close/", EDIT),
    ("/risks/{risk}/reopen/", EDIT),
    ("/risks/{risk}/edit/", EDIT),
    ("/customers/{pk}/cases/new/", EDIT),
    ("/cases/", EVERYONE),  # the customer is named only to those who see it
    ("/cases/?kind=won&tag=华南&q=响应", EVERYONE),
    ("/cases/{case}/", EVERYONE),
    ("/cases/{case}/edit/", CASE_EDIT),
    ("/cases/{case}/withdraw/", CASE_EDIT),
]


@pytest.fixture
def aftersales_world(
    world: tuple[testing.Personas, Customer, Contact],
) -> tuple[testing.Personas, dict[str, int]]:
    from django.utils import timezone

    from crm.aftersales import services as aftersales

    personas, customer, _contact = world
    alice, today = testing.actor(personas.alice), timezone.localdate()
    delivery = aftersales.create_delivery(
        alice, customer=customer, title=DELIVERY_TITLE, delivered_on=today
    )
    survey = aftersales.record_survey(
        alice,
        customer=customer,
        surveyed_on=today,
        response_speed=4,
        deliverable=4,
        overall=80,
        referral_intent="yes",
        suggestions="希望每月提供运维报告",
    )
    feedback = aftersales.record_feedback(
        alice, customer=customer, kind="suggestion", category="service", content="希望增加移动端"
    )
    referral = aftersales.create_referral(alice, customer=customer, referred_name="东莞新星电子")
    risk = aftersales.raise_risk(
        alice,
        customer=customer,
        kind="price",
        level="medium",
        description="客户要求降价 10%",
        countermeasure="提供三年期优惠方案",
        due_on=today,
    )
    case = aftersales.create_case(
        alice, customer=customer, kind="won", title="以响应速度赢单", story="两小时响应承诺"
    )
    ids = {"delivery": delivery.pk, "survey": survey.pk, "feedback": feedback.pk}
    ids |= {"referral": referral.pk, "risk": risk.pk, "case": case.pk}
    return personas, {"pk": customer.pk, **ids}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("url", "expected"), AFTERSALES_PAGES, ids=[u for u, _e in AFTERSALES_PAGES]
)
def test_aftersales_page_answers_each_persona_as_the_policy_says(
    aftersales_world: tuple[testing.Personas, dict[str, int]],
    persona: str,
    url: str,
    expected: dict[str, int],
) -> None:
    personas, ids = aftersales_world
    client = Client()
    client.force_login(getattr(personas, persona))

    response = client.get(url.format(**ids), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == expected[persona]
    if response.status_code in (403, 404) or SEE[persona] == 404:
        assert SECRET_NAME not in body
        assert DELIVERY_TITLE not in body


@pytest.mark.parametrize(
    ("url", "_expected"), AFTERSALES_PAGES, ids=[u for u, _e in AFTERSALES_PAGES]
)
def test_signed_out_visitor_is_sent_to_sign_in_from_aftersales_pages(
    aftersales_world: tuple[testing.Personas, dict[str, int]], url: str, _expected: Any
) -> None:
    _personas, ids = aftersales_world

    response = Client().get(url.format(**ids))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
