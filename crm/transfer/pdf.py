"""Printable PDFs in the layout of the seed templates: the customer archive sheet 客户档案维护表
(seed 001 §三) and the record card 客户关系维护记录卡 (seed 000 §三).

HTML templates under templates/transfer/print/ rendered by WeasyPrint on A4 with the Noto CJK
fonts (embedded and subset, so the Chinese prints anywhere) and the stylesheet print.css next
to this file (no inline style: every template obeys the CSP rules). Contacts print as the
page shows them: mobile and email masked unless the viewer may see them in full and asked for
the full printout (crm.transfer.personal), no ID number or bank account ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers import selectors as customer_selectors
from crm.customers.choices import FLAG_FIELDS, Status
from crm.customers.models import Customer
from crm.records import services as record_services
from crm.records.models import Record, Task

from . import personal

STYLESHEET = Path(__file__).with_name("print.css")
ARCHIVE_RECORDS = 10  # the archive sheet's 维护记录: the latest ten cards


@dataclass
class Printout:
    html: str
    title: str  # also the file name, before the date


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """The printouts load nothing but their stylesheet (read apart): no file, no network,
    whatever a customer's text might contain (it is escaped anyway)."""
    raise ValueError(f"printouts fetch no resources: {url[:80]}")


def render_pdf(html: str) -> bytes:
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_no_fetch)
    stylesheet = weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"))
    return document.write_pdf(stylesheets=[stylesheet])  # type: ignore[no-any-return]


def _header(actor: Actor) -> dict[str, Any]:
    user = actor.user
    return {
        "product": _("客户关系管理"),
        "printed_at": timezone.localtime(),
        "printed_by": (user.get_full_name() or user.get_username()) if user else "",
    }


def _contacts(actor: Actor, customer: Customer, full: bool) -> list[dict[str, Any]]:
    """The archive's contact rows, masked as on the page unless printed in full (logged when
    allowed by the personal grant alone)."""
    full = full and personal.may_see_full(actor.user, customer)
    rows, shown = [], []
    for contact in customer.contacts.all():
        rows.append({"obj": contact, **personal.personal_values(contact, full=full)})
        if full:
            shown += personal.shown_in_full(contact, ("mobile", "email"))
    if shown and personal.logged_by_grant(actor.user, customer):
        with transaction.atomic():
            personal.log_access(actor, shown, reason="打印客户档案")
            audit.record(
                actor,
                "customer.print",
                customer,
                customer=customer,
                changes={
                    "contacts": {"before": None, "after": sorted({c.name for c, _f in shown})}
                },
            )
    return rows


def _latest_records(actor: Actor, customer: Customer) -> list[Record]:
    """The latest cards the viewer may see (service staff: service records), voided ones left
    out, with their to-dos."""
    return list(
        Record.objects.visible_to(actor.user)
        .filter(customer=customer, voided=False)
        .select_related("maintainer")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.order_by("due", "pk")))
        .order_by("-occurred_at", "-id")[:ARCHIVE_RECORDS]
    )


def archive(actor: Actor, pk: Any, *, full: bool = False) -> Printout:
    """The archive sheet of a customer the actor may see (NotFound otherwise)."""
    customer = customer_selectors.customer_detail(actor.user, int(pk))  # type: ignore[arg-type]
    addresses = list(customer.addresses.all())
    labels = customer_selectors.custom_field_labels()
    context = {
        **_header(actor),
        "customer": customer,
        "contacts": _contacts(actor, customer, full),
        "hq": [a for a in addresses if a.kind == "hq"],
        "branches": [a for a in addresses if a.kind == "branch"],
        "custom": [
            (label, (customer.custom or {}).get(key))
            for key, label in labels.items()
            if (customer.custom or {}).get(key) not in (None, "")
        ],
        "records": _latest_records(actor, customer),
        "statuses": [(label, customer.status == value) for value, label in Status.choices],
        "flags": [(label, getattr(customer, flag)) for flag, label in FLAG_FIELDS.items()],
    }
    html = render_to_string("transfer/print/archive.html", context)
    return Printout(html=html, title=f"{_('客户档案')}_{customer.name}")


def record_card(actor: Actor, pk: Any) -> Printout:
    """The record card of a card the actor may see (NotFound otherwise)."""
    found = record_services.get_visible_record(actor, pk)
    record = (
        Record.objects.select_related("customer", "maintainer", "voided_by")
        .prefetch_related(
            "contacts",
            "participants",
            Prefetch("tasks", queryset=Task.objects.select_related("owner").order_by("due", "pk")),
        )
        .get(pk=found.pk)
    )
    context = {
        **_header(actor),
        "record": record,
        "customer": record.customer,
        "contacts": record.contacts.all(),
    }
    html = render_to_string("transfer/print/record.html", context)
    day = timezone.localtime(record.occurred_at).strftime("%Y%m%d")
    return Printout(html=html, title=f"{_('维护记录卡')}_{record.customer.name}_{day}")
