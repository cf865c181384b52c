from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.accounts.models import User
from crm.customers.choices import Channel
from crm.records.choices import Purpose, RecordKind, Sentiment
from crm.records.models import Record, Task

ACTIVE_USERS = User.objects.filter(is_active=True)


class RecordSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    maintainer_name = serializers.CharField(source="maintainer.__str__", read_only=True)
    contacts = serializers.SerializerMethodField(help_text="联系人 ID")
    contact_names = serializers.SerializerMethodField(help_text="联系人姓名")
    participants = serializers.SerializerMethodField(help_text="参与人 ID")

    class Meta:
        model = Record
        fields = [
            "id",
            "customer",
            "customer_name",
            "kind",
            "occurred_at",
            "channel",
            "maintainer",
            "maintainer_name",
            "contacts",
            "contact_names",
            "participants",
            "purpose",
            "content",
            "feedback",
            "sentiment",
            "next_contact_on",
            "next_channel",
            "next_focus",
            "notes",
            "filed_at",
            "is_late",
            "voided",
            "void_reason",
            "voided_at",
            "created_by",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_contacts(self, obj: Record) -> list[int]:
        return sorted(c.pk for c in obj.contacts.all())

    def get_contact_names(self, obj: Record) -> list[str]:
        return [c.name for c in sorted(obj.contacts.all(), key=lambda c: c.pk)]

    def get_participants(self, obj: Record) -> list[int]:
        return sorted(u.pk for u in obj.participants.all())


class TaskInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, help_text="问题描述")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, help_text="负责人(默认本人)"
    )
    collaborator = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True, help_text="协办人"
    )
    due = serializers.DateField(help_text="完成时限")


class RecordWriteSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField(help_text="维护时间")
    channel = serializers.ChoiceField(choices=Channel.choices, help_text="维护方式")
    maintainer = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, help_text="维护人(默认本人)"
    )
    contacts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=50,
        help_text="本次沟通的联系人 ID(须属于该客户)",
    )
    participants = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, many=True, required=False, help_text="参与人(内部用户)"
    )
    purpose = serializers.ChoiceField(choices=Purpose.choices, help_text="沟通目的")
    content = serializers.CharField(max_length=5000, help_text="沟通核心内容(分点写明要点)")
    feedback = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False, allow_blank=True)
    next_contact_on = serializers.DateField(required=False, allow_null=True)
    next_channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True
    )
    next_focus = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=RecordKind.choices, required=False)
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, write_only=True, help_text="修改原因"
    )


class RecordCreateSerializer(RecordWriteSerializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="客户 ID")
    tasks = TaskInputSerializer(many=True, required=False, help_text="待办事项")
    reason = None  # type: ignore[assignment]

    def validate_tasks(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > 20:
            raise serializers.ValidationError("一张记录卡最多 20 项待办")
        return value


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="作废原因")


class TaskSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    collaborator_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField(help_text="已逾期")

    class Meta:
        model = Task
        fields = [
            "id",
            "customer",
            "customer_name",
            "record",
            "description",
            "owner",
            "owner_name",
            "collaborator",
            "collaborator_name",
            "due",
            "status",
            "overdue",
            "result",
            "cancel_reason",
            "closed_at",
            "closed_by",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_collaborator_name(self, obj: Task) -> str:
        return str(obj.collaborator) if obj.collaborator else ""

    def get_overdue(self, obj: Task) -> bool:
        from django.utils import timezone

        from crm.records.rules import is_overdue

        return is_overdue(obj.status, obj.due, timezone.localdate())


class TaskWriteSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS, required=False)
    collaborator = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )
    due = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class TaskCreateSerializer(TaskInputSerializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="客户 ID")
    record = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, help_text="来源记录卡"
    )


class CompleteSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=2000, help_text="跟进记录:处理结果")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="原因")
