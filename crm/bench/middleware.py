"""Server-side timing for the benchmark: active only when CRM_BENCH=1 is set for the server.

Every response gets `Server-Timing: app;dur=<ms>` (the whole middleware stack and the view,
template rendering included) and `X-Bench-Queries: <n>`, the SQL statements the request ran
on the default connection (counted with connection.execute_wrapper, so nothing is stored).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpRequest, HttpResponse

from . import enabled

TIMING_HEADER = "Server-Timing"
QUERIES_HEADER = "X-Bench-Queries"


class QueryCounter:
    """An execute wrapper that counts statements (executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class BenchTimingMiddleware:
    """Outermost middleware: times the request and counts its queries (CRM_BENCH=1 only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not enabled():
            raise MiddlewareNotUsed("CRM_BENCH is not set")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        elapsed = (time.perf_counter() - start) * 1000
        response.headers[TIMING_HEADER] = f"app;dur={elapsed:.2f}"
        response.headers[QUERIES_HEADER] = str(counter.count)
        return response
