"""Contacts as vCard 3.0 (vobject does the escaping and line folding): one contact, or every
contact of a customer, for a phone's or mail client's address book.

A card carries FN, N (a Chinese name split after its surname, compound surnames included),
ORG (the customer; the department), TITLE, TEL;TYPE=WORK (office phone) and, only where the
viewer may see them in full, TEL;TYPE=CELL and EMAIL: a masked number is useless in an address
book, so it is left out rather than written masked. Taking full values away follows
crm.transfer.personal: a viewer allowed by the personal grant alone (not an editor of the
customer) leaves one access-log row per contact and field, as the contacts' 查看 button does,
and one audit event on the customer's timeline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import vobject
from django.db import transaction

from crm.audit import services as audit
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.pinyin import SURNAME_READINGS
from crm.customers import services as customer_services
from crm.customers.models import Customer
from crm.customers.rules import COMPOUND_SURNAMES

from . import personal

CONTENT_TYPE = "text/vcard; charset=utf-8"
COMPOUND = frozenset(COMPOUND_SURNAMES) | {s for s in SURNAME_READINGS if len(s) == 2}
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def split_name(name: str) -> tuple[str, str]:
    """(family, given): 欧阳娜娜 → (欧阳, 娜娜), 张三 → (张, 三), "Tom Smith" → (Smith, Tom)."""
    text = " ".join((name or "").split())
    if not text:
        return "", ""
    if _HAN.match(text):
        length = 2 if text[:2] in COMPOUND and len(text) > 2 else 1
        return text[:length], text[length:].strip()
    given, _space, family = text.rpartition(" ")
    return (family, given) if given else (text, "")


def card(contact: Contact, customer: Customer, *, full: bool) -> vobject.base.Component:
    """One contact's vCard; mobile and email only when `full`."""
    vcard = vobject.vCard()
    vcard.add("fn").value = contact.name
    family, given = split_name(contact.name)
    vcard.add("n").value = vobject.vcard.Name(family=family, given=given)
    vcard.add("org").value = [customer.name] + ([contact.department] if contact.department else [])
    if contact.title:
        vcard.add("title").value = contact.title
    phones = [(contact.mobile, "CELL")] if full and contact.mobile else []
    phones += [(contact.phone, "WORK")] if contact.phone else []
    for number, kind in phones:
        tel = vcard.add("tel")
        tel.value = number
        tel.type_param = kind
    if full and contact.email:
        email = vcard.add("email")
        email.value = contact.email
        email.type_param = "INTERNET"
    return vcard


def _serialise(actor: Actor, customer: Customer, contacts: Sequence[Contact], obj: Any) -> str:
    """The cards of `contacts`, logging the full values a grant-only viewer takes away."""
    full = personal.may_see_full(actor.user, customer)
    taken = [item for c in contacts for item in personal.shown_in_full(c, ("mobile", "email"))]
    if full and taken and personal.logged_by_grant(actor.user, customer):
        with transaction.atomic():
            personal.log_access(actor, taken, reason="导出联系人名片")
            audit.record(
                actor,
                "contact.vcard",
                obj,
                customer=customer,
                changes={
                    "contacts": {"before": None, "after": sorted({c.name for c, _f in taken})}
                },
            )
    return "".join(card(contact, customer, full=full).serialize() for contact in contacts)


def contact_vcard(actor: Actor, pk: Any) -> tuple[str, Contact]:
    """One contact the actor may see (NotFound otherwise) as a vCard."""
    contact = contact_services.get_visible(actor, pk)
    return _serialise(actor, contact.customer, [contact], contact), contact


def customer_vcards(actor: Actor, pk: Any) -> tuple[str, Customer]:
    """Every contact of a customer the actor may see (NotFound otherwise), primary first."""
    customer = customer_services.get_visible(actor, pk)
    contacts = list(
        Contact.objects.filter(customer=customer)
        .defer("id_number", "bank_account")
        .order_by("-is_primary", "pk")
    )
    for contact in contacts:
        contact.customer = customer
    return _serialise(actor, customer, contacts, customer), customer
