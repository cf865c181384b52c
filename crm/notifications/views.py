"""消息提醒 pages: the inbox, opening a notification (marks it read, goes to its customer)
and marking all read. Thin adapters over crm.notifications.selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts.models import User
from crm.core.errors import NotFound

from . import selectors, services


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread_only = request.GET.get("unread") == "1"
    rows, more = selectors.page(user, _before(request), unread_only=unread_only)
    context: dict[str, Any] = {
        "rows": rows,
        "more": more,
        "unread_only": unread_only,
        "email_enabled": services.email_enabled(),
        "has_email": bool(user.email),
    }
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go to what it is about."""
    found = selectors.inbox(_user(request)).filter(pk=pk).values("customer_id").first()
    if found is None:
        raise NotFound()
    services.mark_read(_user(request), [pk])
    return redirect(reverse("customers:detail", args=[found["customer_id"]]))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(_user(request))
    if count:
        messages.success(request, _("已将 %(n)d 条提醒标为已读") % {"n": count})
    return redirect("notifications:inbox")


def badge(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the top bar's unread count, "99+" beyond BADGE_CAP. No query: the
    count is kept on the user row (crm.notifications.services.recount)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    count = user.unread_notifications
    shown = f"{selectors.BADGE_CAP}+" if count > selectors.BADGE_CAP else str(count)
    return {"unread_notifications": shown if count else ""}
