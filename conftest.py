"""Shared pytest fixtures: the personas and API clients for them."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core import testing


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Database tests start with the reference data the migrations load (see testing.py)."""
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("_django_db_helper")
        testing.ensure_reference_data()


@pytest.fixture(autouse=True)
def test_environment(settings: Any) -> None:
    """Pages render {% static %} without collectstatic; fast hashing; a fresh cache."""
    from django.core.cache import cache

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # the login throttle counts in the process-wide cache


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
