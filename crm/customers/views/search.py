"""The top bar's type-ahead: customers and contacts the user may see, ten of each at most.

Contacts are found by name, pinyin and phone (within the search index's candidate
customers); a title matches only among those.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.contacts.filters import ContactFilter
from crm.contacts.models import Contact

from .. import search_index
from ..models import Customer
from ..querysets import among_candidates, contact_phone_match

LIMIT = 10


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
        contacts_qs = Contact.objects.visible_to(user).select_related("customer")  # type: ignore[attr-defined]
        # the contacts of the search index's candidate customers (their names, pinyin and
        # phones are indexed with the customer): no scan of every contact for two characters
        # or more; one character scans, as the customer search does
        compact = "".join(q.split())
        phone = contact_phone_match(compact, user) is not None  # type: ignore[arg-type]
        candidates = search_index.candidates(compact, phone=phone)
        if candidates is not None:
            contacts_qs = among_candidates(contacts_qs, "customer_id", candidates)
        found = ContactFilter({"q": q}, queryset=contacts_qs)
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
