from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.accounts import policy
from crm.audit import labels
from crm.audit.api.serializers import mask_changes
from crm.customers.rules import mask_personal

from .. import selectors


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    rows, next_cursor, filterset = selectors.customer_list(request.user, request.GET)  # type: ignore[arg-type]
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "customers/list.html",
        {
            "rows": rows,
            "next_cursor": next_cursor,
            "filter": filterset,
            "query": query.urlencode(),
        },
    )


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = selectors.customer_detail(user, pk)  # type: ignore[arg-type]
    before = selectors.cursor_param(request.GET, "before")
    events, next_cursor = selectors.timeline_page(customer, before)
    full = policy.can_see_personal(user, customer)  # type: ignore[arg-type]
    contacts = []
    for contact in customer.contacts.all():
        personal = {"mobile": contact.mobile, "email": contact.email}
        contacts.append({"obj": contact, **(personal if full else mask_personal(personal))})
    for event in events:
        event.label = labels.action_label(event.action)  # type: ignore[attr-defined]
        shown = event.changes if full else mask_changes(event.changes)
        event.rows = labels.describe(event, shown)  # type: ignore[attr-defined]
    template = "customers/_timeline.html" if request.htmx else "customers/detail.html"  # type: ignore[attr-defined]
    context = {
        "customer": customer,
        "contacts": contacts,
        "events": events,
        "next_cursor": next_cursor,
    }
    return render(request, template, context)
