"""API base: pagination, error answers, ETag/If-Match concurrency, the request's Actor."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .actor import Actor
from .api_base import CursorPagination, SafeJSONParser
from .errors import Conflict

if TYPE_CHECKING:
    from crm.accounts.models import User

__all__ = ["CursorPagination", "SafeJSONParser"]


def request_user(request: Request) -> User | None:
    """The request's user when authenticated, else None (never AnonymousUser)."""
    user = request.user
    return cast("User", user) if user and user.is_authenticated else None


def validated(
    serializer_class: Any, data: Any, partial: bool = False, **context: Any
) -> dict[str, Any]:
    """Parse a request body with an input serializer; a 400 with field messages if invalid."""
    serializer = serializer_class(data=data, partial=partial, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ReadOnlyOrAdmin(BasePermission):
    """Any signed-in user reads; administrators (settings.manage) write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from crm.accounts import policy

        user = request_user(request)
        if user is None:
            return False
        return request.method in SAFE_METHODS or policy.has(user, "settings.manage")


def api_actor(request: Request) -> Actor:
    return Actor(user=request_user(request), source="api")


def validation_detail(exc: DjangoValidationError) -> dict[str, Any]:
    """Field messages from a Django ValidationError, in DRF's shape."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Conflict):
        body = {"detail": exc.message, "code": exc.code, **exc.details}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到该记录,或您无权查看")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "您没有执行此操作的权限")
    return drf_exception_handler(exc, context)


def etag_for(version: int, pk: int) -> str:
    return f'"{pk}-{version}"'


def versioned_response(
    view: Any, queryset: Any, serializer_class: Any, pk: int, code: int = status.HTTP_200_OK
) -> Response:
    """A written object as the API answers it: its body with a strong ETag, or 204 when the
    write took it out of the actor's scope (`queryset` is the actor's, already restricted)."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    body = serializer_class(obj, context=view.get_serializer_context()).data
    return Response(body, status=code, headers={"ETag": etag_for(obj.version, pk)})


ETAG = re.compile(r'"([0-9]{1,18})-([0-9]{1,9})"')


def expected_version(request: Request, pk: int) -> int:
    """The version named by If-Match (a strong ETag); 428 without one, 412 when stale or bad."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    match = ETAG.fullmatch(header.strip())
    if match is None or match.group(1) != str(pk):
        raise PreconditionFailedError()
    return int(match.group(2))


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "修改前请带上 If-Match 请求头(取自上次读取时的 ETag)"
    default_code = "precondition_required"


class PreconditionFailedError(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match 与当前版本不符,该记录已被他人修改,请重新读取"
    default_code = "stale"
