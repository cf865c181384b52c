"""Values as a page shows them: local times, grouped amounts, choice labels."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from crm.core.formats import grouped_amount, local_moment
from crm.core.templatetags.crm import amount, row_url
from crm.customers.models import Customer


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-17T00:41:55.212560+00:00", "2026-11-17 08:41"),  # UTC in, Shanghai out
        ("2026-11-17T23:30:00+00:00", "2026-11-18 07:30"),
        ("2026-11-17T08:00:00", "2026-11-17 08:00"),  # naive: as it is
        ("not a time", "not a time"),
    ],
)
def test_local_moment(stored: str, shown: str) -> None:
    assert local_moment(stored) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [("13630000.00", "13,630,000.00"), ("500000", "500,000.00"), ("0.5", "0.50"), ("x", "x")],
)
def test_grouped_amount(value: str, shown: str) -> None:
    assert grouped_amount(value) == shown
    assert amount(value) == shown
    assert amount(None) == ""


def test_choice_labels_follow_the_language_and_keep_unknown_values() -> None:
    customer = Customer(stage="intent", status="to_follow", kind="enterprise")
    with translation.override("zh-hans"):
        assert (customer.get_stage_display(), customer.get_status_display()) == (
            "意向客户",
            "待跟进",
        )
    with translation.override("en"):
        assert customer.get_stage_display() == "Interested"
    customer.stage = "no_such_stage"
    assert customer.get_stage_display() == "no_such_stage"


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("customers:detail", (42,), "/customers/42/"),
        ("records:file", (7,), "/customers/7/records/new/"),
        ("customers:contact_edit", (3, 9), "/customers/3/contacts/9/edit/"),
    ],
)
def test_row_url_is_reverse(name: str, args: Any, path: str) -> None:
    from django.urls import reverse

    assert row_url(name, *args) == reverse(name, args=args) == path
