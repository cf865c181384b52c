"""Pipeline API shapes. Input serializers parse types only; crm.pipeline.services validates."""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.accounts.models import User
from crm.customers.choices import Level
from crm.pipeline import rules, services
from crm.pipeline.choices import ContractStatus, StageKind
from crm.pipeline.models import (
    Contract,
    Gate,
    Objection,
    Opportunity,
    Order,
    Pipeline,
    Stage,
    TierRules,
)
from crm.workdays import sla


def ident(**kwargs: Any) -> serializers.IntegerField:
    """A database id: a whole, positive 64-bit number."""
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, **kwargs)


def small(**kwargs: Any) -> serializers.IntegerField:
    """A PositiveSmallIntegerField value (position, probability)."""
    return serializers.IntegerField(min_value=0, max_value=32767, required=False, **kwargs)


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def text(max_length: int, **kwargs: Any) -> serializers.CharField:
    """Optional text: blank when left out (on create; a PATCH leaves it unchanged)."""
    return serializers.CharField(max_length=max_length, allow_blank=True, default="", **kwargs)


# --- pipelines, stages, gates ------------------------------------------------------------------


class GateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gate
        fields = ["id", "stage", "code", "name", "description"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "pipeline", "code", "name", "kind", "position", "probability", "is_active"]
        read_only_fields = fields


class NestedStageSerializer(StageSerializer):
    gates = GateSerializer(many=True, read_only=True)

    class Meta(StageSerializer.Meta):
        fields = [*StageSerializer.Meta.fields, "gates"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer):
    stages = NestedStageSerializer(many=True, read_only=True, help_text="启用的阶段及其关卡")

    class Meta:
        model = Pipeline
        fields = ["id", "name", "industries", "is_default", "is_active", "position", "stages"]
        read_only_fields = fields


class PipelineWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, help_text="名称")
    industries = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        max_length=200,
        help_text="适用行业: GB/T 4754 门类字母或大类代码;留空为通用流程",
    )
    is_default = serializers.BooleanField(required=False, help_text="默认流程")
    is_active = serializers.BooleanField(required=False, help_text="启用")
    position = small(help_text="排序")


class StageWriteSerializer(serializers.Serializer):
    """A stage's settings; its pipeline is chosen once, on create."""

    code = serializers.SlugField(max_length=30, help_text="代码")
    name = serializers.CharField(max_length=30, help_text="名称")
    kind = serializers.ChoiceField(choices=StageKind.choices, required=False, help_text="类型")
    position = small(help_text="排序")
    probability = small(help_text="赢单概率(%)")
    is_active = serializers.BooleanField(required=False, help_text="启用")


class StageCreateSerializer(StageWriteSerializer):
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.all(), help_text="销售流程 ID"
    )


class GateWriteSerializer(serializers.Serializer):
    """A gate's settings; its stage is chosen once, on create."""

    code = serializers.SlugField(max_length=30, help_text="代码")
    name = serializers.CharField(max_length=30, help_text="名称")
    description = text(200, help_text="说明")


class GateCreateSerializer(GateWriteSerializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all(), help_text="阶段 ID")


# --- opportunities -----------------------------------------------------------------------------


class StageBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "code", "name", "kind"]
        read_only_fields = fields


class PipelineBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pipeline
        fields = ["id", "name"]
        read_only_fields = fields


class GateStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    stage = serializers.IntegerField(help_text="关卡所在阶段 ID")
    passed = serializers.BooleanField(help_text="已通过")
    passed_at = serializers.DateTimeField(allow_null=True)
    passed_by = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(help_text="审核说明")


class OpportunitySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    pipeline = PipelineBriefSerializer(read_only=True)
    stage = StageBriefSerializer(read_only=True)
    solution_due = serializers.SerializerMethodField(help_text="方案提交时限(需求确认后3个工作日)")
    gates = serializers.SerializerMethodField(help_text="本流程各启用阶段的关卡及是否已通过")

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "customer",
            "customer_name",
            "name",
            "amount",
            "expected_close_on",
            "owner",
            "owner_name",
            "pipeline",
            "stage",
            "status",
            "lost_reason",
            "needs_confirmed_on",
            "solution_due",
            "notes",
            "gates",
            "stage_changed_at",
            "closed_on",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_solution_due(self, obj: Opportunity) -> str | None:
        try:
            due = services.solution_due(obj)
        except OverflowError:  # a confirmation date at the end of the calendar has no due day
            return None
        return due.isoformat() if due else None

    @extend_schema_field(GateStateSerializer(many=True))
    def get_gates(self, obj: Opportunity) -> list[dict[str, Any]]:
        """From the prefetched active stages, their gates and the opportunity's passes."""
        passes = {p.gate_id: p for p in obj.passes.all()}
        rows = []
        for stage in obj.pipeline.stages.all():
            for gate in stage.gates.all():
                done = passes.get(gate.pk)
                rows.append(
                    {
                        "id": gate.pk,
                        "code": gate.code,
                        "name": gate.name,
                        "description": gate.description,
                        "stage": stage.pk,
                        "passed": done is not None,
                        "passed_at": done.passed_at if done else None,
                        "passed_by": done.passed_by_id if done else None,
                        "note": done.note if done else "",
                    }
                )
        return GateStateSerializer(rows, many=True).data  # type: ignore[return-value]


class OpportunityWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, help_text="商机名称")
    amount = money(required=False, help_text="预计金额(元)")
    expected_close_on = serializers.DateField(required=False, help_text="预计成交日期")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="负责人(默认本人)"
    )
    needs_confirmed_on = serializers.DateField(
        required=False, allow_null=True, help_text="需求确认日期"
    )
    notes = text(10000, help_text="备注")
    reason = text(1000, write_only=True, help_text="修改原因")


class OpportunityCreateSerializer(OpportunityWriteSerializer):
    customer = ident(help_text="客户 ID")
    name = serializers.CharField(max_length=120, help_text="商机名称")
    amount = money(help_text="预计金额(元)")
    expected_close_on = serializers.DateField(help_text="预计成交日期")
    reason = None  # type: ignore[assignment]


class MoveSerializer(serializers.Serializer):
    stage = ident(help_text="目标阶段 ID(同一销售流程)")
    reason = text(200, help_text="原因(重新打开已成交/输单的商机时必填)")
    lost_reason = text(200, help_text="输单原因(转为输单时必填)")


class PassGateSerializer(serializers.Serializer):
    gate = ident(help_text="关卡 ID")
    note = text(200, help_text="审核说明:核对了哪些材料、结论")


class ObjectionSerializer(serializers.ModelSerializer):
    due_at = serializers.SerializerMethodField(help_text="答复时限(提出后 24 小时)")
    clock = serializers.SerializerMethodField(
        help_text="时限状态: open 待答复, breached 已超期或超时答复, met 按时答复"
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "opportunity",
            "content",
            "raised_at",
            "due_at",
            "clock",
            "answer",
            "answered_at",
            "answered_by",
            "created_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField())
    def get_due_at(self, obj: Objection) -> str:
        return serializers.DateTimeField().to_representation(sla.objection_due(obj.raised_at))

    def get_clock(self, obj: Objection) -> str:
        return sla.objection_status(obj.raised_at, obj.answered_at, timezone.now())


class ObjectionCreateSerializer(serializers.Serializer):
    content = text(500, help_text="异议内容")
    raised_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="提出时间(默认现在)"
    )


class AnswerObjectionSerializer(serializers.Serializer):
    objection = ident(help_text="异议 ID(属于该商机)")
    answer = text(2000, help_text="处理与答复")


# --- contracts and orders ----------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    expiring = serializers.SerializerMethodField(help_text="即将到期(履行中且在提醒天数内到期)")
    handover_due_on = serializers.SerializerMethodField(help_text="内部交接时限(签订后 1 个工作日)")

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "opportunity",
            "title",
            "amount",
            "signed_on",
            "starts_on",
            "ends_on",
            "status",
            "expiring",
            "handover_on",
            "handover_due_on",
            "notes",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_handover_due_on(self, obj: Contract) -> str | None:
        """内部交接时限: 1 working day after signing (null when not signed)."""
        return sla.due_on(sla.HANDOVER, obj.signed_on).isoformat() if obj.signed_on else None

    def get_expiring(self, obj: Contract) -> bool:
        if obj.status != ContractStatus.ACTIVE:
            return False
        shared = cast("dict[str, Any]", self.context)  # one read of the rules per answer
        if "expiry_warning_days" not in shared:
            shared["expiry_warning_days"] = services.tier_rules().expiry_warning_days
        return rules.is_expiring(obj.ends_on, timezone.localdate(), shared["expiry_warning_days"])


class ContractWriteSerializer(serializers.Serializer):
    number = text(60, help_text="合同编号(留空自动生成 HT-YYYYMMDD-NNN)")
    title = text(120, help_text="合同名称")
    amount = money(required=False, help_text="合同金额(元)")
    signed_on = serializers.DateField(required=False, allow_null=True, help_text="签订日期")
    starts_on = serializers.DateField(required=False, allow_null=True, help_text="开始日期")
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="到期日期")
    handover_on = serializers.DateField(
        required=False, allow_null=True, help_text="内部交接日期(签订后 1 个工作日内)"
    )
    status = serializers.ChoiceField(
        choices=ContractStatus.choices, required=False, help_text="合同状态"
    )
    opportunity = ident(required=False, allow_null=True, help_text="来源商机 ID(须属于该客户)")
    notes = text(10000, help_text="备注")
    reason = text(1000, write_only=True, help_text="修改原因")


class ContractCreateSerializer(ContractWriteSerializer):
    customer = ident(help_text="客户 ID")
    amount = money(help_text="合同金额(元)")
    reason = None  # type: ignore[assignment]


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contract_number = serializers.CharField(
        source="contract.number", default="", read_only=True, help_text="所属合同编号"
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "contract",
            "contract_number",
            "ordered_on",
            "amount",
            "summary",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class OrderWriteSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60, required=False, help_text="订单编号")
    ordered_on = serializers.DateField(required=False, help_text="订单日期")
    amount = money(required=False, help_text="订单金额(元)")
    summary = text(300, help_text="订单摘要")
    contract = ident(required=False, allow_null=True, help_text="所属合同 ID(须属于该客户)")
    reason = text(1000, write_only=True, help_text="修改原因")


class OrderCreateSerializer(OrderWriteSerializer):
    customer = ident(help_text="客户 ID")
    number = serializers.CharField(max_length=60, help_text="订单编号")
    ordered_on = serializers.DateField(help_text="订单日期")
    amount = money(help_text="订单金额(元)")
    reason = None  # type: ignore[assignment]


class ReasonSerializer(serializers.Serializer):
    reason = text(1000, help_text="原因")


# --- customer level and tier rules -------------------------------------------------------------


class LevelOverrideSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, help_text="客户等级")
    reason = text(1000, help_text="原因(必填)")


class CustomerLevelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField(help_text="客户等级 A/B/C")
    level_manual = serializers.BooleanField(help_text="等级手动指定(不再按合同金额自动计算)")


class TierRulesSerializer(serializers.ModelSerializer):
    """客户分级规则: thresholds of the trailing-12-month signed contract amount."""

    updated_by = serializers.IntegerField(source="updated_by_id", read_only=True, allow_null=True)
    reason = text(1000, write_only=True, help_text="修改原因")

    class Meta:
        model = TierRules
        fields = [
            "strategic_threshold",
            "key_threshold",
            "expiry_warning_days",
            "updated_at",
            "updated_by",
            "reason",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "strategic_threshold": {"required": True},
            "key_threshold": {"required": True},
            "expiry_warning_days": {"required": True},
        }
