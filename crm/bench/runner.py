"""Measuring: sequential probes (each request followed by one floor request, so an operation
and its floor see the same noise), the 16-client mixed load, worker memory, query budgets."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .client import Http, Reply
from .probes import (
    FLOORS,
    MEMORY_TARGET,
    MIXED_TARGET,
    QUERY_BUDGET,
    Call,
    MixedMenu,
    Probe,
)
from .server import Server, memory_kib
from .subjects import ROLES, Subjects

CLIENTS = 16
MEMORY_TIME_CAP = 1800.0  # seconds: the memory run stops here even short of its count
ERROR_SAMPLES = 5


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 2)

    return {
        "p50": r(percentile(values, 50)),
        "p95": r(percentile(values, 95)),
        "max": r(max(values) if values else None),
    }


@dataclass
class Samples:
    client: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    bad: int = 0  # requests answered with a status their call did not expect, or not at all

    def add(self, reply: Reply, expect: tuple[int, ...], what: str = "") -> None:
        self.statuses[reply.status] += 1
        self.client.append(reply.client_ms)
        if reply.server_ms is not None:
            self.server.append(reply.server_ms)
        if reply.queries is not None:
            self.queries.append(reply.queries)
        if reply.status not in expect:
            self.bad += 1
            if len(self.errors) < ERROR_SAMPLES:
                self.errors.append(f"{what} → {reply.status}: {reply.body[:160]!r}")

    def failed(self, what: str, exc: BaseException) -> None:
        self.statuses[0] += 1
        self.bad += 1
        if len(self.errors) < ERROR_SAMPLES:
            self.errors.append(f"{what} → {type(exc).__name__}: {exc}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": sum(self.statuses.values()),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.bad,
            "error_samples": self.errors,
            "server_ms": summary(self.server),
            "client_ms": summary(self.client),
            "queries": {
                "min": min(self.queries) if self.queries else None,
                "max": max(self.queries) if self.queries else None,
            },
        }


def send(http: Http, call: Call) -> Reply:
    return http.request(call.method, call.path, body=call.body, headers=call.headers)


def floor_call(name: str, s: Subjects) -> Call:
    path = FLOORS[name]
    return Call("GET", f"{path}?id={s.rich.pk}" if name == "row" else path)


def measure(
    probe: Probe, http: Http, floor: Call | None, warmup: int, requests: int
) -> tuple[Samples, Samples]:
    """Warm-up, then `requests` sequential requests, each followed by its floor request."""
    own, base = Samples(), Samples()
    for i in range(warmup + requests):
        call = probe.calls(i)
        try:
            reply = send(http, call)
        except OSError as exc:
            if i >= warmup:
                own.failed(call.path, exc)
            continue
        if probe.after is not None:
            probe.after(reply)
        floor_reply = send(http, floor) if floor is not None else None
        if i < warmup:
            continue
        own.add(reply, probe.expect, f"{call.method} {call.path}")
        if floor_reply is not None:
            base.add(floor_reply, (200,), floor.path if floor else "")
    return own, base


def probe_line(probe: Probe, http: Http, own: Samples, base: Samples) -> dict[str, Any]:
    line: dict[str, Any] = {
        "op": probe.op,
        "key": probe.key,
        "label": probe.label,
        "role": probe.role,
        "user": http.username,
        "method": probe.calls(0).method,
        "path": probe.calls(0).path,
        "expect": list(probe.expect),
        **own.as_dict(),
    }
    server_p95 = line["server_ms"]["p95"]
    if probe.floor is not None:
        floor_p95 = base.as_dict()["server_ms"]["p95"]
        line["floor"] = {
            "name": probe.floor,
            "server_p95": floor_p95,
            "client_p95": base.as_dict()["client_ms"]["p95"],
            "errors": base.bad,
        }
        line["ratio"] = round(server_p95 / floor_p95, 2) if server_p95 and floor_p95 else None
    ok = line["errors"] == 0
    if probe.target_ms is not None:
        line["target"] = {"server_p95_ms": probe.target_ms}
        ok = ok and server_p95 is not None and server_p95 <= probe.target_ms
    if probe.budget is not None:
        budget = QUERY_BUDGET[probe.budget]
        line["target"] = {"queries_max": budget}
        ok = ok and line["queries"]["max"] is not None and line["queries"]["max"] <= budget
    line["pass"] = ok
    return line


def constant(call: Call) -> Callable[[int], Call]:
    return lambda i: call


def floor_lines(sessions: dict[str, Http], s: Subjects, warmup: int, requests: int) -> list[dict]:
    """The three floors by themselves (operation 0), as the sales user."""
    lines = []
    http = sessions["sales"]
    for name in FLOORS:
        probe = Probe(0, f"floor.{name}", f"基线 {name}", "sales", constant(floor_call(name, s)))
        own, base = measure(probe, http, None, warmup, requests)
        lines.append(probe_line(probe, http, own, base))
    return lines


# --- mixed load ---------------------------------------------------------------------------


@dataclass
class Mixed:
    samples: Samples = field(default_factory=Samples)
    kinds: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def mixed_load(
    sessions: dict[str, Http],
    s: Subjects,
    run_id: str,
    *,
    seconds: float,
    until_total: int | None = None,
) -> tuple[Mixed, float]:
    """CLIENTS closed-loop clients (the roles in turn) until the time is up, or, with
    `until_total`, until the bench has sent that many requests in all."""
    result = Mixed()
    deadline = time.monotonic() + seconds
    counter = sessions["sales"].counter

    def client(n: int) -> None:
        role = ROLES[n % len(ROLES)]
        reader = sessions[role].clone()
        writer = (sessions["sales"] if role == "service" else sessions[role]).clone()
        menu = MixedMenu(s, role, run_id, random.Random(f"{run_id}:{n}"))
        while time.monotonic() < deadline:
            if until_total is not None and counter.total >= until_total:
                break
            kind, call, expect = menu.pick()
            http = writer if kind == "write" else reader
            try:
                reply = send(http, call)
            except OSError as exc:
                with result.lock:
                    result.samples.failed(f"{call.method} {call.path}", exc)
                continue
            if kind == "write":
                menu.state.keep(reply)
            with result.lock:
                result.kinds[kind] += 1
                result.samples.add(reply, expect, f"{call.method} {call.path}")
        reader.close()
        writer.close()

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result, time.monotonic() - start


def mixed_line(result: Mixed, elapsed: float) -> dict[str, Any]:
    body = result.samples.as_dict()
    rps = body["requests"] / elapsed if elapsed else 0.0
    p95 = body["client_ms"]["p95"]
    ok = body["errors"] == 0 and rps >= MIXED_TARGET["rps"] and p95 is not None
    ok = ok and p95 <= MIXED_TARGET["p95_ms"]
    return {
        "op": 8,
        "key": "mixed",
        "label": f"混合负载 {CLIENTS} 个闭环客户端(60 % 列表/搜索、25 % 详情、10 % 写、5 % 待办)",
        "role": "all",
        **body,
        "seconds": round(elapsed, 2),
        "throughput_rps": round(rps, 1),
        "mix": dict(result.kinds),
        "target": {"rps_min": MIXED_TARGET["rps"], "client_p95_ms": MIXED_TARGET["p95_ms"]},
        "pass": ok,
    }


# --- memory -------------------------------------------------------------------------------


@dataclass
class MemoryProbe:
    server: Server
    baseline_at: int
    baseline: dict[int, dict[str, int]] = field(default_factory=dict)  # pid -> KiB by field
    baseline_total: int = 0

    def sample(self) -> dict[int, dict[str, int]]:
        return {pid: kib for pid in self.server.workers() if (kib := memory_kib(pid)) is not None}

    def take_baseline(self, total: int) -> None:
        self.baseline = self.sample()
        self.baseline_total = total

    def line(self, total: int, target_total: int) -> dict[str, Any]:
        end = self.sample()
        workers = [_worker(pid, self.baseline.get(pid), now) for pid, now in sorted(end.items())]
        same = set(end) == set(self.baseline) and bool(end)
        ok = (
            same
            and total >= target_total
            and all(
                w["rss_mib_end"] <= MEMORY_TARGET["rss_mib"]
                and w["growth_pct"] is not None
                and w["growth_pct"] < MEMORY_TARGET["growth_pct"]
                for w in workers
            )
        )
        return {
            "op": 9,
            "key": "memory",
            "label": f"工作进程内存(第 {self.baseline_total} 个请求 → 第 {total} 个)",
            "role": "all",
            "requests": total,
            "requests_target": target_total,
            "baseline_at": self.baseline_total,
            "workers": workers,
            "same_workers": same,
            "errors": 0,
            "target": {
                "rss_mib_max": MEMORY_TARGET["rss_mib"],
                "growth_pct_below": MEMORY_TARGET["growth_pct"],
            },
            "pass": ok,
        }


def _mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def _worker(pid: int, before: dict[str, int] | None, now: dict[str, int]) -> dict[str, Any]:
    """One worker's VmRSS (judged) with its anonymous and file-backed parts, then and now."""
    base = (before or {}).get("VmRSS")
    growth = round((now["VmRSS"] - base) / base * 100, 2) if base else None
    return {
        "pid": pid,
        "rss_mib_baseline": _mib(base),
        "rss_mib_end": _mib(now["VmRSS"]),
        "growth_pct": growth,
        "anon_mib": [_mib((before or {}).get("RssAnon")), _mib(now.get("RssAnon"))],
        "file_mib": [_mib((before or {}).get("RssFile")), _mib(now.get("RssFile"))],
    }


# --- query budgets (operation 10) ---------------------------------------------------------


def size_independence(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The list's query count may not depend on its page size (API, 20 vs 50 rows). The
    detail page's counts for a plain and a rich customer are shown beside each other, without
    a verdict: prefetches that run only when a relation has rows (addresses → regions,
    contracts → orders) differ by content, not by the number of rows."""

    def counts(key: str, role: str) -> int | None:
        found = [ln for ln in lines if ln["key"] == key and ln["role"] == role]
        return found[0]["queries"]["max"] if found else None

    pairs = [
        ("list.api.size20", "list.api.size50", "API 列表 20 行 vs 50 行", True),
        ("detail.html.plain", "detail.html.rich", "360 页 1 个联系人 vs 最多联系人", False),
        ("detail.api.plain", "detail.api.rich", "API 详情 1 个联系人 vs 最多联系人", False),
    ]
    out = []
    for role in ("sales", "admin"):
        for small, big, label, judged in pairs:
            a, b = counts(small, role), counts(big, role)
            if a is None or b is None:
                continue
            line: dict[str, Any] = {
                "op": 10,
                "key": f"{small}~{big}",
                "label": f"查询数与大小:{label}",
                "role": role,
                "queries": {"small": a, "big": b},
                "errors": 0,
                "pass": a == b,
            }
            if judged:
                line["target"] = {"equal": True}
            out.append(line)
    return out
