"""The calendar feed 日历订阅: the secret ICS address (no session: the token is the key) and
the page where a user makes, resets or revokes it. Thin adapters over crm.discipline.feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import NotFound
from crm.customers import services as customer_services

from . import feed, services, sla
from .models import CalendarFeed

JUST_MADE = "calendar_feed_token"


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = services.calendar_feed_user(token)
    if user is None:
        raise NotFound(_("日历订阅地址无效或已停用"))
    response = HttpResponse(feed.render(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="crm.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    actor = Actor(user, "web")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reset":
            # shown once, on the page the redirect lands on (a reload does not make another)
            request.session[JUST_MADE] = services.reset_calendar_feed(actor)
            messages.success(request, _("已生成新的订阅地址,旧地址(如有)已停用"))
        elif action == "revoke" and services.revoke_calendar_feed(actor):
            messages.success(request, _("已停用日历订阅,原地址不再可用"))
        return redirect("discipline:calendar")
    token = request.session.pop(JUST_MADE, "")
    address = ""
    if token:
        address = request.build_absolute_uri(reverse("discipline:calendar_feed", args=[token]))
    current = CalendarFeed.objects.filter(user=user).first()
    context = {
        "feed": current,
        "address": address,
        "webcal": address.replace("https://", "webcal://").replace("http://", "webcal://"),
    }
    return render(request, "discipline/calendar.html", context)


@login_required
@require_GET
def customer_clocks(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer page's 服务时限 card: the customer's SLA clocks, soonest due first."""
    user: User = request.user  # type: ignore[assignment]
    customer = customer_services.get_visible(Actor(user, "web"), pk)  # hidden: 404
    clocks = sla.customer_clocks(user, customer, timezone.localdate())
    context = {"customer": customer, "clocks": clocks, "breaches": sla.count_breaches(clocks)}
    return render(request, "discipline/_sla_card.html", context)
