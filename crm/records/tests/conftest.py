from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from crm.core import testing

# A fixed "now" for every records test: 2026-03-02 10:00 in Shanghai.
NOW = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def customer(personas: testing.Personas, customer_of: Any) -> Any:
    return customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        contacts=[{"name": "单田芳", "mobile": "13812345678"}],
    )


@pytest.fixture
def card_fields() -> dict[str, Any]:
    return {
        "occurred_at": NOW - datetime.timedelta(hours=2),
        "channel": "visit",
        "purpose": "needs_discovery",
        "content": "1.客户反馈系统操作复杂,希望简化流程;2.询问新功能的上线时间",
        "sentiment": "expectant",
    }
