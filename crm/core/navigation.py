"""The side navigation: each capability registers its entries; the layout shows what a user may use.

Later features add their pages with `register(NavItem(...))` in their AppConfig.ready(), so the
layout template never changes when a capability arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from crm.accounts import policy


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # a lazily translated string
    url_name: str
    capability: str | None = None  # policy capability needed to see the entry
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.key] = item


def items_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    shown = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if item.capability and not policy.has(user, item.capability):  # type: ignore[arg-type]
            continue
        url = reverse(item.url_name)
        shown.append({"key": item.key, "label": item.label, "url": url, "active": False})
    # the longest matching prefix is the active entry (so /customers/new/ is not "客户列表")
    matching = [e for e in shown if path.startswith(e["url"])]
    best = max(matching, key=lambda e: len(e["url"]), default=None)
    if best is not None:
        best["active"] = True
    return shown


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the side navigation entries for this request."""
    return {"nav_items": items_for(request)}
