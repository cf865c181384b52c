"""跟进纪律 settings (/settings/discipline/) and GET/PATCH /api/v1/discipline-rules/: only
administrators change the rules; a change is audited and re-evaluates every customer."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.testing import Personas, api_client
from crm.customers.models import Customer
from crm.discipline import engine
from crm.discipline.models import DisciplineRules

pytestmark = pytest.mark.django_db
URL = "/settings/discipline/"
TZ = timezone.get_default_timezone()
TODAY = datetime.date(2026, 10, 12)
DEFAULTS = {
    "intent_high_days": 5,
    "intent_medium_days": 10,
    "intent_low_days": 21,
    "potential_days": 3,
    "intent_stage_days": 5,
    "cooperating_days": 5,
    "dormant_days": 21,
    "lost_days": 21,
    "level_a_days": 5,
    "level_b_days": None,
    "level_c_days": None,
    "dormant_months": 6,
    "info_check_months": 6,
    "escalate_after_days": 2,
}


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=TZ)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**changes: Any) -> dict[str, Any]:
    data = {k: ("" if v is None else v) for k, v in DEFAULTS.items()}
    data.update(changes)
    return data


def test_the_page_shows_the_documents_defaults(personas: Personas) -> None:
    html = signed_in(personas.admin).get(URL).content.decode()
    assert 'name="intent_high_days" value="5"' in html
    assert 'name="intent_low_days" value="21"' in html
    assert 'name="level_b_days"' in html and 'name="level_b_days" value' not in html
    assert "逾期几个工作日后升级至团队经理" in html


def test_saving_audits_and_re_evaluates_every_customer(
    personas: Personas, customer_of: Any
) -> None:
    customer = customer_of(personas.alice, name="杭州规则测试科技有限公司")
    contacted = datetime.datetime.combine(datetime.date(2026, 9, 29), datetime.time(9), tzinfo=TZ)
    Customer.objects.filter(pk=customer.pk).update(
        stage="intent", intent="low", level="C", last_contacted_at=contacted
    )
    engine.evaluate(None, TODAY)
    # 29 Sep + 5 working days (1-7 Oct National Day, Sat 10 Oct a make-up day) = Mon 12 Oct
    assert Customer.objects.get(pk=customer.pk).follow_up_due == datetime.date(2026, 10, 12)

    response = signed_in(personas.admin).post(URL, form_data(intent_stage_days=10), follow=True)

    assert "已保存" in response.content.decode()
    row = DisciplineRules.objects.get()
    assert (row.intent_stage_days, row.updated_by) == (10, personas.admin)
    event = AuditEvent.objects.get(action="settings.discipline")
    assert (event.changes, event.source) == (
        {"intent_stage_days": {"before": 5, "after": 10}},
        "web",
    )
    # every customer again, at once: 29 Sep + 10 working days = Mon 19 Oct
    assert Customer.objects.get(pk=customer.pk).follow_up_due == datetime.date(2026, 10, 19)


def test_a_bad_value_is_refused_in_chinese_and_nothing_is_saved(personas: Personas) -> None:
    html = signed_in(personas.admin).post(URL, form_data(intent_high_days=0)).content.decode()
    assert "确保该值大于或等于1。" in html
    assert 'name="intent_high_days" value="0"' in html  # what was typed stays
    assert not DisciplineRules.objects.exists()
    assert not AuditEvent.objects.filter(action="settings.discipline").exists()


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
def test_only_administrators_open_the_page(personas: Personas, persona: str) -> None:
    client = signed_in(getattr(personas, persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(intent_high_days=1)).status_code == 403
    assert not DisciplineRules.objects.exists()


def test_the_api_reads_for_everyone_and_writes_for_administrators(personas: Personas) -> None:
    assert api_client(personas.alice).get("/api/v1/discipline-rules/").json() == {
        **DEFAULTS,
        "updated_at": None,
        "updated_by": None,
    }
    refused = api_client(personas.carol).patch(
        "/api/v1/discipline-rules/", {"escalate_after_days": 1}, format="json"
    )
    assert refused.status_code == 403

    bad = api_client(personas.admin).patch(
        "/api/v1/discipline-rules/", {"escalate_after_days": 99}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json() == {"escalate_after_days": ["请确保该值小于或者等于 60。"]}

    done = api_client(personas.admin).patch(
        "/api/v1/discipline-rules/", {"escalate_after_days": 3, "level_b_days": 10}, format="json"
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["escalate_after_days"], body["level_b_days"], body["updated_by"]) == (
        3,
        10,
        personas.admin.pk,
    )
    event = AuditEvent.objects.get(action="settings.discipline")
    assert event.source == "api"
    assert event.changes == {
        "escalate_after_days": {"before": 2, "after": 3},
        "level_b_days": {"before": None, "after": 10},
    }
