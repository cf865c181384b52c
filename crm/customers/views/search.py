"""The top bar's type-ahead: customers and contacts the user may see, ten of each at most."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.contacts.filters import ContactFilter
from crm.contacts.models import Contact

from ..models import Customer

LIMIT = 8


@login_required
@require_GET
def typeahead(request: HttpRequest) -> HttpResponse:
    user = request.user
    q = " ".join(request.GET.get("q", "").split())[:60]
    customers: list[Customer] = []
    contacts: list[Contact] = []
    if q:
        customers = list(
            Customer.objects.visible_to(user)  # type: ignore[arg-type]
            .search(q, user=user)  # type: ignore[arg-type]
            .only("id", "name", "number", "stage")
            .order_by("-id")[:LIMIT]
        )
        found = ContactFilter(
            {"q": q},
            queryset=Contact.objects.visible_to(user).select_related("customer"),  # type: ignore[attr-defined]
        )
        found.user = user  # type: ignore[attr-defined]
        contacts = list(
            found.qs.only("id", "name", "title", "customer__id", "customer__name").order_by("-id")[
                :LIMIT
            ]
        )
    return render(
        request,
        "customers/_typeahead.html",
        {"q": q, "customers": customers, "contacts": contacts},
    )
