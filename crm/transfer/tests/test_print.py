"""Printouts: the archive sheet and the record card as PDFs, for customers the viewer may see,
with contacts masked as on the page."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.records import services as record_services
from crm.transfer import pdf

pytestmark = pytest.mark.django_db
MOBILE = "13812345678"
NAME = "深圳市腾飞科技有限公司"


def pdf_text(data: bytes, html: str) -> str:
    """The PDF's text (poppler's pdftotext); without poppler, the text WeasyPrint laid out
    from the same HTML (the boxes the PDF is drawn from)."""
    poppler = shutil.which("pdftotext")
    if poppler:
        done = subprocess.run(  # noqa: S603 - poppler on our own PDF bytes
            [poppler, "-layout", "-", "-"], input=data, capture_output=True, check=True
        )
        return done.stdout.decode()
    import weasyprint

    document = weasyprint.HTML(string=html).render()
    texts: list[str] = []

    def walk(box: Any) -> None:
        texts.append(getattr(box, "text", "") or "")
        for child in getattr(box, "children", []):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(texts)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def customer(personas: Personas, customer_of: Any) -> Any:
    made = customer_of(
        personas.alice,
        name=NAME,
        contacts=[
            {
                "name": "单田芳",
                "title": "总经理",
                "mobile": MOBILE,
                "id_number": "11010519491231002X",
            }
        ],
        addresses=[{"kind": "hq", "region_id": "440300", "detail": "南山区科技园 1 号"}],
    )
    return made


@pytest.fixture
def card(personas: Personas, customer: Any) -> Any:
    return record_services.file_record(
        actor(personas.alice),
        customer=customer,
        contacts=[customer.contacts.get()],
        occurred_at=timezone.now(),
        channel="visit",
        purpose="needs_discovery",
        content="客户提出下季度采购预算需降低15%",
        feedback="对售后响应速度表示认可",
        sentiment="expectant",
        next_focus="确认报价单反馈",
        tasks=[{"description": "提供定制化报价单", "due": timezone.localdate()}],
    )


def test_archive_sheet_prints_the_customer_with_the_mobile_masked(
    personas: Personas, customer: Any, card: Any
) -> None:
    Customer.objects.filter(pk=customer.pk).update(status="to_follow")
    response = signed_in(personas.alice).get(f"/print/customers/{customer.pk}.pdf")
    data = response.content
    text = pdf_text(data, pdf.archive(actor(personas.alice), customer.pk).html)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('inline; filename="customer_')
    assert data.startswith(b"%PDF")
    for shown in ("客户档案维护表", NAME, "138****5678", "单田芳", "提供定制化报价单", "☑待跟进"):
        assert shown in "".join(text.split()), shown
    assert MOBILE not in text and "002X" not in text


def test_archive_prints_mobiles_in_full_only_when_asked_by_who_may_see_them(
    personas: Personas, customer: Any
) -> None:
    assert MOBILE in pdf.archive(actor(personas.alice), customer.pk, full=True).html
    assert MOBILE not in pdf.archive(actor(personas.erin), customer.pk, full=True).html
    assert SensitiveAccess.objects.count() == 0  # the owner reads them on the edit form anyway


def test_a_full_printout_by_grant_alone_is_logged_as_a_reveal(
    personas: Personas, customer: Any
) -> None:
    personas.erin.grant_personal = True
    personas.erin.save()
    assert MOBILE in pdf.archive(actor(personas.erin), customer.pk, full=True).html
    assert list(SensitiveAccess.objects.values_list("actor__username", "field", "reason")) == [
        ("erin", "mobile", "打印客户档案")
    ]
    event = AuditEvent.objects.get(action="customer.print")
    assert (event.customer_id, event.changes) == (
        customer.pk,
        {"contacts": {"before": None, "after": ["单田芳"]}},
    )


def test_record_card_prints_in_the_seed_layout(personas: Personas, card: Any) -> None:
    response = signed_in(personas.carol).get(f"/print/records/{card.pk}.pdf")
    text = "".join(
        pdf_text(response.content, pdf.record_card(actor(personas.carol), card.pk).html).split()
    )

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    for shown in (
        "客户关系维护记录卡",
        NAME,
        "单田芳(总经理)",
        "拜访",
        "张爱丽",
        "客户提出下季度采购预算需降低15%",
        "态度倾向:期待",
        "提供定制化报价单",
        "确认报价单反馈",
    ):
        assert shown in text, shown
    assert MOBILE not in text


def test_printouts_of_a_customer_out_of_sight_answer_404(
    personas: Personas, customer: Any, card: Any
) -> None:
    dave = signed_in(personas.dave)
    assert dave.get(f"/print/customers/{customer.pk}.pdf").status_code == 404
    assert dave.get(f"/print/records/{card.pk}.pdf").status_code == 404
    erin = signed_in(personas.erin)  # service staff see service records only
    assert erin.get(f"/print/records/{card.pk}.pdf").status_code == 404


def test_customer_page_offers_the_printouts(personas: Personas, customer: Any, card: Any) -> None:
    html = signed_in(personas.alice).get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="/print/customers/{customer.pk}.pdf"' in html
    assert f'href="/print/customers/{customer.pk}.pdf?full=1"' in html
    assert f'href="/print/records/{card.pk}.pdf"' in html
    erin = signed_in(personas.erin).get(f"/customers/{customer.pk}/").content.decode()
    assert f"/print/customers/{customer.pk}.pdf?full=1" not in erin
