"""The answer to a locked-out login (django-axes): JSON for the API, a Chinese page otherwise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

MESSAGE = "登录失败次数过多,该账号已被暂时锁定,请 15 分钟后再试或联系管理员"


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MESSAGE, "code": "locked"}, status=429)
    return render(request, "accounts/locked.html", {"message": MESSAGE}, status=429)
