"""The pipeline in the web app (placeholder until the board lands)."""

from django.http import HttpRequest, HttpResponse


def board(request: HttpRequest) -> HttpResponse:
    return HttpResponse()
