from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from crm.core import testing

# 2026-03-02 10:00 in Shanghai (a Monday).
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
        stage="intent",
        contacts=[
            {"name": "王强", "title": "CTO", "mobile": "13812345678"},
            {"name": "李娜", "title": "采购经理", "mobile": "13987654321"},
        ],
    )
