from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.contacts.choices import DecisionRole
from crm.customers.choices import Intent
from crm.needs import rules
from crm.needs.choices import Priority
from crm.needs.models import DecisionMember, DemandChange, NeedsAnalysis


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, **kwargs)


def _points(help_text: str) -> serializers.ListField:
    child = serializers.CharField(max_length=200)
    return serializers.ListField(child=child, max_length=20, required=False, help_text=help_text)


class MemberSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)

    class Meta:
        model = DecisionMember
        fields = ["contact", "contact_name", "role", "concerns"]
        read_only_fields = fields


class AnalysisSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    chain = MemberSerializer(many=True, read_only=True, help_text="决策链")
    budget_label = serializers.SerializerMethodField(help_text="预算范围,如 30万-50万")

    class Meta:
        model = NeedsAnalysis
        fields = [
            "id",
            "customer",
            "customer_name",
            "record",
            "interviewed_at",
            "pain_points",
            "explicit_needs",
            "latent_needs",
            "chain",
            "budget_min",
            "budget_max",
            "budget_negotiable",
            "budget_note",
            "budget_label",
            "intent",
            "filed_at",
            "is_late",
            "created_by",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_budget_label(self, obj: NeedsAnalysis) -> str:
        return rules.budget_label(obj.budget_min, obj.budget_max, obj.budget_negotiable)


class MemberInputSerializer(serializers.Serializer):
    contact = _id(help_text="联系人 ID(须属于该客户)")
    role = serializers.ChoiceField(choices=DecisionRole.choices, help_text="决策链角色")
    concerns = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AnalysisWriteSerializer(serializers.Serializer):
    interviewed_at = serializers.DateTimeField(required=False, help_text="访谈时间")
    pain_points = _points("核心痛点,按优先级")
    explicit_needs = _points("明确需求")
    latent_needs = _points("潜在需求")
    budget_min = serializers.DecimalField(16, 2, required=False, allow_null=True)
    budget_max = serializers.DecimalField(16, 2, required=False, allow_null=True)
    budget_negotiable = serializers.BooleanField(required=False)
    budget_note = serializers.CharField(max_length=100, required=False, allow_blank=True)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    chain = MemberInputSerializer(many=True, required=False, max_length=30)  # type: ignore[call-arg]
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class AnalysisCreateSerializer(AnalysisWriteSerializer):
    customer = _id(help_text="客户 ID")
    record = _id(required=False, allow_null=True, help_text="访谈的维护记录卡")
    reason = None  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("interviewed_at") and not attrs.get("record"):
            raise serializers.ValidationError({"interviewed_at": "请填写访谈时间或关联访谈记录卡"})
        return attrs


class ChangeSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = DemandChange
        fields = [
            "id",
            "customer",
            "customer_name",
            "record",
            "original_need",
            "current_need",
            "trigger",
            "priority",
            "changed_on",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class ChangeWriteSerializer(serializers.Serializer):
    original_need = serializers.CharField(max_length=300, required=False)
    current_need = serializers.CharField(max_length=300, required=False)
    trigger = serializers.CharField(max_length=200, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    changed_on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ChangeCreateSerializer(ChangeWriteSerializer):
    customer = _id(help_text="客户 ID")
    record = _id(required=False, allow_null=True, help_text="发现变化的维护记录卡")
    original_need = serializers.CharField(max_length=300)
    current_need = serializers.CharField(max_length=300)
    reason = None  # type: ignore[assignment]
