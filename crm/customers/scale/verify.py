"""`crm demo --scale … --verify`: the generated rows pass the app's own validation.

Samples customers (200 by default) with their contacts, and cards, to-dos and deals, and
runs on them what the services run on their input: the models' full_clean (unique fields
and constraints included), the USCC and phone validators, the dedupe key and the pinyin
search keys; checks that the folding near-duplicate spellings of a sampled name are found
by the duplicate check; and opens the customer list and a customer page as its owner.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.test import Client, override_settings
from django.urls import reverse

from crm.contacts.models import Contact
from crm.core import validators
from crm.core.pinyin import pinyin_keys
from crm.customers.choices import Kind
from crm.customers.models import Customer
from crm.customers.rules import normalise_name
from crm.customers.services.duplicates import find_duplicate
from crm.pipeline.models import Contract, Opportunity, Order
from crm.records.models import Record, Task

from .rows import TO_ASCII, TO_FULL

SAMPLE = 200  # customers checked by `crm demo --scale … --verify`
CHILD_MODELS: tuple[type[Model], ...] = (Record, Task, Opportunity, Contract, Order)


@dataclass
class Result:
    checked: int = 0
    errors: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)

    def fail(self, what: str, detail: Any) -> None:
        self.errors.append(f"{what}: {detail}")


def _clean(result: Result, obj: Model) -> None:
    result.checked += 1
    try:
        obj.full_clean()
    except ValidationError as exc:
        result.fail(f"{obj._meta.label} {obj.pk}", exc.message_dict)


def _expect(result: Result, what: str, actual: Any, expected: Any) -> None:
    result.checked += 1
    if actual != expected:
        result.fail(what, f"{actual!r} ≠ {expected!r}")


def _rule(result: Result, what: str, validator: Any, value: str) -> None:
    try:
        _expect(result, what, validator(value), value)
    except ValidationError as exc:
        result.fail(what, exc.messages)


def _customer(result: Result, customer: Customer) -> None:
    _clean(result, customer)
    person = customer.kind == Kind.INDIVIDUAL
    _expect(result, f"客户 {customer.pk} 去重键", customer.name_key, normalise_name(customer.name))
    keys = pinyin_keys(customer.name, person=person)
    _expect(
        result, f"客户 {customer.pk} 拼音", (customer.name_pinyin, customer.name_initials), keys
    )
    if customer.uscc:
        _rule(
            result, f"客户 {customer.pk} 统一社会信用代码", validators.validate_uscc, customer.uscc
        )
    if not person:
        for variant in folded_variants(customer.name):
            result.checked += 1
            found = find_duplicate(kind=Kind.ENTERPRISE, name=variant, uscc="")
            if found is None or found[0].pk != customer.pk:
                result.fail(f"客户 {customer.pk} 近似重名未被识别", variant)


def folded_variants(name: str) -> list[str]:
    """Spellings the dedupe rules fold onto `name`: another legal form, the other bracket
    width, an inserted (中国), spaces."""
    out = [name.translate(TO_ASCII), name.translate(TO_FULL)]
    if "分公司" not in name:
        for form in ("股份有限公司", "有限责任公司", "有限公司"):
            if name.endswith(form):
                other = "有限公司" if form != "有限公司" else "股份有限公司"
                out.append(name.removesuffix(form) + other)
                out.append(name.removesuffix(form) + "(中国)" + form)
                break
    out.append(" ".join(name))
    return [v for v in dict.fromkeys(out) if v != name]


def _contact(result: Result, contact: Contact) -> None:
    _clean(result, contact)
    label = f"联系人 {contact.pk}"
    _rule(result, f"{label} 手机", validators.validate_cn_mobile, contact.mobile)
    if contact.phone:
        _rule(result, f"{label} 办公电话", validators.validate_cn_landline, contact.phone)
    _rule(result, f"{label} 邮箱", validators.validate_email_address, contact.email)
    keys = pinyin_keys(contact.name, person=True)
    _expect(result, f"{label} 拼音", (contact.name_pinyin, contact.name_initials), keys)
    _expect(
        result,
        f"{label} 电话数字",
        contact.phone_digits,
        "".join(filter(str.isdigit, contact.phone)),
    )


# The pages, not the static files: a fresh data directory has no collected manifest.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@override_settings(STORAGES=PLAIN_STATIC)
def _pages(result: Result, customer: Customer) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(customer.owner)
    for label, url in (
        ("客户列表", reverse("customers:list")),
        ("客户详情", reverse("customers:detail", args=[customer.pk])),
    ):
        with warnings.catch_warnings():  # whitenoise: no collected static directory here
            warnings.simplefilter("ignore", UserWarning)
            status = client.get(url).status_code
        result.pages[label] = status
        _expect(result, f"{label} {url}", status, 200)


def run(seed: int, sample: int | None = None) -> Result:
    result = Result()
    sample = SAMPLE if sample is None else sample
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    chosen = sorted(random.Random(f"{seed}:verify").sample(ids, min(sample, len(ids))))
    customers = Customer.objects.filter(pk__in=chosen).select_related("owner")
    for customer in customers:
        _customer(result, customer)
    for contact in Contact.objects.filter(customer_id__in=chosen):
        _contact(result, contact)
    for model in CHILD_MODELS:
        for obj in model._default_manager.filter(customer_id__in=chosen)[:sample]:
            _clean(result, obj)
    if customers:
        _pages(result, customers[0])
    return result
