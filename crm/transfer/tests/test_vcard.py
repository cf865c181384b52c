"""vCards: a contact and a customer's contacts, parsed back; mobiles only for who may see them."""

from __future__ import annotations

from typing import Any

import pytest
import vobject
from django.test import Client

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.core.testing import Personas
from crm.transfer.vcard import split_name

pytestmark = pytest.mark.django_db
MOBILE = "13812345678"
NAME = "深圳市腾飞科技有限公司"


@pytest.fixture
def customer(personas: Personas, customer_of: Any) -> Any:
    return customer_of(
        personas.alice,
        name=NAME,
        contacts=[
            {
                "name": "欧阳娜娜",
                "title": "采购总监",
                "department": "采购部",
                "phone": "0755-88886666",
                "mobile": MOBILE,
                "email": "nana@tengfei.cn",
                "id_number": "11010519491231002X",
            },
            {"name": "单田芳", "mobile": "13987654321"},
        ],
    )


def download(user: Any, url: str) -> tuple[Any, list[Any]]:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    cards = (
        list(vobject.readComponents(response.content.decode()))
        if response.status_code == 200
        else []
    )
    return response, cards


def summary(card: Any) -> dict[str, Any]:
    return {
        "fn": card.fn.value,
        "n": (card.n.value.family, card.n.value.given),
        "org": card.org.value,
        "title": card.title.value if hasattr(card, "title") else None,
        "tel": [(t.value, t.type_param) for t in getattr(card, "tel_list", [])],
        "email": [e.value for e in getattr(card, "email_list", [])],
    }


def test_a_contact_card_for_its_owner_has_the_full_mobile(
    personas: Personas, customer: Any
) -> None:
    contact = customer.contacts.get(name="欧阳娜娜")
    response, cards = download(personas.alice, f"/contacts/{contact.pk}.vcf")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"contact_{contact.pk}.vcf\"; filename*=UTF-8''"
        "%E6%AC%A7%E9%98%B3%E5%A8%9C%E5%A8%9C_%E6%B7%B1%E5%9C%B3%E5%B8%82%E8%85%BE%E9%A3%9E"
        "%E7%A7%91%E6%8A%80%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8.vcf"
    )
    assert [summary(c) for c in cards] == [
        {
            "fn": "欧阳娜娜",
            "n": ("欧阳", "娜娜"),
            "org": [NAME, "采购部"],
            "title": "采购总监",
            "tel": [(MOBILE, "CELL"), ("0755-88886666", "WORK")],
            "email": ["nana@tengfei.cn"],
        }
    ]
    assert "002X" not in response.content.decode()
    assert SensitiveAccess.objects.count() == 0  # an editor: no access-log row


def test_without_the_full_view_mobile_and_email_are_left_out(
    personas: Personas, customer: Any
) -> None:
    response, cards = download(personas.erin, f"/customers/{customer.pk}/contacts.vcf")

    assert response.status_code == 200
    assert [(summary(c)["fn"], summary(c)["tel"], summary(c)["email"]) for c in cards] == [
        ("欧阳娜娜", [("0755-88886666", "WORK")], []),
        ("单田芳", [], []),
    ]
    body = response.content.decode()
    assert MOBILE not in body and "138****5678" not in body
    assert AuditEvent.objects.filter(action="contact.vcard").count() == 0


def test_full_mobiles_taken_by_grant_alone_are_logged_as_reveals(
    personas: Personas, customer: Any
) -> None:
    personas.erin.grant_personal = True
    personas.erin.save()
    _response, cards = download(personas.erin, f"/customers/{customer.pk}/contacts.vcf")

    assert [summary(c)["tel"][0] for c in cards] == [(MOBILE, "CELL"), ("13987654321", "CELL")]
    assert sorted(SensitiveAccess.objects.values_list("contact_label", "field")) == [
        ("单田芳", "mobile"),
        ("欧阳娜娜", "email"),
        ("欧阳娜娜", "mobile"),
    ]
    event = AuditEvent.objects.get(action="contact.vcard")
    assert (event.customer_id, event.changes["contacts"]["after"]) == (
        customer.pk,
        ["单田芳", "欧阳娜娜"],
    )


def test_cards_of_a_customer_out_of_sight_answer_404(personas: Personas, customer: Any) -> None:
    contact = customer.contacts.first()
    assert download(personas.dave, f"/contacts/{contact.pk}.vcf")[0].status_code == 404
    assert download(personas.bob, f"/customers/{customer.pk}/contacts.vcf")[0].status_code == 404


def test_customer_page_offers_the_cards_with_the_note(personas: Personas, customer: Any) -> None:
    client = Client()
    client.force_login(personas.erin)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="/customers/{customer.pk}/contacts.vcf"' in html
    assert "无权查看完整手机号时不导出手机号" in html


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("张三", ("张", "三")),
        ("欧阳娜娜", ("欧阳", "娜娜")),
        ("司马光", ("司马", "光")),
        ("单于", ("单", "于")),  # a two-character name is surname + given name
        ("Tom Smith", ("Smith", "Tom")),
        ("Madonna", ("Madonna", "")),
    ],
)
def test_names_split_after_the_surname(name: str, parts: tuple[str, str]) -> None:
    assert split_name(name) == parts
