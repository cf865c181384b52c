from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from crm.accounts.models import ApiToken, hash_token


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <token>`; tokens are looked up by their SHA-256."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
        if token is None or token.expired:
            raise exceptions.AuthenticationFailed("令牌无效或已过期")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("该用户已停用")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        return super().authenticate(request)  # type: ignore[return-value]
