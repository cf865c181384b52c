"""Parallel creates: one USCC gives one customer; numbers never collide (both databases)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from crm.core.errors import Duplicate
from crm.core.testing import actor, run_in_parallel
from crm.customers import services
from crm.customers.models import Customer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
USCC = "91110108551385082Q"
THREADS = 50


def test_fifty_parallel_creates_sharing_one_uscc_give_one_customer(personas):
    alice = personas.alice

    def create(i: int) -> Customer:
        return services.create_customer(
            actor(alice, "api"), name=f"并发测试{i}号有限公司", uscc=USCC
        )

    results = run_in_parallel(create, THREADS)
    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"Customer": 1, "Duplicate": THREADS - 1}, (connection.vendor, results)
    assert Customer.objects.filter(uscc=USCC).count() == 1
    refusals = [r for r in results if isinstance(r, Duplicate)]
    assert {r.details["match"] for r in refusals} == {"uscc"}


def test_fifty_parallel_creates_get_fifty_distinct_consecutive_numbers(personas):
    alice = personas.alice

    def create(i: int) -> str:
        return services.create_customer(actor(alice, "api"), name=f"编号测试{i}号有限公司").number

    numbers = run_in_parallel(create, THREADS)
    assert all(isinstance(n, str) for n in numbers), numbers
    day = timezone.localdate().strftime("%Y%m%d")
    assert sorted(numbers) == [f"CRM-{day}-{seq:03d}" for seq in range(1, THREADS + 1)]
