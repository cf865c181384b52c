"""Risk warnings: an open high risk sets the churn-risk flag; closing needs the outcome."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from crm.aftersales import services
from crm.aftersales.models import Risk
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


def risk(personas: Personas, customer: Customer, level: str = "high", **fields: Any) -> Risk:
    fields = {
        "kind": "competition",
        "description": "竞品报价低20%,客户采购经理在比价",
        "countermeasure": "提供三年总拥有成本对比,争取CTO支持",
        "due_on": d(2026, 10, 20),
        **fields,
    }
    return services.raise_risk(actor(personas.alice), customer=customer, level=level, **fields)


def churn_flag(customer: Customer) -> bool:
    customer.refresh_from_db()
    return customer.flag_churn_risk


def test_an_open_high_risk_sets_the_churn_flag(personas: Personas, customer: Customer) -> None:
    made = risk(personas, customer)
    assert (made.status, made.owner, made.raised_on) == ("open", personas.alice, TODAY)
    assert churn_flag(customer) is True
    event = AuditEvent.objects.get(action="customer.flag")
    assert (event.changes, event.reason) == (
        {"flag_churn_risk": {"before": False, "after": True}},
        "有未关闭的高风险预警",
    )


def test_a_medium_risk_does_not(personas: Personas, customer: Customer) -> None:
    risk(personas, customer, "medium")
    assert churn_flag(customer) is False


def test_closing_needs_the_outcome(personas: Personas, customer: Customer) -> None:
    made = risk(personas, customer)
    with pytest.raises(ValidationError) as refused:
        services.close_risk(actor(personas.alice), made, outcome="")
    assert refused.value.message_dict == {"outcome": ["关闭风险预警需要选择应对结果(有效或无效)"]}
    assert churn_flag(customer) is True


def test_closing_with_the_outcome_clears_the_flag(personas: Personas, customer: Customer) -> None:
    made = services.close_risk(
        actor(personas.alice), risk(personas, customer), outcome="effective", note="客户续签三年"
    )
    assert (made.status, made.outcome, made.outcome_note, made.closed_on, made.closed_by) == (
        "closed",
        "effective",
        "客户续签三年",
        TODAY,
        personas.alice,
    )
    assert churn_flag(customer) is False
    event = AuditEvent.objects.get(action="risk.close")
    assert event.changes["outcome"] == {"before": "", "after": "effective"}


def test_a_closed_risk_is_closed_once_and_not_corrected(
    personas: Personas, customer: Customer
) -> None:
    made = services.close_risk(
        actor(personas.alice), risk(personas, customer), outcome="ineffective"
    )
    with pytest.raises(ValidationError) as twice:
        services.close_risk(actor(personas.alice), made, outcome="effective")
    assert twice.value.message_dict == {"status": ["该风险预警已关闭"]}
    with pytest.raises(ValidationError) as corrected:
        services.update_risk(actor(personas.alice), made, level="low")
    assert corrected.value.message_dict == {"status": ["已关闭的风险预警不能修改,请先重新打开"]}


def test_closing_is_not_dated_before_the_warning(personas: Personas, customer: Customer) -> None:
    made = risk(personas, customer, raised_on=d(2026, 10, 9))
    with pytest.raises(ValidationError) as refused:
        services.close_risk(
            actor(personas.alice), made, outcome="effective", closed_on=d(2026, 10, 8)
        )
    assert refused.value.message_dict == {"closed_on": ["关闭日期不能早于2026-10-09"]}


def test_lowering_the_level_clears_the_flag(personas: Personas, customer: Customer) -> None:
    made = risk(personas, customer)
    services.update_risk(actor(personas.alice), made, level="medium", reason="已获CTO支持")
    assert churn_flag(customer) is False
    assert AuditEvent.objects.get(action="risk.update").changes == {
        "level": {"before": "high", "after": "medium"}
    }


def test_reopening_needs_a_reason_and_sets_the_flag_again(
    personas: Personas, customer: Customer
) -> None:
    made = services.close_risk(actor(personas.alice), risk(personas, customer), outcome="effective")
    with pytest.raises(ValidationError):
        services.reopen_risk(actor(personas.alice), made, reason="")
    again = services.reopen_risk(actor(personas.alice), made, reason="竞品再次报价")
    assert (again.status, again.outcome, again.closed_on) == ("open", "", None)
    assert churn_flag(customer) is True


def test_the_owner_must_be_able_to_see_the_customer(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        risk(personas, customer, owner=personas.dave)
    assert refused.value.message_dict == {"owner": ["负责人无权查看该客户"]}
    with pytest.raises(ValidationError) as service:
        risk(personas, customer, owner=personas.erin)
    assert service.value.message_dict == {"owner": ["负责人须为销售、销售经理、客户成功或管理员"]}


def test_the_due_date_is_not_in_the_past_and_the_text_is_specific(
    personas: Personas, customer: Customer
) -> None:
    with pytest.raises(ValidationError) as refused:
        risk(personas, customer, due_on=d(2026, 10, 9), countermeasure="无")
    assert refused.value.message_dict == {
        "countermeasure": ["请写明具体的应对措施"],
        "due_on": ["处理期限不能早于今天"],
    }
    assert not Risk.objects.exists()
