"""Opportunities 商机: create, correct, move between stages (gates, won, lost), pass gates.

- whoever may edit the customer works its opportunities; the owner must be able to own one;
- the pipeline follows the customer's industry (rules.pipeline_for) and the first open stage;
- a move goes to an active stage of the same pipeline; into a stage with gates only when every
  gate was passed (資质审核, 合规检查 …); into a lost stage only with the reason; a won or lost
  opportunity goes back to an open stage only with a reason;
- winning moves a customer not yet 合作中 there (customer.stage, with its own audit row);
- every write is audited on the customer's timeline; moves also keep a transition row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.choices import Stage as CustomerStage
from crm.customers.models import Customer
from crm.customers.services import change_stage
from crm.customers.services.related import editable_customer, get_visible, pk_of, reject_unknown
from crm.workdays import sla

from .. import rules
from ..choices import OpportunityStatus, StageKind
from ..models import (
    Gate,
    GatePass,
    Objection,
    Opportunity,
    OpportunityTransition,
    Pipeline,
    Stage,
)
from .common import check_owner, full_clean, lock, save_version

FIELDS = (
    "name",
    "amount",
    "expected_close_on",
    "owner",
    "needs_confirmed_on",
    "solution_submitted_on",
    "notes",
)
AUDITED = (*FIELDS, "stage", "status", "lost_reason")


def get_visible_opportunity(actor: Actor, pk: Any) -> Opportunity:
    return get_visible(actor, Opportunity, pk)


def pipeline_for_customer(customer: Customer) -> Pipeline:
    industry = customer.industry
    section = (industry.parent_id or industry.code) if industry else None
    choices = [
        rules.PipelineChoice(p.pk, p.industries or [], p.is_default)
        for p in Pipeline.objects.filter(is_active=True)
    ]
    pk = rules.pipeline_for(industry.code if industry else None, section, choices)
    if pk is None:
        raise ValidationError("尚未配置可用的销售流程,请联系管理员")
    return Pipeline.objects.get(pk=pk)


def _first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(is_active=True, kind=StageKind.OPEN).order_by("position").first()
    if stage is None:
        raise ValidationError(f"销售流程「{pipeline.name}」没有可用的进行中阶段")
    return stage


def _snapshot(opp: Opportunity) -> dict[str, Any]:
    return audit.snapshot(opp, AUDITED)


def create_opportunity(actor: Actor, *, customer: Any, **fields: Any) -> Opportunity:
    reject_unknown(fields, FIELDS)
    found = editable_customer(actor, customer)
    pipeline = pipeline_for_customer(found)
    owner = fields.pop("owner", None) or actor.user
    opp = Opportunity(
        customer=found,
        owner=owner,
        pipeline=pipeline,
        stage=_first_stage(pipeline),
        created_by=actor.user,
        **fields,
    )
    opp.name = " ".join((opp.name or "").split())
    full_clean(opp, exclude=["customer", "owner", "pipeline", "stage", "created_by"])
    check_owner(opp.owner)
    with transaction.atomic():
        opp.save()
        OpportunityTransition.objects.create(
            opportunity=opp, from_stage=None, to_stage=opp.stage, actor=actor.user
        )
        audit.record(
            actor,
            "opportunity.create",
            opp,
            customer=found,
            changes=audit.diff({}, _snapshot(opp)),
        )
    return opp


def _locked(actor: Actor, opp: Opportunity, expected_version: int | None) -> Opportunity:
    visible = get_visible_opportunity(actor, opp.pk)
    editable_customer(actor, visible.customer_id)
    locked = lock(Opportunity, visible.pk, expected_version, "商机")
    locked.customer = visible.customer
    return locked


def update_opportunity(
    actor: Actor,
    opp: Opportunity,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Opportunity:
    reject_unknown(fields, FIELDS)
    with transaction.atomic():
        opp = _locked(actor, opp, expected_version)
        before = _snapshot(opp)
        for name, value in fields.items():
            setattr(opp, name, value)
        if "name" in fields:
            opp.name = " ".join((opp.name or "").split())
        full_clean(opp, exclude=["customer", "owner", "pipeline", "stage", "created_by"])
        if "owner" in fields:
            check_owner(opp.owner)
        changes = audit.diff(before, _snapshot(opp))
        if changes:
            save_version(opp)
            audit.record(
                actor,
                "opportunity.update",
                opp,
                customer=opp.customer,
                changes=changes,
                reason=reason.strip(),
            )
    return opp


def _target(opp: Opportunity, stage: Any) -> Stage:
    try:
        target = Stage.objects.get(pk=pk_of(stage), pipeline_id=opp.pipeline_id)
    except (Stage.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"stage": "该阶段不属于此商机的销售流程"}) from exc
    if not target.is_active:
        raise ValidationError({"stage": f"阶段「{target.name}」已停用"})
    return target


def missing_gates(opp: Opportunity, target: Stage) -> list[str]:
    required = [g.name for g in target.gates.all()]
    if not required:
        return []
    passed = GatePass.objects.filter(opportunity=opp, gate__stage=target)
    return rules.missing_gates(required, passed.values_list("gate__name", flat=True))


def _check_move(opp: Opportunity, target: Stage, reason: str, lost_reason: str) -> None:
    if target.pk == opp.stage_id:
        raise ValidationError({"stage": "商机已处于该阶段"})
    if opp.status != OpportunityStatus.OPEN and target.kind == StageKind.OPEN and not reason:
        raise ValidationError({"reason": "重新打开已成交或已输单的商机需要填写原因"})
    if target.kind == StageKind.LOST and not lost_reason:
        raise ValidationError({"lost_reason": "转为输单时必须填写输单原因"})
    missing = missing_gates(opp, target)
    if missing:
        raise ValidationError({"stage": f"进入「{target.name}」前须先通过:{'、'.join(missing)}"})


def move_opportunity(
    actor: Actor,
    opp: Opportunity,
    *,
    stage: Any,
    reason: str = "",
    lost_reason: str = "",
    expected_version: int | None = None,
) -> Opportunity:
    """Move to another stage of its pipeline (the kanban drag, the API action, the form)."""
    reason, lost_reason = (reason or "").strip(), (lost_reason or "").strip()
    with transaction.atomic():
        opp = _locked(actor, opp, expected_version)
        target = _target(opp, stage)
        _check_move(opp, target, reason, lost_reason)
        before = _snapshot(opp)
        OpportunityTransition.objects.create(
            opportunity=opp,
            from_stage_id=opp.stage_id,
            to_stage=target,
            actor=actor.user,
            reason=reason or lost_reason,
        )
        if _past_solution(opp, target) and opp.solution_submitted_on is None:
            opp.solution_submitted_on = timezone.localdate()  # a quote follows a solution
        opp.stage, opp.status = target, target.kind
        opp.stage_changed_at = timezone.now()
        opp.lost_reason = lost_reason if target.kind == StageKind.LOST else ""
        opp.closed_on = timezone.localdate() if target.kind != StageKind.OPEN else None
        save_version(opp)
        audit.record(
            actor,
            "opportunity.move",
            opp,
            customer=opp.customer,
            changes=audit.diff(before, _snapshot(opp)),
            reason=reason or lost_reason,
        )
        if target.kind == StageKind.WON:
            _customer_cooperating(actor, opp)
    return opp


def _past_solution(opp: Opportunity, target: Stage) -> bool:
    """Entering a stage after 方案制定 (报价, 商务谈判 …) or winning: the solution went out."""
    if opp.needs_confirmed_on is None or target.kind == StageKind.LOST:
        return False
    solution = Stage.objects.filter(pipeline_id=opp.pipeline_id, code="solution").first()
    return solution is not None and target.position > solution.position


def _customer_cooperating(actor: Actor, opp: Opportunity) -> None:
    customer = opp.customer
    if customer.stage != CustomerStage.COOPERATING:
        change_stage(
            actor, customer, stage=CustomerStage.COOPERATING, reason=f"商机赢单:{opp.name}"
        )


def pass_gate(actor: Actor, opp: Opportunity, *, gate: Any, note: str) -> GatePass:
    """Record that a gate (资质审核 …) was passed, with what was checked."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写审核说明(核对了哪些材料、结论)"})
    with transaction.atomic():
        opp = _locked(actor, opp, None)
        try:
            found = Gate.objects.select_related("stage").get(
                pk=pk_of(gate), stage__pipeline_id=opp.pipeline_id
            )
        except (Gate.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
            raise ValidationError({"gate": "该关卡不属于此商机的销售流程"}) from exc
        if GatePass.objects.filter(opportunity=opp, gate=found).exists():
            raise ValidationError({"gate": f"「{found.name}」已通过"})
        passed = GatePass.objects.create(
            opportunity=opp,
            gate=found,
            passed_by=actor.user,
            note=note[:200],  # type: ignore[misc]
        )
        audit.record(
            actor,
            "opportunity.gate",
            opp,
            customer=opp.customer,
            changes={"gate": {"before": None, "after": found.name}},
            reason=note,
        )
    return passed


def solution_due(opp: Opportunity) -> datetime.date | None:
    """方案提交时限: 3 working days after the needs were confirmed (seed 002, step 4)."""
    if opp.needs_confirmed_on is None:
        return None
    return sla.due_on(sla.SOLUTION, opp.needs_confirmed_on)


# --- objections 异议: answered within 24 hours ------------------------------------------------


def raise_objection(
    actor: Actor, opp: Opportunity, *, content: str, raised_at: datetime.datetime | None = None
) -> Objection:
    content = " ".join((content or "").split())
    if not content:
        raise ValidationError({"content": "请填写客户的异议内容"})
    raised_at = raised_at or timezone.now()
    if raised_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"raised_at": "提出时间不能晚于现在"})
    with transaction.atomic():
        opp = _locked(actor, opp, None)
        objection = Objection.objects.create(
            opportunity=opp, content=content[:500], raised_at=raised_at, created_by=actor.user
        )
        audit.record(
            actor,
            "opportunity.objection",
            opp,
            customer=opp.customer,
            changes={"objection": {"before": None, "after": objection.content}},
        )
    return objection


def answer_objection(actor: Actor, objection: Objection, *, answer: str) -> Objection:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写处理与答复"})
    with transaction.atomic():
        opp = _locked(actor, objection.opportunity, None)
        found = Objection.objects.select_for_update().get(pk=objection.pk, opportunity=opp)
        if found.answered_at is not None:
            raise ValidationError({"answer": "该异议已答复"})
        found.answer, found.answered_at, found.answered_by = answer, timezone.now(), actor.user
        found.save(update_fields=["answer", "answered_at", "answered_by"])
        late = sla.objection_status(found.raised_at, found.answered_at, found.answered_at)
        audit.record(
            actor,
            "opportunity.objection_answer",
            opp,
            customer=opp.customer,
            changes={"answer": {"before": None, "after": answer}},
            reason="超过 24 小时答复" if late == sla.BREACHED else "",
        )
    return found
