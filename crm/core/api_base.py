"""The API classes REST framework's settings name (parser, pagination): a module that does not
import rest_framework.views, whose class body reads these settings (no import cycle)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, pagination, parsers


class SafeJSONParser(parsers.JSONParser):
    """JSON bodies nested too deeply answer 400, not a RecursionError 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON 嵌套层级过深") from exc


class CursorPagination(pagination.CursorPagination):
    """Keyset paging: stable under inserts, no COUNT, no OFFSET scans."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"
