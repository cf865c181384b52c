"""Shared pytest fixtures: the personas and API clients for them."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core import testing


@pytest.fixture
def personas(db: Any) -> testing.Personas:
    return testing.make_personas()


@pytest.fixture
def customer_of(personas: testing.Personas) -> Any:
    """Create a customer as a persona, through the service: customer_of(alice, name=...)."""
    from crm.customers import services

    counter = iter(range(1, 10_000))

    def make(creator: Any, /, **fields: Any) -> Any:
        fields.setdefault("name", f"杭州测试{next(counter)}号科技有限公司")
        return services.create_customer(testing.actor(creator), **fields)

    return make
