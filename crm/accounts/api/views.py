from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from crm.accounts import services
from crm.accounts.models import ApiToken, Team, User
from crm.core.api import api_actor, validated
from crm.core.errors import NotFound, ValidationError

from . import serializers as s


class LoginThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """POST {"username", "password"} → {"token"}; DELETE revokes the token in use."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=s.TokenRequestSerializer, responses={200: s.TokenResponseSerializer}, auth=[]
    )
    def post(self, request: Request) -> Response:
        body = validated(s.TokenRequestSerializer, request.data)
        token, raw = services.issue_token(api_actor(request), request=request._request, **body)
        return Response({"token": raw, "expires_at": token.expires_at})


class TokenRevokeView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise ValidationError("只能注销通过令牌认证的请求所用的令牌")
        services.revoke_token(api_actor(request), request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Colleagues (everyone may list them, to pick owners and collaborators); admins write."""

    serializer_class = s.UserSerializer
    filterset_fields = ["team", "role", "is_active"]
    ordering_fields = ["id", "username"]
    ordering = ["id"]
    queryset = User.objects.none()

    def get_queryset(self) -> QuerySet[User]:
        return User.objects.select_related("team")

    def get_object(self) -> User:
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (User.DoesNotExist, ValueError, OverflowError) as exc:
            raise NotFound() from exc

    def get_serializer_class(self) -> Any:
        if self.action in {"create", "partial_update"}:
            return s.UserWriteSerializer
        return s.UserSerializer

    @extend_schema(responses={200: s.UserSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(s.UserSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=s.UserWriteSerializer, responses={201: s.UserSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.UserWriteSerializer, request.data)
        data.pop("reason", None)
        if "username" not in data or "password" not in data:
            raise ValidationError({"username": "新建用户需要用户名和初始密码"})
        user = services.create_user(api_actor(request), **data)
        return Response(
            s.UserSerializer(user, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.UserWriteSerializer, responses={200: s.UserSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        data = validated(s.UserWriteSerializer, request.data, partial=True)
        if "password" in data:
            raise ValidationError({"password": "请通过修改密码功能设置密码"})
        user = services.update_user(api_actor(request), user, **data)
        return Response(s.UserSerializer(user, context={"request": request}).data)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Teams (部门) and their managers; admins write."""

    serializer_class = s.TeamSerializer
    ordering_fields = ["id", "name"]
    ordering = ["id"]
    queryset = Team.objects.none()

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.select_related("manager")

    def get_object(self) -> Team:
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (Team.DoesNotExist, ValueError, OverflowError) as exc:
            raise NotFound() from exc

    def get_serializer_class(self) -> Any:
        if self.action in {"create", "partial_update"}:
            return s.TeamWriteSerializer
        return s.TeamSerializer

    @extend_schema(request=s.TeamWriteSerializer, responses={201: s.TeamSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.TeamWriteSerializer, request.data)
        if "name" not in data:
            raise ValidationError({"name": "请填写团队名称"})
        team = services.create_team(api_actor(request), **data)
        return Response(s.TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TeamWriteSerializer, responses={200: s.TeamSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        team = services.update_team(
            api_actor(request),
            self.get_object(),
            **validated(s.TeamWriteSerializer, request.data, True),
        )
        return Response(s.TeamSerializer(team).data)
