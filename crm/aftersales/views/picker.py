"""The referred-customer picker of the 转介绍 dialogs: the search box asks `referral_candidates`
for the <option>s of the customers the user may see matching the words (name, short name,
number, contact, phone tail, pinyin: Customer.objects.search, as the top bar's type-ahead), the
referrer itself left out, the one chosen now kept on top."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from crm.accounts.models import User
from crm.customers import services as customer_services
from crm.customers.models import Customer

from .card import _actor, _int, _user

LIMIT = 20  # options a search offers


def picker_url(customer: Customer) -> str:
    return reverse("aftersales:referral_candidates", args=[customer.pk])


def _chosen(user: User, value: Any) -> Customer | None:
    pk = _int(value)
    if pk is None:
        return None
    found = Customer.objects.visible_to(user).filter(pk=pk)
    return found.only("pk", "name", "number").first()


def referred_option(user: User, value: Any) -> list[tuple[int, str]]:
    """The option of the customer chosen now (typed or saved), if the user may see it."""
    chosen = _chosen(user, value)
    return [] if chosen is None else [(chosen.pk, f"{chosen.name} · {chosen.number}")]


@login_required
@require_GET
def referral_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The options for the words `q` (the chosen `referred` kept): editors of the referrer."""
    user = _user(request)
    referrer = customer_services.get_editable(_actor(request), pk)
    q = " ".join(request.GET.get("q", "").split())[:60]
    chosen = _chosen(user, request.GET.get("referred"))
    found: list[Customer] = []
    if q:
        qs = Customer.objects.visible_to(user).search(q, user=user).exclude(pk=referrer.pk)
        found = list(qs.only("pk", "name", "number").order_by("-pk")[: LIMIT + 1])
    context = {
        "q": q,
        "chosen": chosen,
        "found": [c for c in found[:LIMIT] if chosen is None or c.pk != chosen.pk],
        "none": bool(q) and not found,
        "more": len(found) > LIMIT,
        "limit": LIMIT,
    }
    return render(request, "aftersales/_referred_options.html", context)
