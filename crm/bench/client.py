"""A small closed-loop HTTP client: one keep-alive connection, cookies or an API token.

Standard library only (http.client); every request is timed on the client and carries the
server's own time and query count back (crm.bench.middleware headers).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from .middleware import QUERIES_HEADER, TIMING_HEADER

TIMEOUT = 120.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SERVER_DUR = re.compile(r"app;dur=([0-9.]+)")
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    client_ms: float
    server_ms: float | None
    queries: int | None

    def json(self) -> Any:
        return json.loads(self.body)


class RequestCounter:
    """Counts every request the bench sends; runs a callback once when a count is reached."""

    def __init__(self) -> None:
        self.total = 0
        self._lock = threading.Lock()
        self._hooks: list[tuple[int, Callable[[int], None]]] = []

    def at(self, count: int, callback: Callable[[int], None]) -> None:
        with self._lock:
            self._hooks.append((count, callback))

    def add(self) -> None:
        with self._lock:
            self.total += 1
            due = [hook for hook in self._hooks if hook[0] <= self.total]
            self._hooks = [hook for hook in self._hooks if hook[0] > self.total]
        for _, callback in due:
            callback(self.total)


@dataclass
class Http:
    """A browser tab (session cookies) and an API client (token) on one connection."""

    port: int
    counter: RequestCounter
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""
    username: str = ""
    _conn: http.client.HTTPConnection | None = None

    def clone(self) -> Http:
        """The same signed-in user on a connection of its own (another client thread)."""
        return Http(self.port, self.counter, dict(self.cookies), self.token, self.username)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def request(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> Reply:
        sent = self._headers(path, headers or {})
        data: bytes | None = None
        if isinstance(body, bytes | str):
            data = body.encode() if isinstance(body, str) else body
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            sent.setdefault("Content-Type", "application/json")
        self.counter.add()
        start = time.perf_counter()
        response, payload = self._send(method, path, data, sent)
        client_ms = (time.perf_counter() - start) * 1000
        self._keep_cookies(response)
        return _reply(response, payload, client_ms)

    def _headers(self, path: str, extra: dict[str, str]) -> dict[str, str]:
        headers = {"Accept-Language": "zh-hans", **extra}
        if path.startswith("/api/") and self.token:
            headers["Authorization"] = f"Token {self.token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _send(
        self, method: str, path: str, data: bytes | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Send on the kept connection; one retry on a fresh one if the server closed it idle."""
        for attempt in (1, 2):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            try:
                self._conn.request(method, path, body=data, headers=headers)
                response = self._conn.getresponse()
                payload = response.read()
            except STALE:
                self.close()
                if not reused or attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response, payload
        raise AssertionError("unreachable")

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    # --- signing in ------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> None:
        """The login form (session cookie) and an API token for the same user."""
        form = self.get("/login/")
        match = CSRF_INPUT.search(form.body.decode("utf-8", "replace"))
        if form.status != 200 or match is None:
            raise RuntimeError(f"登录页打不开: {form.status}")
        fields = {"username": username, "password": password, "csrfmiddlewaretoken": match[1]}
        done = self.request(
            "POST",
            "/login/",
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if done.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"用户 {username} 登录失败: HTTP {done.status}")
        issued = self.request(
            "POST", "/api/v1/auth/token/", body={"username": username, "password": password}
        )
        if issued.status != 200:
            raise RuntimeError(f"用户 {username} 取 API 令牌失败: HTTP {issued.status}")
        self.token = issued.json()["token"]
        self.username = username


def _reply(response: http.client.HTTPResponse, payload: bytes, client_ms: float) -> Reply:
    headers = {k.lower(): v for k, v in response.getheaders()}
    timing = SERVER_DUR.search(headers.get(TIMING_HEADER.lower(), ""))
    queries = headers.get(QUERIES_HEADER.lower())
    return Reply(
        status=response.status,
        headers=headers,
        body=payload,
        client_ms=client_ms,
        server_ms=float(timing[1]) if timing else None,
        queries=int(queries) if queries and queries.isdigit() else None,
    )
