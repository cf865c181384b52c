"""客户概览: the user's scope at a glance, each bar or slice a link to the filtered list."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..overview import CACHE_SECONDS
from ..overview import cached_overview as summarise


def _series(rows: list[tuple[str, str, int]], param: str) -> dict[str, Any]:
    base = reverse("customers:list")
    return {
        "labels": [label for _v, label, _n in rows],
        "values": [n for _v, _label, n in rows],
        "links": [f"{base}?{urlencode({param: value})}" for value, _label, _n in rows],
    }


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    data = summarise(request.user)  # type: ignore[arg-type]
    base = reverse("customers:list")
    charts = {
        "stage": {**_series(data["stages"], "stage"), "title": _("合作阶段")},
        "level": {**_series(data["levels"], "level"), "title": _("客户等级")},
        "industry": {**_series(data["industries"], "industry"), "title": _("行业(门类)前十")},
        "months": {
            "labels": [m for m, _n in data["months"]],
            "values": [n for _m, n in data["months"]],
            "links": [],
            "title": _("近 12 个月新建客户"),
        },
    }
    for chart in charts.values():
        links = chart["links"] or [""] * len(chart["labels"])
        chart["rows"] = list(zip(chart["labels"], chart["values"], links, strict=True))
    flags = [
        {"label": label, "count": n, "url": f"{base}?{urlencode({flag: 'true'})}"}
        for flag, label, n in data["flags"]
    ]
    context = {
        "data": data,
        "charts": charts,
        "flags": flags,
        "list_url": base,
        "cache_minutes": CACHE_SECONDS // 60,
    }
    return render(request, "customers/overview.html", context)
