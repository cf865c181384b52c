"""Walk a whole table in bounded memory: keyset pages in primary-key order (no OFFSET)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet


def keyset_chunks(
    queryset: QuerySet[Any], size: int, fields: tuple[str, ...] = ()
) -> Iterator[list[dict[str, Any]]]:
    """Rows of `queryset` as dicts of "pk" and `fields`, `size` at a time, by primary key."""
    last = 0
    while True:
        page = queryset.filter(pk__gt=last).order_by("pk").values("pk", *fields)[:size]
        rows = list(page)
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]
