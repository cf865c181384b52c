"""Small dialogs on the customer page (stage, owner, collaborators, reveal) and bulk actions."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def stage(request: HttpRequest, pk: int) -> HttpResponse:  # being written
    raise Http404


transfer = collaborators = stage


def reveal(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:  # being written
    raise Http404


def bulk(request: HttpRequest) -> HttpResponse:  # being written
    raise Http404
