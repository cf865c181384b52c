from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.accounts import policy
from crm.contacts.choices import PERSONAL_FIELDS, SENSITIVE_FIELDS
from crm.contacts.models import Contact
from crm.contacts.services import EDITABLE_FIELDS
from crm.customers.rules import mask_personal, mask_tail


class ContactSerializer(serializers.ModelSerializer):
    """Mobile and email masked unless the viewer may see them; encrypted fields only masked."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    id_number = serializers.SerializerMethodField(help_text="证件号码(打码,查看原文请用 reveal)")
    bank_account = serializers.SerializerMethodField(help_text="银行账户(打码)")
    masked = serializers.SerializerMethodField(help_text="手机、邮箱是否已打码")

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "customer_name",
            *EDITABLE_FIELDS,
            "created_at",
            "updated_at",
            "version",
            "masked",
        ]
        read_only_fields = fields

    def _personal_full(self, obj: Contact) -> bool:
        user = self.context["request"].user
        can_edit = getattr(obj, "can_edit", None)  # annotated by with_permissions()
        if can_edit is not None:
            return bool(can_edit) or user.is_admin or user.grant_personal
        return policy.can_see_personal(user, obj.customer)

    def get_masked(self, obj: Contact) -> bool:
        return not self._personal_full(obj)

    def get_id_number(self, obj: Contact) -> str:
        return mask_tail(obj.id_number) if obj.id_number else ""

    def get_bank_account(self, obj: Contact) -> str:
        return mask_tail(obj.bank_account) if obj.bank_account else ""

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self._personal_full(instance):
            data = mask_personal(data)
        return data


class ContactWriteSerializer(serializers.ModelSerializer):
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=120, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, write_only=True
    )

    class Meta:
        model = Contact
        fields = [*EDITABLE_FIELDS, "reason"]
        validators: list[Any] = []


class ContactCreateSerializer(ContactWriteSerializer):
    customer = serializers.IntegerField(min_value=1, help_text="客户 ID")

    class Meta(ContactWriteSerializer.Meta):
        fields = ["customer", *EDITABLE_FIELDS]


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=[*SENSITIVE_FIELDS.items(), *PERSONAL_FIELDS.items()],
        help_text="证件号码、银行账户需敏感信息授权;手机、邮箱需完整联系方式权限",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()
