"""Pipelines, stages and gates are settings: administrators add stages and industry variants."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from crm.core.actor import Actor
from crm.customers.models import Industry
from crm.customers.services.settings import save_setting

from ..choices import OpportunityStatus
from ..models import Gate, GatePass, Opportunity, Pipeline, Stage

PIPELINE_ATTRS = ("name", "industries", "is_default", "is_active", "position")
STAGE_ATTRS = ("pipeline", "code", "name", "kind", "position", "probability", "is_active")
GATE_ATTRS = ("stage", "code", "name", "description")


def _check_pipeline(pipeline: Pipeline) -> None:
    codes = pipeline.industries
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValidationError({"industries": "适用行业应为行业代码列表"})
    codes = [c.strip().upper() for c in codes if c.strip()]
    known = set(Industry.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"industries": f"未知的行业代码: {'、'.join(unknown)}"})
    pipeline.industries = list(dict.fromkeys(codes))
    if pipeline.is_default and not pipeline.is_active:
        raise ValidationError({"is_active": "默认销售流程不能停用;请先把另一个流程设为默认"})
    if pipeline.is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    elif (
        pipeline.pk is not None
        and Pipeline.objects.filter(pk=pipeline.pk, is_default=True).exists()
    ):
        raise ValidationError(
            {"is_default": "至少需要一个默认销售流程;请把另一个流程设为默认,而不是取消本流程"}
        )


def _check_stage(stage: Stage) -> None:
    """A stage that holds opportunities keeps its pipeline and kind, and stays active while
    open ones are in it (they would vanish from the board)."""
    if stage.pk is None:
        return
    saved = Stage.objects.get(pk=stage.pk)
    used = Opportunity.objects.filter(stage_id=stage.pk)
    if stage.pipeline_id != saved.pipeline_id and used.exists():
        raise ValidationError({"pipeline": "该阶段已有商机,不能移到其他销售流程"})
    if stage.kind != saved.kind and used.exists():
        raise ValidationError({"kind": "该阶段已有商机,不能改变阶段类型"})
    stopping = saved.is_active and not stage.is_active
    if stopping and used.filter(status=OpportunityStatus.OPEN).exists():
        raise ValidationError({"is_active": "该阶段还有进行中的商机,请先移走再停用"})


def _check_gate(gate: Gate) -> None:
    """A gate some opportunity passed stays on its stage (the passes name it)."""
    if gate.pk is None:
        return
    saved = Gate.objects.get(pk=gate.pk)
    if gate.stage_id != saved.stage_id and GatePass.objects.filter(gate_id=gate.pk).exists():
        raise ValidationError({"stage": "已有商机通过该关卡,不能移到其他阶段"})


def save_pipeline(actor: Actor, pipeline: Pipeline | None = None, **fields: Any) -> Pipeline:
    return save_setting(
        actor,
        pipeline or Pipeline(),
        attrs=PIPELINE_ATTRS,
        action="settings.pipeline",
        fields=fields,
        check=_check_pipeline,
    )


def save_stage(actor: Actor, stage: Stage | None = None, **fields: Any) -> Stage:
    return save_setting(
        actor,
        stage or Stage(),
        attrs=STAGE_ATTRS,
        action="settings.stage",
        fields=fields,
        check=_check_stage,
    )


def save_gate(actor: Actor, gate: Gate | None = None, **fields: Any) -> Gate:
    return save_setting(
        actor,
        gate or Gate(),
        attrs=GATE_ATTRS,
        action="settings.gate",
        fields=fields,
        check=_check_gate,
    )
