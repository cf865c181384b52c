"""The floors: what the same server answers at its cheapest, measured in the same run.

Mounted at /bench/ only when CRM_BENCH=1 (crm.bench.urls). `row` and `page` read without the
row scope, so they must never be reachable on a real installation; they need a signed-in user
(the session and user lookups every real page pays for too).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from crm.customers.models import Customer

PAGE_ROWS = 50
COLUMNS = ("id", "number", "name", "short_name", "level", "stage", "status", "owner_id")


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """A bare Django view: the middleware stack and a fixed body, no database."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
@require_GET
def row(request: HttpRequest) -> JsonResponse:
    """One customer by primary key (an indexed lookup) as JSON."""
    pk = int(request.GET.get("id", "0") or 0)
    found = Customer.objects.filter(pk=pk).values(*COLUMNS).first()
    return JsonResponse({"row": found}, status=200 if found else 404)


@login_required
@require_GET
def page(request: HttpRequest) -> JsonResponse:
    """A raw 50-row page of the customers table, newest first (the primary key's order)."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY id DESC LIMIT %s", [PAGE_ROWS])  # noqa: S608 - fixed names
        rows = [dict(zip(COLUMNS, values, strict=True)) for values in cursor.fetchall()]
    return JsonResponse({"rows": rows})
