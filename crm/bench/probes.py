"""The operations of the suite (issue 7) as probes: what to request, as whom, against which
target and floor. Targets are for scale L; the server-side p95 is compared with them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .client import Reply
from .subjects import ROLES, Subjects

OPERATIONS = {
    1: "list",
    2: "filter",
    3: "search",
    4: "typeahead",
    5: "detail",
    6: "write",
    7: "agenda",
    8: "mixed",
    9: "memory",
    10: "queries",
    11: "growth",
}
TARGET_MS = {1: 100, 2: 150, 3: 150, 4: 80, 5: 80, 6: 100, 7: 150}
MIXED_TARGET = {"rps": 100.0, "p95_ms": 300.0}
MEMORY_TARGET = {"rss_mib": 150.0, "growth_pct": 10.0}
QUERY_BUDGET = {"list": 10, "detail": 15}
GROWTH_LIMIT = 2.0
FLOORS = {
    "bare": "/bench/bare/",
    "row": "/bench/row/",  # ?id= the rich customer
    "page": "/bench/page/",
}
ROLE_LABELS = {
    "admin": "管理员",
    "sales_manager": "销售经理",
    "sales": "销售",
    "service": "客服",
    "customer_success": "客户成功",
    "agenda": "客户最多的主责人",
    "all": "全部角色",
}
SEARCH_LABELS = {
    "zh2": "两字中文",
    "zh3": "三字中文",
    "zh4": "四字中文",
    "initials": "拼音首字母",
    "phone_tail": "手机尾号",
}


@dataclass
class Call:
    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Probe:
    op: int
    key: str
    label: str
    role: str
    calls: Callable[[int], Call]
    floor: str | None = None
    target_ms: float | None = None
    expect: tuple[int, ...] = (200,)
    after: Callable[[Reply], None] | None = None
    budget: str | None = None  # op 10: "list" or "detail"


def fixed(path: str, method: str = "GET") -> Callable[[int], Call]:
    return lambda i: Call(method, path)


def rotating(paths: list[str]) -> Callable[[int], Call]:
    return lambda i: Call("GET", paths[i % len(paths)])


def query(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}"


def list_paths(s: Subjects) -> dict[str, str]:
    f = s.filters
    return {
        "list.html": "/customers/",
        "list.api": "/api/v1/customers/",
        "filter.html": query("/customers/", **f, sort="-last_contacted"),
        "filter.api": query("/api/v1/customers/", **f, ordering="-last_contacted_at"),
    }


def search_paths(s: Subjects) -> dict[str, str]:
    return {kind: query("/customers/", q=q) for kind, q in s.searches.items()}


def typeahead_paths(s: Subjects) -> list[str]:
    return [query("/customers/search/", q=q) for q in s.searches.values()]


def sequential(s: Subjects, run_id: str) -> list[Probe]:
    """Operations 1-7, each measured by itself."""
    paths = list_paths(s)
    probes = [
        Probe(1, key, "客户列表 " + key.split(".")[1].upper(), role, fixed(paths[key]), "page", 100)
        for role in ROLES
        for key in ("list.html", "list.api")
    ]
    probes += [
        Probe(2, key, "筛选(主责人+阶段+行业)按最近联系排序 " + key.split(".")[1].upper(),
              role, fixed(paths[key]), "page", 150)
        for role in ("sales", "sales_manager", "admin")
        for key in ("filter.html", "filter.api")
    ]  # fmt: skip
    probes += [
        Probe(3, f"search.{kind}", f"搜索 {SEARCH_LABELS[kind]} 「{s.searches[kind]}」", role,
              fixed(path), "page", 150)
        for role in ("sales", "admin")
        for kind, path in search_paths(s).items()
    ]  # fmt: skip
    probes += [
        Probe(4, "typeahead", "顶栏联想(客户+联系人,五种查询轮换)", role,
              rotating(typeahead_paths(s)), "row", 80)
        for role in ("sales", "admin")
    ]  # fmt: skip
    probes += [
        Probe(5, f"detail.{kind}", f"客户 360 页 {kind.upper()}(联系人 + 20 条时间线)", role,
              fixed(path), "row", 80)
        for role in ("sales", "admin")
        for kind, path in (
            ("html", f"/customers/{s.rich.pk}/"), ("api", f"/api/v1/customers/{s.rich.pk}/")
        )
    ]  # fmt: skip
    probes += write_probes(s, run_id)
    probes += [
        Probe(7, f"agenda.{kind}", f"我的待办 {kind.upper()}(客户最多的主责人)", "agenda",
              fixed(path), "page", 150)
        for kind, path in (("html", "/agenda/"), ("api", "/api/v1/agenda/"))
    ]  # fmt: skip
    return probes


class WriteState:
    """The customer the update probe edits, and its current ETag (If-Match)."""

    def __init__(self) -> None:
        self.pk: int | None = None
        self.etag = ""

    def keep(self, reply: Reply) -> None:
        if reply.status in (200, 201):
            self.pk = int(reply.json()["id"])
            self.etag = reply.headers.get("etag", "")


def new_customer(run_id: str, i: int, industry: str) -> dict[str, Any]:
    rng = random.Random(f"{run_id}:{i}")
    body: dict[str, Any] = {
        "name": f"杭州基准{run_id}{i:05d}号测试科技有限公司",
        "kind": "enterprise",
        "contacts": [{"name": "王测试", "mobile": f"139{rng.randrange(10**8):08d}"}],
        "tags": ["基准测试"],
    }
    if industry and len(industry) == 2:  # a division (two digits); sections are letters
        body["industry"] = industry
    return body


def write_probes(s: Subjects, run_id: str, state: WriteState | None = None) -> list[Probe]:
    state = state or WriteState()
    industry = s.rich.industry_id or ""

    def create(i: int) -> Call:
        return Call("POST", "/api/v1/customers/", new_customer(run_id, i, industry))

    def update(i: int) -> Call:
        body = {"notes": f"基准测试修改 {i}", "reason": "基准测试"}
        return Call("PATCH", f"/api/v1/customers/{state.pk}/", body, {"If-Match": state.etag})

    return [
        Probe(6, "write.create", "新建客户 API(校验、查重、审计)", "sales", create, "row", 100,
              (201,), state.keep),
        Probe(6, "write.update", "修改客户 API(If-Match、校验、审计)", "sales", update, "row",
              100, (200,), state.keep),
    ]  # fmt: skip


def query_probes(s: Subjects) -> list[Probe]:
    """Operation 10: the SQL statements of each list and detail page (few requests each)."""
    paths = list_paths(s)
    probes = [
        Probe(10, key, f"{key} 查询数", role, fixed(paths[key]), budget="list")
        for role in ROLES
        for key in ("list.html", "list.api")
    ]
    probes += [
        Probe(10, f"list.api.size{size}", f"API 列表 page_size={size} 查询数", role,
              fixed(query("/api/v1/customers/", page_size=str(size))), budget="list")
        for role in ("sales", "admin")
        for size in (20, 50)
    ]  # fmt: skip
    probes += [
        Probe(10, key, f"{key} 查询数", role, fixed(paths[key]), budget="list")
        for role in ("sales_manager", "admin")
        for key in ("filter.html", "filter.api")
    ]
    probes += [
        Probe(10, f"search.{kind}", f"搜索 {SEARCH_LABELS[kind]} 查询数", "sales", fixed(path),
              budget="list")
        for kind, path in search_paths(s).items()
    ]  # fmt: skip
    typeahead = rotating(typeahead_paths(s))
    probes.append(Probe(10, "typeahead", "顶栏联想 查询数", "sales", typeahead, budget="list"))
    for size, customer in (("rich", s.rich), ("plain", s.plain)):
        for kind, path in (("html", f"/customers/{customer.pk}/"),
                           ("api", f"/api/v1/customers/{customer.pk}/")):  # fmt: skip
            probes += [
                Probe(10, f"detail.{kind}.{size}", f"客户 360 页 {kind} ({size}) 查询数", role,
                      fixed(path), budget="detail")
                for role in ("sales", "admin")
            ]  # fmt: skip
    probes += [
        Probe(10, f"agenda.{kind}", f"我的待办 {kind} 查询数", "agenda", fixed(path))
        for kind, path in (("html", "/agenda/"), ("api", "/api/v1/agenda/"))
    ]
    return probes


# --- the mixed load (operations 8 and 9) --------------------------------------------------


@dataclass
class MixedMenu:
    """One client thread's choices: 60 % list/search, 25 % detail, 10 % write, 5 % agenda."""

    subjects: Subjects
    role: str
    run_id: str
    rng: random.Random
    state: WriteState = field(default_factory=WriteState)
    created: int = 0

    KINDS = ("list", "detail", "write", "agenda")
    WEIGHTS = (60, 25, 10, 5)

    def pick(self) -> tuple[str, Call, tuple[int, ...]]:
        kind = self.rng.choices(self.KINDS, self.WEIGHTS)[0]
        if kind == "list":
            return kind, Call("GET", self._list_path()), (200,)
        if kind == "detail":
            pk = self.rng.choice(self.subjects.visible_ids[self.role])
            path = f"/customers/{pk}/" if self.rng.random() < 0.5 else f"/api/v1/customers/{pk}/"
            return kind, Call("GET", path), (200,)
        if kind == "write":
            return kind, *self._write()
        path = "/agenda/" if self.rng.random() < 0.5 else "/api/v1/agenda/"
        return kind, Call("GET", path), (200,)

    def _list_path(self) -> str:
        s = self.subjects
        options = [*list_paths(s).values(), *search_paths(s).values(), *typeahead_paths(s)]
        return self.rng.choice(options)

    def _write(self) -> tuple[Call, tuple[int, ...]]:
        if self.state.pk is None:
            self.created += 1
            industry = self.subjects.rich.industry_id or ""
            run = f"{self.run_id}m{self.rng.randrange(10**6)}"
            body = new_customer(run, self.created, industry)
            return Call("POST", "/api/v1/customers/", body), (201,)
        body = {"notes": f"基准测试并发修改 {self.rng.randrange(10**6)}", "reason": "基准测试"}
        headers = {"If-Match": self.state.etag}
        return Call("PATCH", f"/api/v1/customers/{self.state.pk}/", body, headers), (200,)
