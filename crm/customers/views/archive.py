from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from crm.accounts import policy
from crm.audit import labels
from crm.audit.api.serializers import mask_changes
from crm.customers.rules import mask_personal

from .. import selectors
from ..models import Customer

# The list's columns: (label, sort key or None). Tags are many per row, so not sortable.
COLUMNS = [
    (_("客户编号"), "number"),
    (_("客户名称"), "name"),
    (_("行业"), "industry"),
    (_("区域"), "region"),
    (_("等级"), "level"),
    (_("阶段"), "stage"),
    (_("状态"), "status"),
    (_("主责人"), "owner"),
    (_("最近联系"), "last_contacted"),
    (_("标签"), None),
]
HIDDEN_ON_PHONES = {"number", "industry", "region", "status", "last_contacted"}
MORE_FILTERS = ("industry", "region", "source", "team", "tag", "collaborator")


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = selectors.customer_list(user, request.GET)  # type: ignore[arg-type]
    keep = request.GET.copy()
    for name in ("after", "before", "sort"):
        keep.pop(name, None)
    headers = []
    for label, key in COLUMNS:
        if key is None:
            headers.append({"label": label, "key": None, "url": "", "aria": "", "hide_sm": True})
            continue
        current = page.sort.lstrip("-") == key
        descending = page.sort.startswith("-")
        target = (f"-{key}" if not descending else key) if current else key
        query = keep.copy()
        query["sort"] = target
        headers.append(
            {
                "label": label,
                "key": key,
                "url": f"?{query.urlencode()}",
                "aria": ("descending" if descending else "ascending") if current else "",
                "hide_sm": key in HIDDEN_ON_PHONES,
            }
        )
    base = keep.copy()
    base["sort"] = page.sort
    more_open = any(request.GET.get(n) for n in MORE_FILTERS) or any(
        k.startswith("cf_") and v for k, v in request.GET.items()
    )
    can_assign = policy.has(user, "customer.transfer")  # type: ignore[arg-type]
    options = selectors.filter_options(user, assignees=can_assign)  # type: ignore[arg-type]
    options["custom_fields"] = [
        {
            "key": d.key,
            "label": d.label,
            "type": d.type,
            "choices": d.choices,
            "value": request.GET.get(f"cf_{d.key}", ""),
        }
        for d in options["custom_fields"]
    ]
    return render(
        request,
        "customers/list.html",
        {
            "page": page,
            "rows": page.rows,
            "filter": page.filterset,
            "headers": headers,
            "query": base.urlencode(),
            "options": options,
            "more_open": more_open,
            "count_cap": selectors.COUNT_CAP,
            "can_tag": policy.has(user, "customer.create"),  # type: ignore[arg-type]
            "can_assign": can_assign,
            "current_url": request.get_full_path(),
        },
    )


@login_required
@require_GET
def customer_count(request: HttpRequest) -> HttpResponse:
    """The list's row count (capped), loaded by the list page once its rows are shown."""
    found = selectors.customer_count(request.user, request.GET)  # type: ignore[arg-type]
    context = {"count": found[0] if found else None, "capped": bool(found and found[1])}
    return render(
        request, "customers/_row_count.html", {**context, "count_cap": selectors.COUNT_CAP}
    )


def timeline_context(user: Any, customer: Customer, before: int | None) -> dict[str, Any]:
    """One page of the timeline; personal values stay masked on the page, as on the contacts card
    (the reveal button shows a contact's current value, and logs it)."""
    events, next_cursor = selectors.timeline_page(customer, before, user)
    names = selectors.custom_field_names() if any("custom" in e.changes for e in events) else {}
    for event in events:
        event.label = labels.action_label(event.action)  # type: ignore[attr-defined]
        shown = mask_changes(event.changes)
        event.rows = labels.describe(event, shown, names)  # type: ignore[attr-defined]
    return {"customer": customer, "events": events, "next_cursor": next_cursor}


def page_context(user: Any, customer: Customer) -> dict[str, Any]:
    """What the customer page and its refreshed fragments show (contacts masked until revealed)."""
    contacts = []
    for contact in customer.contacts.all():
        masked = mask_personal({"mobile": contact.mobile, "email": contact.email})
        contacts.append(
            {
                "obj": contact,
                **masked,
                "has_id_number": bool(contact.id_number_bidx),
                "has_bank_account": bool(contact.bank_account_bidx),
            }
        )
    # no values, no labels to look up (a query saved on most customers' pages)
    definitions = selectors.custom_field_labels() if customer.custom else {}
    custom = [
        (definitions.get(key, key), value)
        for key, value in (customer.custom or {}).items()
        if value not in (None, "") and key in definitions
    ]
    return {
        "customer": customer,
        "contacts": contacts,
        "custom": custom,
        "can_edit": policy.can_edit_customer(user, customer),
        "can_transfer": policy.can_transfer_customer(user, customer),
        "can_collaborate": policy.can_manage_collaborators(user, customer),
    }


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = selectors.customer_detail(user, pk)  # type: ignore[arg-type]
    before = selectors.cursor_param(request.GET, "before")
    timeline = timeline_context(user, customer, before)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "customers/_timeline.html", timeline)
    return render(request, "customers/detail.html", {**timeline, **page_context(user, customer)})
