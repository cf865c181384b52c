"""After-sales API shapes. Input serializers parse types only; crm.aftersales.services
validates (dates, scores, filler text, who may do what)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.accounts.models import User
from crm.aftersales import clocks, services
from crm.aftersales.choices import (
    CaseKind,
    DeliveryStatus,
    FeedbackCategory,
    FeedbackKind,
    ReferralIntent,
    RiskKind,
    RiskLevel,
    RiskOutcome,
    RiskStatus,
    SurveyMethod,
)
from crm.aftersales.models import (
    Case,
    CorePoolMember,
    Delivery,
    DeliveryProgress,
    Feedback,
    Referral,
    Risk,
    Survey,
)
from crm.core.api import request_user
from crm.pipeline.api.serializers import ident, money, text
from crm.workdays import sla

# the name shown for a customer the reader may not see (cases, referred customers)
HIDDEN_CUSTOMER = "(其他团队的客户)"

CLOCK_STATES = [
    (sla.OPEN, "进行中"),
    (sla.DUE_TODAY, "今日到期"),
    (sla.BREACHED, "已超时"),
    (sla.MET, "已按时完成"),
]


def clock_state(due: datetime.date | None, done: datetime.date | None) -> str | None:
    """An SLA clock's state today (None: the clock has not started)."""
    if due is None:
        return None
    return clocks.status(due, done, timezone.localdate())


def clock_field(help_text: str) -> Any:
    return extend_schema_field(
        serializers.ChoiceField(choices=CLOCK_STATES, allow_null=True, help_text=help_text)
    )


def optional_date(help_text: str) -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True, help_text=help_text)


# --- deliveries ---------------------------------------------------------------------------------


class ProgressSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = DeliveryProgress
        fields = ["id", "noted_on", "content", "author", "author_name", "created_at"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contract_number = serializers.CharField(
        source="contract.number", default="", read_only=True, help_text="所属合同编号"
    )
    status = serializers.ChoiceField(
        choices=DeliveryStatus.choices, read_only=True, help_text="交付中 / 待验收 / 已验收"
    )
    acceptance_status = serializers.SerializerMethodField(
        help_text="验收时限(交付后3个工作日)的状态;未交付为 null"
    )
    survey_status = serializers.SerializerMethodField(
        help_text="满意度调查时限(验收后7个工作日)的状态;未验收为 null"
    )
    progress = ProgressSerializer(many=True, read_only=True, help_text="每周交付进度,新的在前")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "customer",
            "customer_name",
            "contract",
            "contract_number",
            "title",
            "status",
            "delivered_on",
            "acceptance_due_on",
            "acceptance_status",
            "accepted_on",
            "survey_due_on",
            "survey_status",
            "surveyed_on",
            "notes",
            "progress",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    @clock_field("验收时限状态")
    def get_acceptance_status(self, obj: Delivery) -> str | None:
        return clock_state(obj.acceptance_due_on, obj.accepted_on)

    @clock_field("满意度调查时限状态")
    def get_survey_status(self, obj: Delivery) -> str | None:
        return clock_state(obj.survey_due_on, obj.surveyed_on)


class DeliveryWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False, help_text="交付内容")
    contract = ident(required=False, allow_null=True, help_text="所属合同 ID(须属于该客户)")
    delivered_on = optional_date("交付日期(开始3个工作日的验收时限)")
    accepted_on = optional_date("验收日期(开始7个工作日的满意度调查时限)")
    notes = text(10000, help_text="备注")
    reason = text(1000, write_only=True, help_text="修改原因")


class DeliveryCreateSerializer(DeliveryWriteSerializer):
    customer = ident(help_text="客户 ID")
    title = serializers.CharField(max_length=120, help_text="交付内容")
    reason = None  # type: ignore[assignment]


class DeliverSerializer(serializers.Serializer):
    delivered_on = optional_date("交付日期(默认今天)")


class AcceptSerializer(serializers.Serializer):
    accepted_on = optional_date("验收日期(默认今天,客户签署《验收确认单》之日)")


class ProgressInputSerializer(serializers.Serializer):
    noted_on = optional_date("进度日期(默认今天)")
    content = serializers.CharField(
        max_length=10000, help_text="进度内容,如「本周已完成模块开发,预计下周进入测试阶段」"
    )


# --- surveys ------------------------------------------------------------------------------------


class CorePoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorePoolMember
        fields = ["since", "survey"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    improvement_status = serializers.SerializerMethodField(
        help_text="优化方案时限(调查后15个工作日)的状态;没有改进建议为 null"
    )
    core_pool = serializers.SerializerMethodField(
        help_text="客户当前是否在核心客户池(最近一次调查综合评分≥90):入池日期与依据的调查;"
        "不在池中为 null"
    )

    class Meta:
        model = Survey
        fields = [
            "id",
            "customer",
            "customer_name",
            "delivery",
            "surveyed_on",
            "method",
            "response_speed",
            "deliverable",
            "overall",
            "suggestions",
            "referral_intent",
            "improvement_due_on",
            "improvement_status",
            "improvement_plan",
            "improvement_planned_on",
            "core_pool",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    @clock_field("优化方案时限状态")
    def get_improvement_status(self, obj: Survey) -> str | None:
        return clock_state(obj.improvement_due_on, obj.improvement_planned_on)

    @extend_schema_field(CorePoolSerializer(allow_null=True))
    def get_core_pool(self, obj: Survey) -> dict[str, Any] | None:
        member = getattr(obj.customer, "core_pool", None)  # select_related: no query
        return CorePoolSerializer(member).data if member is not None else None


class SurveyWriteSerializer(serializers.Serializer):
    delivery = ident(required=False, allow_null=True, help_text="所属交付 ID(须已验收)")
    surveyed_on = serializers.DateField(required=False, help_text="调查日期")
    method = serializers.ChoiceField(
        choices=SurveyMethod.choices, allow_blank=True, required=False, help_text="调查方式"
    )
    response_speed = serializers.IntegerField(required=False, help_text="服务响应速度(1-5分)")
    deliverable = serializers.IntegerField(required=False, help_text="交付成果(1-5分)")
    overall = serializers.IntegerField(required=False, help_text="综合满意度(0-100分)")
    suggestions = text(10000, help_text="改进建议(有建议则15个工作日内须反馈优化方案)")
    referral_intent = serializers.ChoiceField(
        choices=ReferralIntent.choices, required=False, help_text="合作或推荐意向"
    )
    reason = text(1000, write_only=True, help_text="修改原因")


class SurveyCreateSerializer(SurveyWriteSerializer):
    customer = ident(help_text="客户 ID")
    surveyed_on = serializers.DateField(help_text="调查日期")
    response_speed = serializers.IntegerField(help_text="服务响应速度(1-5分)")
    deliverable = serializers.IntegerField(help_text="交付成果(1-5分)")
    overall = serializers.IntegerField(help_text="综合满意度(0-100分),≥90 纳入核心客户池")
    referral_intent = serializers.ChoiceField(
        choices=ReferralIntent.choices, help_text="合作或推荐意向"
    )
    method = serializers.ChoiceField(
        choices=SurveyMethod.choices, allow_blank=True, default="", help_text="调查方式"
    )
    reason = None  # type: ignore[assignment]


class ImprovementSerializer(serializers.Serializer):
    plan = serializers.CharField(
        max_length=10000, help_text="优化方案,写明要改什么(如「每月5日前提供运维报告」)"
    )
    planned_on = optional_date("优化方案反馈日期(默认今天)")


# --- feedback -----------------------------------------------------------------------------------


class FeedbackSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    resolved_by_name = serializers.CharField(
        source="resolved_by.__str__", default="", read_only=True, help_text="处理人姓名"
    )
    improvement_status = serializers.SerializerMethodField(
        help_text="优化方案时限(建议类,收到后15个工作日)的状态;其他类型为 null"
    )

    class Meta:
        model = Feedback
        fields = [
            "id",
            "customer",
            "customer_name",
            "kind",
            "category",
            "content",
            "received_on",
            "status",
            "resolution",
            "resolved_on",
            "resolved_by",
            "resolved_by_name",
            "improvement_due_on",
            "improvement_status",
            "improvement_plan",
            "improvement_planned_on",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    @clock_field("优化方案时限状态")
    def get_improvement_status(self, obj: Feedback) -> str | None:
        return clock_state(obj.improvement_due_on, obj.improvement_planned_on)


class FeedbackWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=FeedbackKind.choices, required=False, help_text="反馈类型"
    )
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, required=False, help_text="反馈类别"
    )
    content = serializers.CharField(max_length=10000, required=False, help_text="反馈内容")
    received_on = serializers.DateField(required=False, help_text="反馈日期")
    reason = text(1000, write_only=True, help_text="修改原因")


class FeedbackCreateSerializer(FeedbackWriteSerializer):
    customer = ident(help_text="客户 ID")
    kind = serializers.ChoiceField(
        choices=FeedbackKind.choices, help_text="反馈类型(未解决的投诉会标记客户「投诉」)"
    )
    category = serializers.ChoiceField(choices=FeedbackCategory.choices, help_text="反馈类别")
    content = serializers.CharField(max_length=10000, help_text="反馈内容")
    received_on = serializers.DateField(required=False, help_text="反馈日期(默认今天)")
    reason = None  # type: ignore[assignment]


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        max_length=10000, help_text="处理结果:做了什么(不能只写「已解决」)"
    )
    resolved_on = optional_date("解决日期(默认今天)")


class ReopenSerializer(serializers.Serializer):
    reason = text(1000, help_text="重新打开的原因(必填)")


# --- referrals ----------------------------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    referred_customer_name = serializers.SerializerMethodField(
        help_text="被推荐客户档案的名称(看不到该客户时为“(其他团队的客户)”)"
    )
    can_approve = serializers.SerializerMethodField(
        help_text="当前用户能否审批和发放奖励(推荐客户负责人团队的销售经理,或管理员)"
    )

    def get_referred_customer_name(self, obj: Referral) -> str:
        if obj.referred_id is None:
            return ""
        if getattr(obj, "referred_visible", False):
            return obj.referred.name  # type: ignore[union-attr]
        return HIDDEN_CUSTOMER

    class Meta:
        model = Referral
        fields = [
            "id",
            "customer",
            "customer_name",
            "referred",
            "referred_customer_name",
            "referred_name",
            "referred_on",
            "reward_amount",
            "reward_text",
            "notes",
            "status",
            "can_approve",
            "approved_on",
            "approved_by",
            "paid_on",
            "paid_by",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_can_approve(self, obj: Referral) -> bool:
        request = self.context.get("request")
        user = request_user(request) if request is not None else None
        return services.can_approve(user, obj.customer)


class ReferralWriteSerializer(serializers.Serializer):
    referred = ident(
        required=False, allow_null=True, help_text="被推荐客户 ID(已建档时;审批前必须关联)"
    )
    referred_name = text(200, help_text="被推荐客户名称(未建档时)")
    referred_on = serializers.DateField(required=False, help_text="推荐日期(默认今天)")
    reward_amount = money(required=False, allow_null=True, help_text="奖励金额(元)")
    reward_text = text(200, help_text="奖励说明,如「服务费9折」")
    notes = text(10000, help_text="备注")
    reason = text(1000, write_only=True, help_text="修改原因")


class ReferralCreateSerializer(ReferralWriteSerializer):
    customer = ident(help_text="推荐客户 ID")
    reason = None  # type: ignore[assignment]


class ApproveSerializer(serializers.Serializer):
    reason = text(1000, help_text="审批说明")


class PaySerializer(serializers.Serializer):
    paid_on = optional_date("发放日期(默认今天,不早于审批日期)")
    reason = text(1000, help_text="发放说明")


# --- risks --------------------------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="处理中且已过处理期限")

    class Meta:
        model = Risk
        fields = [
            "id",
            "customer",
            "customer_name",
            "kind",
            "level",
            "description",
            "countermeasure",
            "raised_on",
            "owner",
            "owner_name",
            "due_on",
            "overdue",
            "status",
            "outcome",
            "outcome_note",
            "closed_on",
            "closed_by",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: Risk) -> bool:
        return obj.status == RiskStatus.OPEN and obj.due_on < timezone.localdate()


class RiskWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RiskKind.choices, required=False, help_text="风险类型")
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, help_text="风险等级")
    description = serializers.CharField(max_length=10000, required=False, help_text="风险描述")
    countermeasure = serializers.CharField(max_length=10000, required=False, help_text="应对措施")
    raised_on = serializers.DateField(required=False, help_text="预警日期(默认今天)")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="负责人(默认本人)"
    )
    due_on = serializers.DateField(required=False, help_text="处理期限(不早于今天)")
    reason = text(1000, write_only=True, help_text="修改原因")


class RiskCreateSerializer(RiskWriteSerializer):
    customer = ident(help_text="客户 ID")
    kind = serializers.ChoiceField(choices=RiskKind.choices, help_text="风险类型")
    level = serializers.ChoiceField(
        choices=RiskLevel.choices, help_text="风险等级(未关闭的高风险会标记客户「流失风险」)"
    )
    description = serializers.CharField(max_length=10000, help_text="风险描述")
    countermeasure = serializers.CharField(max_length=10000, help_text="应对措施")
    due_on = serializers.DateField(help_text="处理期限(不早于今天)")
    reason = None  # type: ignore[assignment]


class CloseRiskSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RiskOutcome.choices, help_text="应对结果:有效或无效")
    note = text(10000, help_text="结果说明")
    closed_on = optional_date("关闭日期(默认今天)")


# --- cases --------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    customer_name = serializers.SerializerMethodField(
        help_text="客户名称(看不到该客户时为“(其他团队的客户)”)"
    )
    created_by_name = serializers.CharField(
        source="created_by.__str__", default="", read_only=True, help_text="创建人姓名"
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="标签")

    class Meta:
        model = Case
        fields = [
            "id",
            "customer",
            "customer_name",
            "kind",
            "title",
            "story",
            "lessons",
            "tags",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_customer_name(self, obj: Case) -> str:
        return obj.customer.name if getattr(obj, "customer_seen", False) else HIDDEN_CUSTOMER


def tag_list(**kwargs: Any) -> serializers.ListField:
    child = serializers.CharField(max_length=100, allow_blank=True)
    return serializers.ListField(
        child=child, max_length=100, help_text="标签(最多10个,每个最多20字)", **kwargs
    )


class CaseWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices, required=False, help_text="案例类型")
    title = serializers.CharField(max_length=120, required=False, help_text="案例标题")
    story = serializers.CharField(max_length=20000, required=False, help_text="案例经过")
    lessons = text(20000, help_text="经验总结")
    tags = tag_list(required=False)
    reason = text(1000, write_only=True, help_text="修改原因")


class CaseCreateSerializer(CaseWriteSerializer):
    customer = ident(help_text="客户 ID")
    kind = serializers.ChoiceField(choices=CaseKind.choices, help_text="案例类型")
    title = serializers.CharField(max_length=120, help_text="案例标题")
    story = serializers.CharField(max_length=20000, help_text="案例经过")
    tags = tag_list(default=list)
    reason = None  # type: ignore[assignment]


class WithdrawSerializer(serializers.Serializer):
    reason = text(1000, help_text="撤下原因(必填)")
