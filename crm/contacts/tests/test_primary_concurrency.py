"""Parallel contact writes on one customer: always exactly one primary, never a 500."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from crm.contacts import services
from crm.contacts.models import Contact
from crm.core import testing
from crm.core.testing import run_in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
THREADS = 12


def test_parallel_first_contacts_give_one_primary(personas: Any, customer_of: Any) -> None:
    customer = customer_of(personas.alice, name="深圳市腾飞科技有限公司")

    def create(i: int) -> Contact:
        return services.create_contact(
            testing.actor(personas.alice, "api"), customer=customer, name=f"联系人{i}"
        )

    results = run_in_parallel(create, THREADS)

    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"Contact": THREADS}, (connection.vendor, results)
    assert Contact.objects.filter(customer=customer).count() == THREADS
    assert Contact.objects.filter(customer=customer, is_primary=True).count() == 1


def test_parallel_promotions_leave_one_primary(personas: Any, customer_of: Any) -> None:
    customer = customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        contacts=[{"name": f"联系人{i}"} for i in range(THREADS)],
    )
    contacts = list(Contact.objects.filter(customer=customer).order_by("pk"))

    def promote(i: int) -> Contact:
        return services.update_contact(
            testing.actor(personas.alice, "api"), contacts[i], is_primary=True
        )

    results = run_in_parallel(promote, THREADS)

    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"Contact": THREADS}, (connection.vendor, results)
    assert Contact.objects.filter(customer=customer, is_primary=True).count() == 1
