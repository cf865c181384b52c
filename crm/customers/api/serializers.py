"""Customer API shapes. Input serializers parse types only; services validate and write."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.accounts.models import User
from crm.contacts.choices import DecisionRole
from crm.customers.choices import AddressKind, Kind, Stage
from crm.customers.models import (
    Address,
    Customer,
    CustomFieldDefinition,
    DuplicateClaim,
    Industry,
    NumberRule,
    Region,
    Source,
    StageTransition,
    Tag,
)
from crm.customers.rules import mask_customer_name
from crm.customers.services import EDITABLE_FIELDS


class AddressSerializer(serializers.ModelSerializer):
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), allow_null=True, required=False
    )
    region_name = serializers.SerializerMethodField()

    class Meta:
        model = Address
        fields = ["id", "kind", "label", "region", "region_name", "detail"]
        read_only_fields = ["id"]

    def get_region_name(self, obj: Address) -> str:
        return str(obj.region) if obj.region_id else ""


class CustomerListSerializer(serializers.ModelSerializer):
    industry_name = serializers.CharField(source="industry.name", default="", read_only=True)
    region_name = serializers.SerializerMethodField()
    source_name = serializers.CharField(source="source.name", default="", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    tags: serializers.SlugRelatedField[Tag] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    can_edit = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Customer
        fields = [
            "id",
            "number",
            "name",
            "short_name",
            "kind",
            "uscc",
            "industry",
            "industry_name",
            "level",
            "source",
            "source_name",
            "region",
            "region_name",
            "stage",
            "status",
            "intent",
            "owner",
            "owner_name",
            "tags",
            "last_contacted_at",
            "created_at",
            "updated_at",
            "version",
            "can_edit",
        ]
        read_only_fields = fields

    def get_region_name(self, obj: Customer) -> str:
        return str(obj.region) if obj.region_id else ""


class CustomerSerializer(CustomerListSerializer):
    collaborators: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    addresses = AddressSerializer(many=True, read_only=True)
    created_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta(CustomerListSerializer.Meta):
        fields = [
            *CustomerListSerializer.Meta.fields,
            *[f for f in EDITABLE_FIELDS if f not in CustomerListSerializer.Meta.fields],
            "level_manual",
            "stage_changed_at",
            "churn_reason",
            "cumulative_amount",
            "collaborators",
            "addresses",
            "created_by",
        ]
        read_only_fields = fields


class ContactInputSerializer(serializers.Serializer):
    """Nested contacts on create; the contacts API documents the full shape."""

    name = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=60, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=120, required=False, allow_blank=True)
    decision_role = serializers.ChoiceField(choices=DecisionRole.choices, required=False)


class AddressInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AddressKind.choices)
    # Declared fields are popped off the class by DRF's metaclass, so they never clash with
    # Field.label / Field.source at runtime; the stubs only see the class attribute.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=60, required=False, allow_blank=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    detail = serializers.CharField(max_length=200)


class CustomerWriteSerializer(serializers.ModelSerializer):
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    source = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]  # see label above
        queryset=Source.objects.filter(is_active=True), required=False, allow_null=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=50
    )
    custom = serializers.DictField(required=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        write_only=True,
        help_text="修改原因(记入审计)",
    )

    class Meta:
        model = Customer
        fields = [*EDITABLE_FIELDS, "tags", "reason"]
        validators: list[Any] = []


class CustomerCreateSerializer(CustomerWriteSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="默认为当前用户"
    )
    addresses = AddressInputSerializer(many=True, required=False)
    contacts = ContactInputSerializer(many=True, required=False)

    class Meta(CustomerWriteSerializer.Meta):
        fields = [*EDITABLE_FIELDS, "tags", "owner", "addresses", "contacts"]


class StageChangeSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(max_length=1000)
    churn_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TransferSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    reason = serializers.CharField(max_length=1000)
    keep_as_collaborator = serializers.BooleanField(required=False, default=False)


class CollaboratorSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class DuplicateCheckSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, default=Kind.ENTERPRISE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["name"].strip() and not attrs["uscc"].strip():
            raise serializers.ValidationError("请填写客户名称或统一社会信用代码")
        return attrs


class DuplicateResultSerializer(serializers.Serializer):
    exists = serializers.BooleanField()
    hint = serializers.CharField()
    match = serializers.CharField(allow_null=True)
    existing_id = serializers.IntegerField(allow_null=True)
    claim_token = serializers.CharField(allow_null=True)


class StageTransitionSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", default="", read_only=True)

    class Meta:
        model = StageTransition
        fields = [
            "id",
            "from_stage",
            "to_stage",
            "at",
            "actor",
            "actor_name",
            "reason",
            "churn_reason",
        ]


class ClaimSerializer(serializers.ModelSerializer):
    """A requester who may not see the customer gets its masked name and no id."""

    customer = serializers.SerializerMethodField()
    customer_name = serializers.SerializerMethodField()
    requester_name = serializers.CharField(source="requester.__str__", read_only=True)

    class Meta:
        model = DuplicateClaim
        fields = [
            "id",
            "customer",
            "customer_name",
            "requester",
            "requester_name",
            "note",
            "status",
            "created_at",
            "resolved_by",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields

    def _visible(self, obj: DuplicateClaim) -> bool:
        return bool(getattr(obj, "customer_visible", False))

    def get_customer(self, obj: DuplicateClaim) -> int | None:
        return obj.customer_id if self._visible(obj) else None

    def get_customer_name(self, obj: DuplicateClaim) -> str:
        name = obj.customer.name
        return name if self._visible(obj) else mask_customer_name(name)


class ClaimCreateSerializer(serializers.Serializer):
    claim_token = serializers.CharField(max_length=400)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ClaimResolveSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    resolution = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default=""
    )


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "parent", "name", "short_code"]


class IndustryCodeSerializer(serializers.Serializer):
    short_code = serializers.CharField(max_length=6, allow_blank=True)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "parent", "name", "level", "sales_region"]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "position", "is_active"]
        read_only_fields = ["id"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class CustomFieldSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=100,
        help_text="单选字段的可选值",
    )

    class Meta:
        model = CustomFieldDefinition
        fields = ["id", "key", "label", "type", "choices", "required", "position", "is_active"]
        read_only_fields = ["id"]


class NumberRuleSerializer(serializers.ModelSerializer):
    pattern = serializers.CharField(max_length=60, help_text="例如 CRM-{YYYYMMDD}-{SEQ:3}")
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta:
        model = NumberRule
        fields = ["pattern", "updated_at", "reason"]
        read_only_fields = ["updated_at"]


@extend_schema_field(serializers.DictField())
class TimelineChanges(serializers.JSONField):
    pass
