"""Pipelines, stages and gates are settings: administrators add stages and industry variants."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from crm.core.actor import Actor
from crm.customers.models import Industry
from crm.customers.services.settings import save_setting

from ..models import Gate, Pipeline, Stage

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
    if pipeline.is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)


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
        actor, stage or Stage(), attrs=STAGE_ATTRS, action="settings.stage", fields=fields
    )


def save_gate(actor: Actor, gate: Gate | None = None, **fields: Any) -> Gate:
    return save_setting(
        actor, gate or Gate(), attrs=GATE_ATTRS, action="settings.gate", fields=fields
    )
