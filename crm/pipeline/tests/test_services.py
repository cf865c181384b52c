"""Opportunities through their stages and gates; contracts and orders deriving the customer's
cooperation facts and level; who may do what."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.audit.models import AuditEvent
from crm.core.errors import NotFound, PreconditionFailed
from crm.core.testing import actor
from crm.customers.models import Customer, Industry
from crm.pipeline import services
from crm.pipeline.models import Contract, Gate, Opportunity, OpportunityTransition, Pipeline, Stage

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def opportunity(user, customer, **fields):
    fields = {
        "name": "运维托管项目",
        "amount": Decimal("400000.00"),
        "expected_close_on": datetime.date(2026, 4, 30),
        **fields,
    }
    return services.create_opportunity(actor(user), customer=customer, **fields)


def stage(opp, code):
    return Stage.objects.get(pipeline=opp.pipeline, code=code)


def test_an_opportunity_starts_in_needs_analysis_of_the_standard_pipeline(personas, customer):
    opp = opportunity(personas.alice, customer)
    assert (opp.pipeline.name, opp.stage.code, opp.status, opp.owner) == (
        "标准销售流程",
        "needs_analysis",
        "open",
        personas.alice,
    )
    assert list(OpportunityTransition.objects.values_list("from_stage", "to_stage__code")) == [
        (None, "needs_analysis")
    ]
    event = AuditEvent.objects.get(action="opportunity.create")
    assert (event.customer_id, event.changes["amount"]["after"]) == (customer.pk, "400000.00")


@pytest.mark.parametrize(
    ("industry", "pipeline"),
    [
        ("84", "医疗行业销售流程"),
        ("27", "医疗行业销售流程"),
        ("66", "金融行业销售流程"),
        ("J", "金融行业销售流程"),
        ("65", "标准销售流程"),
        (None, "标准销售流程"),
    ],
)
def test_the_pipeline_follows_the_customers_industry(personas, customer_of, industry, pipeline):
    customer = customer_of(
        personas.alice, industry=Industry.objects.get(pk=industry) if industry else None
    )
    assert opportunity(personas.alice, customer).pipeline.name == pipeline


def test_moves_follow_the_pipeline_and_winning_makes_the_customer_cooperating(personas, customer):
    opp = opportunity(personas.alice, customer)
    for code in ("solution", "quotation", "negotiation", "won"):
        opp = services.move_opportunity(actor(personas.alice), opp, stage=stage(opp, code))
    assert (opp.status, opp.closed_on, opp.version) == ("won", TODAY, 5)
    customer.refresh_from_db()
    assert customer.stage == "cooperating"
    assert AuditEvent.objects.filter(
        action="customer.stage", reason="商机赢单:运维托管项目"
    ).exists()
    assert OpportunityTransition.objects.filter(opportunity=opp).count() == 5


def test_a_gated_stage_refuses_until_every_gate_is_passed(personas, customer_of):
    hospital = customer_of(
        personas.alice, name="杭州市第一人民医院", industry=Industry.objects.get(pk="84")
    )
    opp = opportunity(personas.alice, hospital)
    won = stage(opp, "won")
    with pytest.raises(ValidationError) as refused:
        services.move_opportunity(actor(personas.alice), opp, stage=won)
    assert refused.value.message_dict == {
        "stage": ["进入「赢单」前须先通过:客户资质审核、合规性检查"]
    }
    qualification, compliance = won.gates.order_by("pk")
    services.pass_gate(
        actor(personas.alice), opp, gate=qualification, note="已核对医疗机构执业许可证"
    )
    with pytest.raises(ValidationError, match="合规性检查"):
        services.move_opportunity(actor(personas.alice), opp, stage=won)
    services.pass_gate(actor(personas.alice), opp, gate=compliance, note="法务已完成合规审查")
    opp = services.move_opportunity(actor(personas.alice), opp, stage=won)
    assert opp.status == "won"
    with pytest.raises(ValidationError, match="已通过"):
        services.pass_gate(actor(personas.alice), opp, gate=compliance, note="再次")


def test_losing_needs_a_reason_and_reopening_needs_one_too(personas, customer):
    opp = opportunity(personas.alice, customer)
    lost = stage(opp, "lost")
    with pytest.raises(ValidationError) as refused:
        services.move_opportunity(actor(personas.alice), opp, stage=lost)
    assert refused.value.message_dict == {"lost_reason": ["转为输单时必须填写输单原因"]}
    opp = services.move_opportunity(
        actor(personas.alice), opp, stage=lost, lost_reason="预算被砍,选择了低价竞品"
    )
    assert (opp.status, opp.lost_reason) == ("lost", "预算被砍,选择了低价竞品")
    with pytest.raises(ValidationError, match="重新打开"):
        services.move_opportunity(actor(personas.alice), opp, stage=stage(opp, "solution"))
    opp = services.move_opportunity(
        actor(personas.alice), opp, stage=stage(opp, "solution"), reason="客户追加预算"
    )
    assert (opp.status, opp.lost_reason, opp.closed_on) == ("open", "", None)


def test_a_stage_of_another_pipeline_is_refused(personas, customer, customer_of):
    opp = opportunity(personas.alice, customer)
    bank = opportunity(
        personas.alice, customer_of(personas.alice, industry=Industry.objects.get(pk="66"))
    )
    with pytest.raises(ValidationError, match="不属于此商机的销售流程"):
        services.move_opportunity(actor(personas.alice), opp, stage=stage(bank, "won"))


def test_a_stale_move_is_refused(personas, customer):
    opp = opportunity(personas.alice, customer)
    with pytest.raises(PreconditionFailed):
        services.move_opportunity(
            actor(personas.alice), opp, stage=stage(opp, "solution"), expected_version=7
        )


def test_who_may_work_an_opportunity(personas, customer):
    opp = opportunity(personas.alice, customer)
    services.update_opportunity(actor(personas.carol), opp, amount=Decimal(450000))  # manager
    with pytest.raises(NotFound):
        services.update_opportunity(actor(personas.dave), opp, amount=Decimal(1))
    with pytest.raises(PermissionDenied):
        services.move_opportunity(actor(personas.erin), opp, stage=stage(opp, "solution"))
    with pytest.raises(PermissionDenied):
        opportunity(personas.erin, customer)
    assert Opportunity.objects.get().amount == Decimal(450000)


def contract(user, customer, **fields):
    fields = {"amount": Decimal("600000.00"), "signed_on": datetime.date(2025, 6, 1), **fields}
    return services.create_contract(actor(user), customer=customer, **fields)


def test_contracts_and_orders_derive_the_cooperation_facts(personas, customer):
    first = contract(personas.alice, customer, number="HT-2025-001")
    services.create_order(
        actor(personas.alice),
        customer=customer,
        number="DD-001",
        ordered_on=datetime.date(2025, 7, 1),
        amount=Decimal("200000.00"),
        contract=first,
    )
    services.create_order(
        actor(personas.alice),
        customer=customer,
        number="DD-002",
        ordered_on=datetime.date(2024, 12, 1),
        amount=Decimal("5000.00"),
    )
    contract(personas.alice, customer, number="HT-DRAFT", status="draft", signed_on=None)
    customer.refresh_from_db()
    assert (
        customer.first_cooperation_on,
        customer.last_cooperation_on,
        customer.cumulative_amount,
        customer.level,
        customer.version,
    ) == (datetime.date(2024, 12, 1), datetime.date(2025, 7, 1), Decimal("605000.00"), "B", 1)


def test_the_level_moves_at_the_strategic_threshold_and_is_on_the_timeline(personas, customer):
    first = contract(personas.alice, customer, amount=Decimal("999999.99"))
    customer.refresh_from_db()
    assert customer.level == "B"
    services.update_contract(actor(personas.alice), first, amount=Decimal("1000000.00"))
    customer.refresh_from_db()
    assert customer.level == "A"
    moves = AuditEvent.objects.filter(action="customer.level", customer=customer).order_by("pk")
    assert [(e.changes["level"]["before"], e.changes["level"]["after"]) for e in moves] == [
        ("C", "B"),
        ("B", "A"),
    ]
    assert list(moves)[-1].reason == "按近12个月已签合同金额 ¥1,000,000.00 自动分级"


def test_a_contract_older_than_a_year_no_longer_counts(personas, customer):
    contract(personas.alice, customer, amount=Decimal(2000000), signed_on=datetime.date(2025, 3, 2))
    customer.refresh_from_db()
    assert (customer.level, customer.cumulative_amount) == ("C", Decimal(2000000))


def test_a_manual_level_holds_until_cleared(personas, customer):
    with pytest.raises(ValidationError, match="原因"):
        services.set_level_override(actor(personas.alice), customer, level="A", reason=" ")
    services.set_level_override(actor(personas.alice), customer, level="A", reason="集团框架协议")
    contract(personas.alice, customer, amount=Decimal(10000))
    customer.refresh_from_db()
    assert (customer.level, customer.level_manual) == ("A", True)
    customer = services.clear_level_override(actor(personas.alice), customer)
    customer.refresh_from_db()
    assert (customer.level, customer.level_manual) == ("C", False)
    reasons = list(
        AuditEvent.objects.filter(action="customer.level").order_by("pk").values_list("reason")
    )
    assert reasons == [
        ("集团框架协议",),
        ("恢复按合同金额自动分级",),
        ("按近12个月已签合同金额 ¥10,000.00 自动分级",),
    ]


def test_contract_numbers_are_unique_or_generated(personas, customer):
    made = contract(personas.alice, customer)
    assert made.number == "HT-20260302-001"
    assert contract(personas.alice, customer).number == "HT-20260302-002"
    with pytest.raises(ValidationError) as refused:
        contract(personas.alice, customer, number="HT-20260302-001")
    assert refused.value.message_dict == {"number": ["合同编号 HT-20260302-001 已存在"]}


def test_contract_dates_are_checked(personas, customer):
    with pytest.raises(ValidationError) as refused:
        contract(
            personas.alice,
            customer,
            signed_on=None,
            starts_on=datetime.date(2026, 5, 1),
            ends_on=datetime.date(2026, 4, 1),
        )
    assert refused.value.message_dict == {
        "signed_on": ["已签订的合同需要填写签订日期"],
        "ends_on": ["到期日期不能早于开始日期"],
    }
    assert not Contract.objects.exists()


def test_expiring_contracts_flag_the_customer_and_expire_in_the_daily_run(personas, customer):
    made = contract(personas.alice, customer, ends_on=datetime.date(2026, 3, 20))
    customer.refresh_from_db()
    assert customer.flag_contract_expiring is True
    assert services.run_day(datetime.date(2026, 3, 21)) == {
        "contracts_expired": 1,
        "customers_tiered": 1,
    }
    made.refresh_from_db()
    customer.refresh_from_db()
    assert (made.status, customer.flag_contract_expiring) == ("expired", False)
    assert AuditEvent.objects.get(action="contract.expire").reason == "合同已于 2026-03-20 到期"


def test_tier_thresholds_are_settings_and_retier_everyone(personas, customer):
    contract(personas.alice, customer, amount=Decimal("800000.00"))
    with pytest.raises(PermissionDenied):
        services.save_tier_rules(actor(personas.carol), strategic_threshold=Decimal(800000))
    with pytest.raises(ValidationError, match="重点客户下限不能高于战略客户下限"):
        services.save_tier_rules(actor(personas.admin), key_threshold=Decimal(2000000))
    services.save_tier_rules(actor(personas.admin), strategic_threshold=Decimal("800000.00"))
    assert Customer.objects.get(pk=customer.pk).level == "A"


def test_deleting_an_order_needs_a_reason_and_recomputes(personas, customer):
    order = services.create_order(
        actor(personas.alice),
        customer=customer,
        number="DD-9",
        ordered_on=datetime.date(2026, 1, 5),
        amount=Decimal("12000.00"),
    )
    with pytest.raises(ValidationError):
        services.delete_order(actor(personas.alice), order, reason="")
    services.delete_order(actor(personas.alice), order, reason="重复录入")
    customer.refresh_from_db()
    assert (customer.cumulative_amount, customer.first_cooperation_on) == (Decimal(0), None)
    assert AuditEvent.objects.get(action="order.delete").changes["number"] == {
        "before": "DD-9",
        "after": None,
    }


# --- pipelines as settings ---------------------------------------------------------------------


def test_the_default_pipeline_stays_default_and_active_until_another_takes_over(personas):
    admin = actor(personas.admin)
    standard = Pipeline.objects.get(name="标准销售流程")
    medical = Pipeline.objects.get(name="医疗行业销售流程")

    with pytest.raises(ValidationError) as off:
        services.save_pipeline(admin, standard, is_default=False)
    with pytest.raises(ValidationError) as stopped:
        services.save_pipeline(admin, standard, is_active=False)
    services.save_pipeline(admin, medical, is_default=True)

    assert off.value.message_dict == {
        "is_default": ["至少需要一个默认销售流程;请把另一个流程设为默认,而不是取消本流程"]
    }
    assert stopped.value.message_dict == {
        "is_active": ["默认销售流程不能停用;请先把另一个流程设为默认"]
    }
    assert list(Pipeline.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "医疗行业销售流程"
    ]
    services.save_pipeline(admin, standard, is_active=False)  # no longer the default: allowed
    assert not Pipeline.objects.get(pk=standard.pk).is_active


def test_a_stage_holding_opportunities_keeps_its_pipeline_and_kind(personas, customer):
    admin = actor(personas.admin)
    opp = opportunity(personas.alice, customer)
    held = stage(opp, "needs_analysis")
    medical = Pipeline.objects.get(name="医疗行业销售流程")

    with pytest.raises(ValidationError) as moved:
        services.save_stage(admin, held, pipeline=medical)
    with pytest.raises(ValidationError) as kind:
        services.save_stage(admin, held, kind="won")
    with pytest.raises(ValidationError) as off:
        services.save_stage(admin, held, is_active=False)
    services.save_stage(admin, held, name="需求调研")  # a new name is fine

    assert moved.value.message_dict == {"pipeline": ["该阶段已有商机,不能移到其他销售流程"]}
    assert kind.value.message_dict == {"kind": ["该阶段已有商机,不能改变阶段类型"]}
    assert off.value.message_dict == {"is_active": ["该阶段还有进行中的商机,请先移走再停用"]}
    held.refresh_from_db()
    assert (held.pipeline_id, held.kind, held.is_active, held.name) == (
        opp.pipeline_id,
        "open",
        True,
        "需求调研",
    )


def test_a_passed_gate_stays_on_its_stage(personas, customer_of):
    admin = actor(personas.admin)
    medical = customer_of(
        personas.alice, name="武汉协和口腔医院", industry=Industry.objects.get(pk="84")
    )
    opp = opportunity(personas.alice, medical, name="HIS 升级")
    won = stage(opp, "won")
    gate = won.gates.order_by("pk").first()
    untouched = won.gates.order_by("pk").last()
    services.pass_gate(actor(personas.alice), opp, gate=gate.pk, note="已核对执业许可证")

    with pytest.raises(ValidationError) as moved:
        services.save_gate(admin, gate, stage=stage(opp, "negotiation"))
    services.save_gate(admin, untouched, stage=stage(opp, "negotiation"))

    assert moved.value.message_dict == {"stage": ["已有商机通过该关卡,不能移到其他阶段"]}
    assert Gate.objects.get(pk=gate.pk).stage_id == won.pk
    assert Gate.objects.get(pk=untouched.pk).stage_id == stage(opp, "negotiation").pk
