"""Errors services raise; every adapter (web, API, CLI) turns them into its own answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

__all__ = ["Conflict", "Duplicate", "NotFound", "PermissionDenied", "ValidationError"]


class NotFound(Http404):
    """The object does not exist, or the actor may not see it: one answer for both."""

    def __init__(self, message: str = "未找到该记录,或您无权查看") -> None:
        super().__init__(message)
        self.message = message


class Conflict(Exception):
    """The write lost a race or contradicts the current state (stale version, duplicate)."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Duplicate(Conflict):
    """A customer with the same USCC or normalised name exists. Carries only a masked hint."""

    code = "duplicate"


class PreconditionFailed(Conflict):
    """The client's version (If-Match) is stale."""

    status_code = 412
    code = "stale"
