"""Import pages: upload → mapping → preview → run → result (thin adapters over
crm.transfer.importer)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "transfer/imports.html", {})
