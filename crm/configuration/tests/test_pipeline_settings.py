"""销售流程 and 客户分级规则 settings (/settings/pipelines/, /settings/tier-rules/): only
administrators change them; each save goes through crm.pipeline.services (validated, audited),
and new tier thresholds re-tier every customer with contracts at once."""

from __future__ import annotations

import datetime
import html as html_lib
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer
from crm.pipeline import services
from crm.pipeline.models import Gate, Pipeline, Stage, TierRules

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def error_of(page: str, field: str) -> str:
    found = re.search(rf'id="id_{field}_error">([^<]*)<', page)
    assert found, f"no error on {field}"
    return found.group(1)


def standard() -> Pipeline:
    return Pipeline.objects.get(name="标准销售流程")


def medical() -> Pipeline:
    return Pipeline.objects.get(name="医疗行业销售流程")


def pipeline_post(**changes: Any) -> dict[str, Any]:
    data = {"name": "教育行业销售流程", "industries": "P, 83", "position": "3", "is_active": "on"}
    return {**data, **changes}


def stage_post(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "现场勘察",
        "code": "site_survey",
        "kind": "open",
        "position": "2",
        "probability": "20",
        "is_active": "on",
    }
    return {**data, **changes}


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_each_pipeline_with_its_stages_and_gates(personas: Personas) -> None:
    page = text(signed_in(personas.admin).get("/settings/pipelines/"))

    card = page[page.index(f'id="pipeline-{medical().pk}"') :]
    card = card[: card.index('id="pipeline-', 10)]
    assert "医疗行业销售流程" in card
    assert "84 卫生" in card and "27 医药制造业" in card
    names = re.findall(r'<tr id="stage-\d+">\s*<td[^>]*>(\d+)</td>\s*<td>([^<]+)</td>', card)
    assert names == [
        ("0", "需求分析"),
        ("1", "方案制定"),
        ("2", "报价"),
        ("3", "商务谈判"),
        ("4", "赢单"),
        ("5", "输单"),
    ]
    won = Stage.objects.get(pipeline=medical(), code="won")
    row = card[card.index(f'id="stage-{won.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "100%" in row and "客户资质审核" in row and "合规性检查" in row
    assert "默认流程" in page[page.index(f'id="pipeline-{standard().pk}"') :][:400]
    assert "通用(不限行业)" in page


def test_the_settings_index_links_both_pages(personas: Personas) -> None:
    page = text(signed_in(personas.admin).get("/settings/"))

    assert 'href="/settings/pipelines/" id="settings-pipelines"' in page
    assert 'href="/settings/tier-rules/" id="settings-tier-rules"' in page


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
@pytest.mark.parametrize(
    "url",
    [
        "/settings/pipelines/",
        "/settings/pipelines/new/",
        "/settings/pipelines/{pipeline}/",
        "/settings/pipelines/{pipeline}/stages/new/",
        "/settings/pipelines/stages/{stage}/",
        "/settings/pipelines/stages/{stage}/gates/new/",
        "/settings/pipelines/gates/{gate}/",
        "/settings/tier-rules/",
    ],
)
def test_only_administrators_may_change_the_sales_settings(
    personas: Personas, persona: str, url: str
) -> None:
    gate = Gate.objects.select_related("stage").first()
    assert gate is not None
    path = url.format(pipeline=standard().pk, stage=gate.stage_id, gate=gate.pk)
    client = signed_in(getattr(personas, persona))
    before = (Pipeline.objects.count(), Stage.objects.count(), Gate.objects.count())

    shown = client.get(path)
    posted = client.post(path, {**pipeline_post(), **stage_post(), "strategic_threshold": "1"})

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert (Pipeline.objects.count(), Stage.objects.count(), Gate.objects.count()) == before
    assert not TierRules.objects.exists()
    assert signed_in(personas.admin).get(path).status_code == 200


# --- pipelines -------------------------------------------------------------------------------


def test_an_administrator_adds_an_industry_variant(personas: Personas) -> None:
    response = signed_in(personas.admin).post("/settings/pipelines/new/", pipeline_post())

    made = Pipeline.objects.get(name="教育行业销售流程")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/pipelines/#pipeline-{made.pk}"
    assert (made.industries, made.is_default, made.is_active, made.position) == (
        ["P", "83"],
        False,
        True,
        3,
    )
    event = AuditEvent.objects.get(action="settings.pipeline")
    assert (event.actor, event.changes["industries"]["after"]) == (personas.admin, ["P", "83"])


def test_an_unknown_industry_code_is_refused_keeping_what_was_typed(personas: Personas) -> None:
    page = text(
        signed_in(personas.admin).post(
            "/settings/pipelines/new/", pipeline_post(industries="P、XX")
        )
    )

    assert error_of(page, "industries") == "未知的行业代码: XX"
    assert 'value="P、XX"' in page and 'value="教育行业销售流程"' in page
    assert not Pipeline.objects.filter(name="教育行业销售流程").exists()


def test_a_new_default_pipeline_takes_over_the_default(personas: Personas) -> None:
    edit = f"/settings/pipelines/{medical().pk}/"
    client = signed_in(personas.admin)
    page = text(client.get(edit))
    assert 'name="industries" value="84, 27"' in page

    client.post(edit, pipeline_post(name="医疗行业销售流程", industries="84, 27", is_default="on"))

    assert list(Pipeline.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "医疗行业销售流程"
    ]


def test_a_pipeline_name_in_use_is_refused(personas: Personas) -> None:
    page = text(
        signed_in(personas.admin).post(
            "/settings/pipelines/new/", pipeline_post(name="标准销售流程")
        )
    )

    assert "已存在" in error_of(page, "name")
    assert Pipeline.objects.filter(name="标准销售流程").count() == 1


# --- stages and gates ------------------------------------------------------------------------


def test_an_administrator_adds_a_stage_to_a_pipeline(personas: Personas) -> None:
    client = signed_in(personas.admin)
    url = f"/settings/pipelines/{standard().pk}/stages/new/"
    page = text(client.get(url))
    assert 'name="position" value="6"' in page  # after the six shipped stages

    response = client.post(url, stage_post())

    made = Stage.objects.get(pipeline=standard(), code="site_survey")
    assert response["Location"] == f"/settings/pipelines/#pipeline-{standard().pk}"
    assert (made.name, made.kind, made.position, made.probability, made.is_active) == (
        "现场勘察",
        "open",
        2,
        20,
        True,
    )
    assert AuditEvent.objects.filter(action="settings.stage").count() == 1


def test_a_stage_code_used_in_the_pipeline_is_refused(personas: Personas) -> None:
    url = f"/settings/pipelines/{standard().pk}/stages/new/"

    page = text(signed_in(personas.admin).post(url, stage_post(code="quotation")))

    assert error_of(page, "code") == "该代码已被使用,请换一个"
    assert 'value="现场勘察"' in page
    assert Stage.objects.filter(pipeline=standard(), code="quotation").count() == 1


def test_a_probability_over_100_is_refused(personas: Personas) -> None:
    url = f"/settings/pipelines/{standard().pk}/stages/new/"

    page = text(signed_in(personas.admin).post(url, stage_post(probability="120")))

    assert "100" in error_of(page, "probability")
    assert not Stage.objects.filter(code="site_survey").exists()


def test_editing_a_stage_keeps_its_pipeline(personas: Personas) -> None:
    stage = Stage.objects.get(pipeline=standard(), code="quotation")
    url = f"/settings/pipelines/stages/{stage.pk}/"
    client = signed_in(personas.admin)
    page = text(client.get(url))
    assert 'name="name" value="报价"' in page and 'name="probability" value="50"' in page

    client.post(url, stage_post(name="报价", code="quotation", position="2", probability="55"))

    stage.refresh_from_db()
    assert (stage.pipeline, stage.probability, stage.is_active) == (standard(), 55, True)
    event = AuditEvent.objects.get(action="settings.stage")
    assert event.changes == {"probability": {"before": 50, "after": 55}}


def test_a_stage_is_retired_by_unticking_active(personas: Personas) -> None:
    stage = Stage.objects.get(pipeline=standard(), code="negotiation")
    data = stage_post(name="商务谈判", code="negotiation", position="3", probability="70")
    del data["is_active"]

    signed_in(personas.admin).post(f"/settings/pipelines/stages/{stage.pk}/", data)

    stage.refresh_from_db()
    assert stage.is_active is False


def test_an_administrator_adds_and_edits_a_gate(personas: Personas) -> None:
    won = Stage.objects.get(pipeline=standard(), code="won")
    client = signed_in(personas.admin)
    data = {"name": "法务审核", "code": "legal", "description": "合同条款经法务确认"}

    added = client.post(f"/settings/pipelines/stages/{won.pk}/gates/new/", data)
    gate = Gate.objects.get(stage=won)
    client.post(f"/settings/pipelines/gates/{gate.pk}/", {**data, "description": "法务盖章"})

    gate.refresh_from_db()
    assert added["Location"] == f"/settings/pipelines/#pipeline-{standard().pk}"
    assert (gate.name, gate.code, gate.description) == ("法务审核", "legal", "法务盖章")
    assert AuditEvent.objects.filter(action="settings.gate").count() == 2
    page = text(client.get("/settings/pipelines/"))
    assert f'id="gate-{gate.pk}" title="法务盖章">法务审核</a>' in page


def test_a_gate_code_used_on_the_stage_is_refused(personas: Personas) -> None:
    won = Stage.objects.get(pipeline=medical(), code="won")
    data = {"name": "资质复核", "code": "qualification", "description": ""}

    page = text(
        signed_in(personas.admin).post(f"/settings/pipelines/stages/{won.pk}/gates/new/", data)
    )

    assert error_of(page, "code") == "该代码已被使用,请换一个"
    assert won.gates.count() == 2


# --- tier rules ------------------------------------------------------------------------------


def test_the_tier_page_shows_the_documents_defaults_and_what_saving_does(
    personas: Personas,
) -> None:
    page = text(signed_in(personas.admin).get("/settings/tier-rules/"))

    assert 'name="strategic_threshold" value="1000000.00"' in page
    assert 'name="key_threshold" value="500000.00"' in page
    assert 'name="expiry_warning_days" value="30"' in page
    note = re.search(r'id="retier-note">([^<]*)<', page)
    assert note and note.group(1) == (
        "保存后立即按新规则重新评定所有有合同或订单的客户(当前 0 位)的等级和合同到期提醒。"
    )
    assert "≥ ¥1,000,000.00 为 A类 战略客户,≥ ¥500,000.00 为 B类 重点客户" in page


def test_new_thresholds_re_tier_every_customer_and_are_audited(
    personas: Personas, customer_of: Any
) -> None:
    customer = customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    services.create_contract(
        actor(personas.alice),
        customer=customer,
        amount=Decimal("800000.00"),
        signed_on=datetime.date(2025, 6, 1),
    )
    assert Customer.objects.get(pk=customer.pk).level == "B"
    data = {
        "strategic_threshold": "800,000",
        "key_threshold": "300000",
        "expiry_warning_days": "45",
        "reason": "按2026年经营目标调整",
    }

    response = signed_in(personas.admin).post("/settings/tier-rules/", data, follow=True)

    rules = TierRules.objects.get()
    assert (rules.strategic_threshold, rules.key_threshold, rules.expiry_warning_days) == (
        Decimal("800000.00"),
        Decimal("300000.00"),
        45,
    )
    assert Customer.objects.get(pk=customer.pk).level == "A"
    page = text(response)
    assert "已保存客户分级规则,并已按新规则重新评定客户等级" in page
    assert "最近修改: 2026-03-02 10:00 · 管理员" in page
    assert "(当前 1 位)" in page
    event = AuditEvent.objects.get(action="settings.tier_rules")
    assert (event.reason, event.changes["strategic_threshold"]) == (
        "按2026年经营目标调整",
        {"before": "1000000.00", "after": "800000.00"},
    )


def test_a_key_threshold_above_the_strategic_one_is_refused(personas: Personas) -> None:
    data = {
        "strategic_threshold": "1000000",
        "key_threshold": "2,000,000",
        "expiry_warning_days": "30",
    }

    page = text(signed_in(personas.admin).post("/settings/tier-rules/", data))

    assert error_of(page, "key_threshold") == "重点客户下限不能高于战略客户下限"
    assert 'value="2,000,000"' in page
    assert not TierRules.objects.exists()


def test_warning_days_outside_1_to_365_are_refused(personas: Personas) -> None:
    data = {"strategic_threshold": "1000000", "key_threshold": "500000", "expiry_warning_days": "0"}

    page = text(signed_in(personas.admin).post("/settings/tier-rules/", data))

    assert "1" in error_of(page, "expiry_warning_days")
    assert not TierRules.objects.exists()
