from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.customers.rules import PERSONAL_MASKS, mask_personal


def mask_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Before/after values of personal fields, masked for viewers without the full view."""
    masked = dict(changes)
    for field in PERSONAL_MASKS:
        change = masked.get(field)
        if isinstance(change, dict):
            masked[field] = {
                side: mask_personal({field: value})[field] for side, value in change.items()
            }
    return masked


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
        ]
        read_only_fields = fields

    def to_representation(self, instance: AuditEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("personal_full", False):
            data["changes"] = mask_changes(data["changes"])
        return data


class SensitiveAccessSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True)
    # the name at reveal time: the contact may since have been deleted (the log outlives it)
    contact_name = serializers.CharField(source="contact_label", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = SensitiveAccess
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "source",
            "contact",
            "contact_name",
            "customer",
            "customer_name",
            "field",
            "reason",
        ]
        read_only_fields = fields
