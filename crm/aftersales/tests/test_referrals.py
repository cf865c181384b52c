"""Referrals: pending → approved → paid, approved and paid by a manager, audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.aftersales import services
from crm.aftersales.models import Referral
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers.models import Customer

from .conftest import TODAY, d

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(personas: Personas, customer_of: Any) -> Customer:
    found: Customer = customer_of(personas.alice, name="广州市新锐制造有限公司")
    return found


def referral(personas: Personas, customer: Customer, **fields: Any) -> Referral:
    return services.create_referral(actor(personas.alice), customer=customer, **fields)


def rewarded(personas: Personas, customer: Customer, referred: Customer) -> Referral:
    return referral(
        personas, customer, referred=referred, reward_amount=Decimal("5000.00"), reward_text="现金"
    )


def test_a_referral_starts_pending(personas: Personas, customer: Customer) -> None:
    made = referral(personas, customer, referred_name="  广州市新锐制造  有限公司 ")
    assert (made.status, made.referred_name, made.referred_on, made.referrer) == (
        "pending",
        "广州市新锐制造 有限公司",
        TODAY,
        customer,
    )
    assert AuditEvent.objects.get(action="referral.create").customer_id == customer.pk


def test_a_manager_approves_then_pays_and_each_step_is_audited(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    made = rewarded(personas, customer, referred)
    approved = services.approve_referral(actor(personas.carol), made, expected_version=1)
    assert (approved.status, approved.approved_on, approved.approved_by) == (
        "approved",
        TODAY,
        personas.carol,
    )
    paid = services.pay_referral(actor(personas.carol), approved, paid_on=TODAY)
    assert (paid.status, paid.paid_on, paid.paid_by, paid.version) == (
        "paid",
        TODAY,
        personas.carol,
        3,
    )
    steps = AuditEvent.objects.filter(action__in=["referral.approve", "referral.pay"])
    assert [e.changes["status"] for e in steps.order_by("pk")] == [
        {"before": "pending", "after": "approved"},
        {"before": "approved", "after": "paid"},
    ]


def test_paying_needs_the_approval_first(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    made = rewarded(personas, customer, referred)
    with pytest.raises(ValidationError) as refused:
        services.pay_referral(actor(personas.carol), made)
    assert refused.value.message_dict == {"status": ["须先审批通过,才能发放奖励"]}
    made.refresh_from_db()
    assert made.status == "pending"


def test_nothing_moves_after_the_reward_is_paid(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    made = services.approve_referral(actor(personas.admin), rewarded(personas, customer, referred))
    made = services.pay_referral(actor(personas.admin), made)
    with pytest.raises(ValidationError) as refused:
        services.pay_referral(actor(personas.admin), made)
    assert refused.value.message_dict == {"status": ["奖励已发放,转介绍不能再变更"]}


def test_approving_twice_is_refused(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    made = services.approve_referral(actor(personas.carol), rewarded(personas, customer, referred))
    with pytest.raises(ValidationError) as refused:
        services.approve_referral(actor(personas.carol), made)
    assert refused.value.message_dict == {"status": ["该转介绍已审批"]}


def test_the_owner_does_not_approve_their_own_reward(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    with pytest.raises(PermissionDenied, match="销售经理或管理员"):
        services.approve_referral(actor(personas.alice), rewarded(personas, customer, referred))


def test_approval_needs_the_referred_customer_and_a_reward(
    personas: Personas, customer: Customer
) -> None:
    made = referral(personas, customer, referred_name="广州市新锐制造有限公司")
    with pytest.raises(ValidationError) as refused:
        services.approve_referral(actor(personas.carol), made)
    assert refused.value.message_dict == {
        "referred": ["审批前请关联被推荐客户的客户档案"],
        "reward_amount": ["审批前请填写奖励金额或奖励说明"],
    }


def test_a_customer_is_referred_once(
    personas: Personas, customer: Customer, referred: Customer, customer_of: Any
) -> None:
    referral(personas, customer, referred=referred)
    with pytest.raises(ValidationError) as refused:
        referral(personas, customer_of(personas.alice), referred=referred)
    assert refused.value.message_dict == {
        "referred": ["该客户已登记过转介绍,同一客户只能被推荐一次"]
    }


def test_a_customer_does_not_refer_itself(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        referral(personas, customer, referred=customer)
    assert refused.value.message_dict == {"referred": ["推荐客户与被推荐客户不能是同一个客户"]}


def test_someone_is_referred(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as refused:
        referral(personas, customer, referred_on=d(2026, 10, 13))
    assert refused.value.message_dict == {
        "referred_on": ["推荐日期不能晚于今天"],
        "referred_name": ["请选择被推荐客户,或填写其名称"],
    }


def test_a_referred_customer_the_actor_cannot_see_is_unknown(
    personas: Personas, customer: Customer, customer_of: Any
) -> None:
    theirs = customer_of(personas.dave)
    with pytest.raises(ValidationError) as refused:
        referral(personas, customer, referred=theirs)
    assert refused.value.message_dict == {"referred": ["被推荐客户不存在"]}


def test_only_a_pending_referral_is_corrected(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    made = referral(personas, customer, referred_name="新锐制造")
    made = services.update_referral(
        actor(personas.alice), made, referred=referred, reward_amount=Decimal("3000.00")
    )
    assert (made.referred, made.reward_amount, made.version) == (referred, Decimal("3000.00"), 2)
    made = services.approve_referral(actor(personas.carol), made)
    with pytest.raises(ValidationError) as refused:
        services.update_referral(actor(personas.alice), made, reward_amount=Decimal("9000.00"))
    assert refused.value.message_dict == {"status": ["已审批的转介绍不能再修改"]}


def test_the_referrers_timeline_names_the_referred_archive_by_id_only(
    personas: Personas, customer: Customer, referred: Customer
) -> None:
    made = referral(personas, customer, referred=referred, reward_amount=Decimal("3000"))
    services.update_referral(actor(personas.alice), made, referred=None, referred_name="某公司")

    rows = AuditEvent.objects.filter(object_id=str(made.pk), object_type="aftersales.referral")
    create, update = rows.order_by("pk")
    assert (create.object_repr, create.changes["referred"]) == (
        f"转介绍:客户档案 #{referred.pk}",
        {"before": None, "after": f"客户档案 #{referred.pk}"},
    )
    assert update.changes["referred"] == {"before": f"客户档案 #{referred.pk}", "after": None}
    assert update.object_repr == "转介绍:某公司"
    assert referred.name not in str(list(rows.values_list("object_repr", "changes")))
