from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.accounts.choices import Role
from crm.accounts.models import Team, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class UserSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", default="", read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "full_name",
            "email",
            "mobile",
            "role",
            "team",
            "team_name",
            "is_active",
            "grant_sensitive",
            "grant_personal",
            "last_login",
        ]
        read_only_fields = fields

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        viewer = self.context["request"].user
        if not (viewer.is_admin or viewer.pk == instance.pk):
            for private in ("email", "mobile", "grant_sensitive", "grant_personal", "last_login"):
                data.pop(private)
        return data


class UserWriteSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150, required=False)
    password = serializers.CharField(max_length=256, required=False, write_only=True)
    full_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    is_active = serializers.BooleanField(required=False)
    grant_sensitive = serializers.BooleanField(required=False)
    grant_personal = serializers.BooleanField(required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class TeamSerializer(serializers.ModelSerializer):
    manager_name = serializers.CharField(source="manager.__str__", default="", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "manager", "manager_name", "created_at"]
        read_only_fields = fields


class TeamWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
