"""Fixtures of the after-sales tests: a frozen "now" and a customer of alice's with a
customer-success collaborator.

Time is frozen at Mon 2026-10-12 10:00 in Shanghai, the first Monday after the National Day
holiday (Thu 1 - Wed 7 Oct off, Sat 10 Oct a make-up working day), in the fourth quarter.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.core import testing
from crm.customers import services as customer_services
from crm.customers.models import Customer

NOW = datetime.datetime(2026, 10, 12, 2, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 10, 12)
d = datetime.date


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def customer(personas: testing.Personas, customer_of: Any) -> Customer:
    customer: Customer = customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    return customer


@pytest.fixture
def cindy(personas: testing.Personas) -> User:
    """A customer-success manager 客户成功经理 of team A."""
    return testing.make_user("cindy", Role.CUSTOMER_SUCCESS, personas.team_a, "崔欣")


@pytest.fixture
def success_customer(personas: testing.Personas, customer: Customer, cindy: User) -> Customer:
    """alice's customer with cindy as its customer-success collaborator."""
    customer_services.add_collaborator(testing.actor(personas.alice), customer, user=cindy)
    return customer
