"""Every service write appends its audit row: actor, source, object, changes, same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django.utils.timezone import localdate

from crm.accounts import services as accounts
from crm.aftersales import services as aftersales
from crm.audit.models import AuditEvent
from crm.contacts import services as contacts
from crm.core.testing import PASSWORD, Personas, actor
from crm.customers import services as customers
from crm.customers.models import Customer, Industry, Source, Tag
from crm.discipline import engine as discipline_engine
from crm.discipline import services as discipline
from crm.needs import services as needs
from crm.pipeline import services as pipeline
from crm.pipeline.models import Stage
from crm.records import services as records
from crm.transfer import pdf as transfer_pdf
from crm.transfer import vcard
from crm.workdays import services as workdays

pytestmark = pytest.mark.django_db
Write = Callable[[], Any]


def _customer(p: Personas, **fields: Any) -> Customer:
    return customers.create_customer(
        actor(p.admin),
        name="杭州审计测试有限公司",
        owner=p.alice,
        contacts=[{"name": "王五", "mobile": "13812345678"}],
        **fields,
    )


def _claim_request(p: Personas) -> Write:
    _customer(p)
    token = customers.check_duplicate(actor(p.dave), name="杭州审计测试")["claim_token"]
    return lambda: customers.request_claim(actor(p.dave), claim_token=token)


def _token(p: Personas) -> Any:
    request = RequestFactory().post("/")
    return accounts.issue_token(
        actor(p.alice), username="alice", password=PASSWORD, request=request
    )[0]


def _with_customer(write: Callable[[Personas, Customer], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        customer = _customer(p)
        return lambda: write(p, customer)

    return setup


def _plain(write: Callable[[Personas], Any]) -> Callable[[Personas], Write]:
    return lambda p: lambda: write(p)


def _reveal(p: Personas) -> Write:
    p.alice.grant_sensitive = True
    p.alice.save()
    contact = _customer(p).contacts.get()
    return lambda: contacts.reveal(actor(p.alice), contact, field="id_number", reason="核对")


def _by_personal_grant(take: Callable[[Personas, Customer], Any]) -> Callable[[Personas], Write]:
    """Full contact details taken away by service staff holding the personal grant."""

    def setup(p: Personas) -> Write:
        p.erin.grant_personal = True
        p.erin.save()
        customer = _customer(p)
        return lambda: take(p, customer)

    return setup


def _export(p: Personas, customer: Customer) -> Any:
    import io

    from crm.transfer import export

    out = io.BytesIO()
    return export.export_customers(actor(p.alice), params={}, file_format="csv", out=out)


def _collaborator_remove(p: Personas) -> Write:
    customer = customers.add_collaborator(actor(p.alice), _customer(p), user=p.bob)
    return lambda: customers.remove_collaborator(actor(p.alice), customer, user=p.bob)


def _claim_resolve(p: Personas) -> Write:
    claim = _claim_request(p)()
    return lambda: customers.resolve_claim(actor(p.carol), claim, approve=False)


def _with_tag(write: Callable[[Personas, Tag], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        tag = Tag.objects.create(name="重点")
        return lambda: write(p, tag)

    return setup


def _tag_merge(p: Personas) -> Write:
    customer = customers.create_customer(actor(p.alice), name="宁波标签测试有限公司", tags=["重点"])
    into = Tag.objects.create(name="重点客户")
    tag = customer.tags.get()
    return lambda: customers.merge_tags(actor(p.admin), tag, into=into)


def _token_revoke(p: Personas) -> Write:
    token = _token(p)
    return lambda: accounts.revoke_token(actor(p.alice), token)


def _override_remove(p: Personas) -> Write:
    day = datetime.date(2026, 10, 10)
    workdays.set_override(actor(p.admin), day=day, is_workday=False, note="公司调休")
    return lambda: workdays.remove_override(actor(p.admin), day=day)


def _card(p: Personas, customer: Customer) -> Any:
    from django.utils import timezone

    return records.file_record(
        actor(p.alice),
        customer=customer,
        occurred_at=timezone.now(),
        channel="phone",
        purpose="regular_visit",
        content="客户反馈系统操作复杂,希望简化流程",
    )


def _with_card(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        card = _card(p, _customer(p))
        return lambda: write(p, card)

    return setup


def _with_task(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        from django.utils import timezone

        task = records.create_task(
            actor(p.alice),
            customer=_customer(p),
            description="提供报价单",
            due=timezone.localdate(),
        )
        return lambda: write(p, task)

    return setup


def _task_reopen(p: Personas) -> Write:
    task = _with_task(lambda p, t: t)(p)()
    records.complete_task(actor(p.alice), task, "已提供报价单,客户已确认")
    return lambda: records.reopen_task(actor(p.alice), task, "客户又提出修改")


def _overdue_evaluation(p: Personas) -> Write:
    """The engine run by a person (source web): a high-intent customer last contacted long
    ago becomes 待跟进 (the daily job does the same as source system)."""
    customer = _customer(p)
    Customer.objects.filter(pk=customer.pk).update(
        intent="high", last_contacted_at=timezone.now() - datetime.timedelta(days=30)
    )
    return lambda: discipline_engine.evaluate_customer(
        customer.pk, localdate(), actor=actor(p.alice)
    )


# --- pipeline: opportunities, contracts, orders, tiers, settings --------------------------------


def _opportunity(p: Personas, customer: Customer | None = None) -> Any:
    return pipeline.create_opportunity(
        actor(p.alice),
        customer=customer or _customer(p),
        name="运维托管项目",
        amount=Decimal("400000.00"),
        expected_close_on=localdate() + datetime.timedelta(days=60),
    )


def _with_opportunity(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        opp = _opportunity(p)
        return lambda: write(p, opp)

    return setup


def _stage(opp: Any, code: str) -> Stage:
    return Stage.objects.get(pipeline_id=opp.pipeline_id, code=code)


def _gate_pass(p: Personas) -> Write:
    """A hospital (GB/T 4754 division 84) works the medical pipeline, whose 赢单 has gates."""
    opp = _opportunity(p, _customer(p, industry=Industry.objects.get(code="84")))
    gate = _stage(opp, "won").gates.get(code="qualification")
    return lambda: pipeline.pass_gate(
        actor(p.alice), opp, gate=gate, note="已核对医疗机构执业许可证"
    )


def _objection_answer(p: Personas) -> Write:
    opp = _opportunity(p)
    objection = pipeline.raise_objection(actor(p.alice), opp, content="交付周期过长")
    return lambda: pipeline.answer_objection(
        actor(p.alice), objection, answer="分两期交付,首期缩短至4周"
    )


def _contract(p: Personas, customer: Customer, **fields: Any) -> Any:
    """Below the key-customer threshold: the customer stays 普通客户, no level row follows."""
    fields = {"amount": Decimal("100000.00"), "signed_on": localdate(), **fields}
    return pipeline.create_contract(actor(p.alice), customer=customer, **fields)


def _with_contract(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        contract = _contract(p, _customer(p))
        return lambda: write(p, contract)

    return setup


def _contract_expire(p: Personas) -> Write:
    """The daily run (as the system) expires an active contract that ended yesterday."""
    today = localdate()
    _contract(
        p,
        _customer(p),
        signed_on=today - datetime.timedelta(days=40),
        starts_on=today - datetime.timedelta(days=40),
        ends_on=today - datetime.timedelta(days=1),
    )
    return lambda: pipeline.run_day(today)


def _order(p: Personas, customer: Customer) -> Any:
    return pipeline.create_order(
        actor(p.alice),
        customer=customer,
        number="DD-0001",
        ordered_on=localdate(),
        amount=Decimal("12000.00"),
        summary="监控模块扩容",
    )


def _with_order(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        order = _order(p, _customer(p))
        return lambda: write(p, order)

    return setup


def _standard_stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__name="标准销售流程", code=code)


# --- needs analyses and demand changes ---------------------------------------------------------


def _analysis(p: Personas, customer: Customer) -> Any:
    """The customer's intent is already 高意向, so the analysis is the one write (a changed
    intent would append the customer.update it causes)."""
    return needs.file_analysis(
        actor(p.alice),
        customer=customer,
        interviewed_at=timezone.now() - datetime.timedelta(hours=2),
        pain_points=["服务器宕机频繁影响业务"],
        budget_min=Decimal(300000),
        budget_max=Decimal(500000),
        intent="high",
    )


def _high_intent(p: Personas) -> Customer:
    return _customer(p, intent="high")


def _needs_file(p: Personas) -> Write:
    customer = _high_intent(p)
    return lambda: _analysis(p, customer)


def _with_analysis(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        analysis = _analysis(p, _high_intent(p))
        return lambda: write(p, analysis)

    return setup


def _change(p: Personas, customer: Customer) -> Any:
    return needs.record_change(
        actor(p.alice),
        customer=customer,
        original_need="降低运维成本",
        current_need="提升系统稳定性",
        trigger="上月两次宕机事故",
        priority="high",
        changed_on=localdate(),
    )


def _change_update(p: Personas) -> Write:
    change = _change(p, _customer(p))
    return lambda: needs.update_change(actor(p.alice), change, trigger="客户CTO更换")


# --- after-sales ---------------------------------------------------------------------------------


def _delivery(p: Personas, customer: Customer, **fields: Any) -> Any:
    return aftersales.create_delivery(
        actor(p.alice), customer=customer, title="运维平台部署", **fields
    )


def _with_delivery(
    write: Callable[[Personas, Any], Any], **fields: Any
) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        delivery = _delivery(p, _customer(p), **fields)
        return lambda: write(p, delivery)

    return setup


def _survey(p: Personas, customer: Customer, overall: int, suggestions: str = "") -> Any:
    return aftersales.record_survey(
        actor(p.alice),
        customer=customer,
        surveyed_on=localdate(),
        response_speed=5,
        deliverable=4,
        overall=overall,
        suggestions=suggestions,
        referral_intent="undecided",
    )


def _with_survey(
    write: Callable[[Personas, Any], Any], overall: int = 80, suggestions: str = ""
) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        survey = _survey(p, _customer(p), overall, suggestions)
        return lambda: write(p, survey)

    return setup


def _corepool_leave(p: Personas) -> Write:
    customer = _customer(p)
    _survey(p, customer, 95)  # in the pool (and this quarter's visit to-do is made)
    return lambda: _survey(p, customer, 70)


def _feedback(p: Personas, customer: Customer, kind: str = "praise") -> Any:
    return aftersales.record_feedback(
        actor(p.alice),
        customer=customer,
        kind=kind,
        category="service",
        content="运维响应及时,故障半小时内恢复",
        received_on=localdate(),
    )


def _with_feedback(
    write: Callable[[Personas, Any], Any], kind: str = "praise", resolved: bool = False
) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        feedback = _feedback(p, _customer(p), kind)
        if resolved:
            feedback = aftersales.resolve_feedback(
                actor(p.alice), feedback, resolution="已致电感谢并转达运维团队"
            )
        return lambda: write(p, feedback)

    return setup


def _referral(p: Personas, customer: Customer, **fields: Any) -> Any:
    return aftersales.create_referral(actor(p.alice), customer=customer, **fields)


def _rewarded(p: Personas) -> Any:
    """A referral the manager (carol, of the referrer owner's team) may approve."""
    referred = customers.create_customer(actor(p.alice), name="广州市新锐制造有限公司")
    return _referral(
        p, _customer(p), referred=referred, reward_amount=Decimal("5000.00"), reward_text="现金"
    )


def _referral_update(p: Personas) -> Write:
    referral = _referral(p, _customer(p), referred_name="广州市新锐制造有限公司")
    return lambda: aftersales.update_referral(actor(p.alice), referral, reward_text="服务折扣 9 折")


def _referral_approve(p: Personas) -> Write:
    referral = _rewarded(p)
    return lambda: aftersales.approve_referral(actor(p.carol), referral)


def _referral_pay(p: Personas) -> Write:
    approved = aftersales.approve_referral(actor(p.carol), _rewarded(p))
    return lambda: aftersales.pay_referral(actor(p.carol), approved)


def _risk(p: Personas, customer: Customer) -> Any:
    """A medium risk: no 流失风险 flag follows (that is a high risk's)."""
    return aftersales.raise_risk(
        actor(p.alice),
        customer=customer,
        kind="competition",
        level="medium",
        description="竞品以低价接触客户采购部",
        countermeasure="安排技术交流会展示稳定性优势",
        due_on=localdate() + datetime.timedelta(days=7),
    )


def _with_risk(
    write: Callable[[Personas, Any], Any], closed: bool = False
) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        risk = _risk(p, _customer(p))
        if closed:
            risk = aftersales.close_risk(actor(p.alice), risk, outcome="effective")
        return lambda: write(p, risk)

    return setup


def _case(p: Personas, customer: Customer) -> Any:
    return aftersales.create_case(
        actor(p.alice),
        customer=customer,
        kind="won",
        title="运维托管三周签约",
        story="客户宕机频繁,先做试用再签三年托管合同",
        tags=["华东"],
    )


def _with_case(write: Callable[[Personas, Any], Any]) -> Callable[[Personas], Write]:
    def setup(p: Personas) -> Write:
        case = _case(p, _customer(p))
        return lambda: write(p, case)

    return setup


# action -> setup(personas) that prepares what the write needs and returns the write itself
WRITES: dict[str, Callable[[Personas], Write]] = {
    "customer.create": _plain(
        lambda p: customers.create_customer(actor(p.alice), name="宁波测试有限公司")
    ),
    "customer.update": _with_customer(
        lambda p, c: customers.update_customer(actor(p.alice), c, notes="新备注")
    ),
    "customer.stage": _with_customer(
        lambda p, c: customers.change_stage(actor(p.alice), c, stage="intent", reason="需求明确")
    ),
    "customer.transfer": _with_customer(
        lambda p, c: customers.transfer_owner(actor(p.carol), c, owner=p.bob, reason="调整")
    ),
    "customer.collaborator_add": _with_customer(
        lambda p, c: customers.add_collaborator(actor(p.alice), c, user=p.bob)
    ),
    "customer.collaborator_remove": _collaborator_remove,
    "customer.address": _with_customer(
        lambda p, c: customers.add_address(actor(p.alice), c, kind="hq", detail="西湖区1号")
    ),
    "customer.claim_request": _claim_request,
    "customer.claim_resolve": _claim_resolve,
    "contact.create": _with_customer(
        lambda p, c: contacts.create_contact(actor(p.alice), customer=c, name="李四")
    ),
    "contact.update": _with_customer(
        lambda p, c: contacts.update_contact(actor(p.alice), c.contacts.get(), title="总监")
    ),
    "contact.delete": _with_customer(
        lambda p, c: contacts.delete_contact(actor(p.alice), c.contacts.get())
    ),
    "contact.reveal": _reveal,
    "user.create": _plain(
        lambda p: accounts.create_user(
            actor(p.admin), username="newbie", password="Newbie-pass-2026", role="sales"
        )
    ),
    "user.update": _plain(lambda p: accounts.update_user(actor(p.admin), p.bob, role="service")),
    "user.change_password": _plain(
        lambda p: accounts.change_password(
            actor(p.alice), old_password=PASSWORD, new_password="Another-pass-2026"
        )
    ),
    "team.create": _plain(lambda p: accounts.create_team(actor(p.admin), name="西南销售部")),
    "team.update": _plain(lambda p: accounts.update_team(actor(p.admin), p.team_b, manager=p.dave)),
    "token.issue": _plain(_token),
    "token.revoke": _token_revoke,
    "settings.number_rule": _plain(
        lambda p: customers.set_number_pattern(actor(p.admin), pattern="{IND}{YYYY}{SEQ:3}")
    ),
    "settings.custom_field": _plain(
        lambda p: customers.save_custom_field(
            actor(p.admin), key="score", label="评分", type="integer"
        )
    ),
    "settings.source": _plain(lambda p: customers.save_source(actor(p.admin), name="抖音")),
    "settings.industry_code": _plain(
        lambda p: customers.save_industry_code(
            actor(p.admin), Industry.objects.get(code="I"), short_code="TECH"
        )
    ),
    "tag.rename": _with_tag(lambda p, t: customers.rename_tag(actor(p.admin), t, name="重点客户")),
    "tag.merge": _tag_merge,
    "tag.delete": _with_tag(lambda p, t: customers.delete_tag(actor(p.admin), t)),
    "record.file": _with_customer(_card),
    "record.update": _with_card(
        lambda p, r: records.update_record(actor(p.alice), r, notes="客户内部组织架构调整")
    ),
    "record.void": _with_card(lambda p, r: records.void_record(actor(p.alice), r, "重复填写")),
    "task.create": _with_customer(
        lambda p, c: records.create_task(
            actor(p.alice), customer=c, description="提供报价单", due=localdate()
        )
    ),
    "task.update": _with_task(
        lambda p, t: records.update_task(actor(p.alice), t, description="提供定制化报价单")
    ),
    "task.complete": _with_task(
        lambda p, t: records.complete_task(actor(p.alice), t, "已提供报价单,客户已确认")
    ),
    "task.cancel": _with_task(lambda p, t: records.cancel_task(actor(p.alice), t, "客户取消需求")),
    "task.reopen": _task_reopen,
    "workday.override_set": _plain(
        lambda p: workdays.set_override(
            actor(p.admin), day=datetime.date(2026, 10, 10), is_workday=False, note="公司调休"
        )
    ),
    "workday.override_remove": _override_remove,
    "settings.discipline": _plain(
        lambda p: discipline.update_rules(actor(p.admin), escalate_after_days=3)
    ),
    "discipline.evaluate": _overdue_evaluation,
    "customer.info_checked": _with_customer(
        lambda p, c: discipline.confirm_info(actor(p.alice), c)
    ),
    "export.customers": _with_customer(_export),
    "customer.print": _by_personal_grant(
        lambda p, c: transfer_pdf.archive(actor(p.erin), c.pk, full=True)
    ),
    "contact.vcard": _by_personal_grant(lambda p, c: vcard.customer_vcards(actor(p.erin), c.pk)),
    # pipeline
    "opportunity.create": _with_customer(lambda p, c: _opportunity(p, c)),
    "opportunity.update": _with_opportunity(
        lambda p, o: pipeline.update_opportunity(
            actor(p.alice), o, amount=Decimal("450000.00"), reason="客户扩大范围"
        )
    ),
    "opportunity.move": _with_opportunity(
        lambda p, o: pipeline.move_opportunity(actor(p.alice), o, stage=_stage(o, "solution"))
    ),
    "opportunity.gate": _gate_pass,
    "opportunity.objection": _with_opportunity(
        lambda p, o: pipeline.raise_objection(actor(p.alice), o, content="担心售后响应慢")
    ),
    "opportunity.objection_answer": _objection_answer,
    "contract.create": _with_customer(_contract),
    "contract.update": _with_contract(
        lambda p, k: pipeline.update_contract(actor(p.alice), k, title="运维托管服务合同")
    ),
    "contract.expire": _contract_expire,
    "customer.level": _with_customer(
        lambda p, c: _contract(p, c, amount=Decimal("600000.00"))  # a 重点客户's amount
    ),
    "order.create": _with_customer(_order),
    "order.update": _with_order(
        lambda p, o: pipeline.update_order(actor(p.alice), o, amount=Decimal("15000.00"))
    ),
    "order.delete": _with_order(
        lambda p, o: pipeline.delete_order(actor(p.alice), o, reason="重复录入")
    ),
    "settings.tier_rules": _plain(
        lambda p: pipeline.save_tier_rules(actor(p.admin), expiry_warning_days=45)
    ),
    "settings.pipeline": _plain(
        lambda p: pipeline.save_pipeline(actor(p.admin), name="教育行业销售流程", industries=["P"])
    ),
    "settings.stage": _plain(
        lambda p: pipeline.save_stage(actor(p.admin), _standard_stage("solution"), name="方案设计")
    ),
    "settings.gate": _plain(
        lambda p: pipeline.save_gate(
            actor(p.admin), stage=_standard_stage("won"), code="credit", name="信用审核"
        )
    ),
    # needs
    "needs.file": _needs_file,
    "needs.update": _with_analysis(
        lambda p, a: needs.update_analysis(actor(p.alice), a, budget_note="含3年服务费")
    ),
    "demand_change.create": _with_customer(_change),
    "demand_change.update": _change_update,
    # after-sales
    "delivery.create": _with_customer(_delivery),
    "delivery.update": _with_delivery(
        lambda p, d: aftersales.update_delivery(actor(p.alice), d, notes="分两期上线")
    ),
    "delivery.deliver": _with_delivery(
        lambda p, d: aftersales.mark_delivered(actor(p.alice), d, delivered_on=localdate())
    ),
    "delivery.progress": _with_delivery(
        lambda p, d: aftersales.add_progress(actor(p.alice), d, content="本周已完成监控模块部署")
    ),
    "delivery.accept": _with_delivery(  # acceptance needs the delivery delivered first
        lambda p, d: aftersales.accept_delivery(actor(p.alice), d, accepted_on=localdate()),
        delivered_on=localdate(),
    ),
    "survey.create": _with_customer(lambda p, c: _survey(p, c, 80)),
    "survey.update": _with_survey(
        lambda p, s: aftersales.update_survey(actor(p.alice), s, overall=85, reason="录入有误")
    ),
    "survey.improvement": _with_survey(
        lambda p, s: aftersales.plan_survey_improvement(
            actor(p.alice), s, plan="每月5日前提供运维报告"
        ),
        suggestions="增加月度运维报告",
    ),
    "corepool.enter": _with_customer(lambda p, c: _survey(p, c, 95)),
    "corepool.leave": _corepool_leave,
    "customer.flag": _with_customer(lambda p, c: _feedback(p, c, "complaint")),
    "feedback.create": _with_customer(_feedback),
    "feedback.update": _with_feedback(
        lambda p, f: aftersales.update_feedback(actor(p.alice), f, category="quality")
    ),
    "feedback.resolve": _with_feedback(
        lambda p, f: aftersales.resolve_feedback(
            actor(p.alice), f, resolution="已致电感谢并转达运维团队"
        )
    ),
    "feedback.reopen": _with_feedback(
        lambda p, f: aftersales.reopen_feedback(actor(p.alice), f, reason="客户补充了新的意见"),
        resolved=True,
    ),
    "feedback.improvement": _with_feedback(
        lambda p, f: aftersales.plan_feedback_improvement(
            actor(p.alice), f, plan="每月5日前提供运维报告"
        ),
        kind="suggestion",
    ),
    "referral.create": _with_customer(
        lambda p, c: _referral(p, c, referred_name="广州市新锐制造有限公司")
    ),
    "referral.update": _referral_update,
    "referral.approve": _referral_approve,
    "referral.pay": _referral_pay,
    "risk.create": _with_customer(_risk),
    "risk.update": _with_risk(
        lambda p, r: aftersales.update_risk(
            actor(p.alice), r, countermeasure="邀请客户参观标杆项目"
        )
    ),
    "risk.close": _with_risk(
        lambda p, r: aftersales.close_risk(actor(p.alice), r, outcome="effective")
    ),
    "risk.reopen": _with_risk(
        lambda p, r: aftersales.reopen_risk(actor(p.alice), r, reason="竞品再次报价"),
        closed=True,
    ),
    "case.create": _with_customer(_case),
    "case.update": _with_case(
        lambda p, k: aftersales.update_case(actor(p.alice), k, lessons="先试用后签约")
    ),
    "case.withdraw": _with_case(
        lambda p, k: aftersales.withdraw_case(actor(p.alice), k, reason="客户不同意公开")
    ),
}


# Side-effect rows: appended not by a write of their own but by the write that causes them, in
# its transaction, after the cause's own row (and before what follows from them). The rows the
# causing write appends, in order; every other write appends exactly its own row.
CAUSED_ROWS: dict[str, list[str]] = {
    # a 600,000 contract makes the trailing-12-month amount a 重点客户's: the level is recomputed
    "customer.level": ["contract.create", "customer.level"],
    # a survey ≥ 90 enters the core pool, which schedules this quarter's deep-visit to-do
    "corepool.enter": ["survey.create", "corepool.enter", "task.create"],
    # a later survey below 90 leaves it (the open visit to-do stays)
    "corepool.leave": ["survey.create", "corepool.leave"],
    # an open complaint sets the 投诉 flag
    "customer.flag": ["feedback.create", "customer.flag"],
}
# Exemption from "a person did it from the web": the daily job expires contracts as the
# system (no actor, source "system"); those two values are asserted instead.
SYSTEM_WRITES = {"contract.expire"}
# Exemption from "the row says what changed": a reveal logs an access, a revoke an end.
NO_CHANGES = {"contact.reveal", "token.revoke"}
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


class _Transactions:
    """Notes, for every statement that writes, the outermost transaction the write opened
    (None when it wrote outside one): a write and its audit rows share one transaction."""

    def __init__(self) -> None:
        self.depth = len(connection.atomic_blocks)  # the test's own transaction
        self.audit: list[Any] = []
        self.data: list[Any] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(WRITE_VERBS):
            blocks = context["connection"].atomic_blocks
            opened = blocks[self.depth] if len(blocks) > self.depth else None
            target = " ".join(sql.split()[:3])  # INSERT INTO "t" / UPDATE "t" SET / DELETE FROM "t"
            audited = AuditEvent._meta.db_table in target
            (self.audit if audited else self.data).append(opened)
        return execute(sql, params, many, context)


@pytest.mark.parametrize("action", list(WRITES))
def test_each_write_appends_its_audit_row(personas: Personas, action: str) -> None:
    write = WRITES[action](personas)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    transactions = _Transactions()
    with connection.execute_wrapper(transactions):
        write()
    new = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert [e.action for e in new] == CAUSED_ROWS.get(action, [action])
    (event,) = [e for e in new if e.action == action]
    if action in SYSTEM_WRITES:
        assert (event.source, event.actor, event.actor_label) == ("system", None, "系统")
    else:
        assert event.source == "web"
        assert event.actor is not None
    assert event.object_type and event.object_id
    if action not in NO_CHANGES:
        assert event.changes, action
    opened = transactions.audit[0]
    assert opened is not None, f"{action}: audited outside a transaction of its own"
    assert all(t is opened for t in transactions.audit), f"{action}: audited apart"
    assert all(t is opened for t in transactions.data), f"{action}: wrote outside its transaction"


def test_every_audited_action_is_covered_and_has_a_chinese_label() -> None:
    from crm.audit.labels import ACTIONS

    assert set(WRITES) | {"user.create_first_admin"} == set(ACTIONS)
    assert set(CAUSED_ROWS) | SYSTEM_WRITES | NO_CHANGES <= set(WRITES)  # no stale exemption


def test_a_refused_write_leaves_no_audit_row(personas: Personas) -> None:
    customer = _customer(personas)
    count = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is what is left
        customers.change_stage(actor(personas.alice), customer, stage="lost", reason="x")
    with pytest.raises(Exception):  # noqa: B017
        customers.update_customer(actor(personas.dave), customer, notes="越权")
    assert AuditEvent.objects.count() == count
    assert Source.objects.filter(name="抖音").count() == 0
