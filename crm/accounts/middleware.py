from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import User

EXEMPT_PREFIXES = ("/setup/", "/static/", "/api/", "/i18n/")


class FirstAdminMiddleware:
    """On an empty database every page leads to the first-administrator set-up page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.has_users = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.has_users and not request.path.startswith(EXEMPT_PREFIXES):
            self.has_users = User.objects.exists()
            if not self.has_users:
                return redirect("accounts:setup")
        return self.get_response(request)
