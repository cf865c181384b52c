from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

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


class SlidingSessionMiddleware:
    """Keep an active user's session alive (8 h idle expiry) without a write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST writes the session row on every page view; here the
    session is re-saved, which moves its expiry forward, only when the last refresh is older
    than SESSION_REFRESH_SECONDS. An idle session still ends SESSION_COOKIE_AGE after the last
    refresh, so at most that many seconds early.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and "_auth_user_id" in session:
            now = int(timezone.now().timestamp())
            if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)


@receiver(user_logged_in)
def _mark_refreshed(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SlidingSessionMiddleware.KEY] = int(timezone.now().timestamp())
