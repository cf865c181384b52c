"""`crm demo --scale`: the roster, the context the workers draw from, and the load loop.

The main process keeps what must be global and sequential: enterprise names and USCCs unique
across chunks (a clash is drawn again from a Random seeded by the customer's id), customer
numbers from the numbering rule and its counters, and the writes. Workers (fork) draw the
chunks, a bounded window ahead of the writer.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.utils import timezone

from crm.accounts.models import Team, User
from crm.customers import demo_data, numbering
from crm.customers.choices import Kind
from crm.customers.models import Customer, Industry, NumberSequence, Region, Source, Tag
from crm.customers.services.archive import OWNER_ROLES
from crm.customers.services.numbers import current_pattern
from crm.pipeline.models import Pipeline
from crm.pipeline.services.business import tier_rules

from . import backends, plan, tables
from .rows import NUMBER_MARK, C, Chunk, Context, Drawer

_drawer: Drawer | None = None


def _init(context: Context) -> None:
    global _drawer
    _drawer = Drawer(context)


def _draw(index: int) -> tuple[Chunk, float]:
    assert _drawer is not None
    started = time.perf_counter()
    chunk = _drawer.chunk(index)
    return chunk, time.perf_counter() - started


# --- roster and context ------------------------------------------------------------------


def ensure_roster(password: str) -> list[User]:
    """The 18 sales teams, the service and customer-success teams and their 199 users
    (bulk-created with one password hash); an existing team or user is reused by name."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name, _ in plan.team_names()}
    for name in (plan.SERVICE_TEAM, plan.SUCCESS_TEAM):
        teams[name] = Team.objects.get_or_create(name=name)[0]
    existing = {
        u.username: u for u in User.objects.filter(username__startswith=plan.USERNAME_PREFIX)
    }
    members = plan.roster(
        set(User.objects.exclude(username__in=existing).values_list("username", flat=True))
    )
    hashed = make_password(password)
    new = [
        User(
            username=m.username,
            full_name=m.full_name,
            role=m.role,
            team=teams[m.team],
            mobile=m.mobile,
            email=f"{m.username.removeprefix(plan.USERNAME_PREFIX)}@example.com",
            password=hashed,
        )
        for m in members
        if m.username not in existing
    ]
    User.objects.bulk_create(new)
    users = list(User.objects.filter(username__in=[m.username for m in members]).order_by("pk"))
    for team in teams.values():
        if team.manager_id is None:
            manager = next(
                (u for u in users if u.team_id == team.pk and u.role == "sales_manager"), None
            )
            if manager is not None:
                Team.objects.filter(pk=team.pk).update(manager=manager)
    return users


def _next_id(model: type[Any]) -> int:
    """Past the highest id in the table and the highest its id sequence ever gave: ids of
    deleted rows are never handed out again (audit rows still name them)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608
        top = int(cursor.fetchone()[0] or 0)
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        else:
            cursor.execute(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))", [table]
            )
        row = cursor.fetchone()
    return max(top, int(row[0] or 0) if row else 0) + 1


def build_context(seed: int, total: int, actor: User, users: list[User]) -> Context:
    owners = [u for u in users if u.role in OWNER_ROLES]
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    assert pipeline is not None, "the default pipeline is missing (run migrate)"
    rules = tier_rules()
    stages = pipeline.stages.filter(is_active=True).order_by("position")
    tags = [Tag.objects.get_or_create(name=name)[0].pk for name in demo_data.TAGS]
    present = set(Industry.objects.values_list("code", flat=True))
    regions = {r.code: str(r) for r in Region.objects.select_related("parent")}
    sources = {s.name: s for s in Source.objects.all()}
    industries = {i.code: str(i) for i in Industry.objects.filter(code__in=present)}
    return Context(
        seed=seed, total=total, today=timezone.localdate(),
        bases={name: _next_id(tables.MODELS[name]) for name in tables.EXPLICIT_IDS},
        owners=tuple(u.pk for u in owners),
        owner_weights=tuple(plan.owner_weights(len(owners), seed)),
        service_users=tuple(u.pk for u in users if u.role == "service"),
        industries=tuple(code for code in demo_data.INDUSTRIES if code in present),
        sources={name: s.pk for name, s in sources.items()}, tags=tuple(tags),
        pipeline=pipeline.pk,
        stages=tuple(stages.values_list("pk", "kind")),
        strategic=rules.strategic_threshold, key=rules.key_threshold,
        expiry_days=rules.expiry_warning_days, actor=actor.pk,
        labels={
            "owner": {u.pk: str(u) for u in owners}, "industry": industries, "region": regions,
            "source": {s.pk: s.name for s in sources.values()},
        },
    )  # fmt: skip


# --- the global part of each chunk -------------------------------------------------------


class Globals:
    """Unique names and USCCs across chunks, and customer numbers from the rule's counters."""

    def __init__(self, context: Context) -> None:
        self.drawer = Drawer(context)
        self.seed = context.seed
        existing = Customer.objects.values_list("kind", "name_key", "uscc", "number")
        self.keys, self.usccs, self.numbers = set(), set(), set()
        self.fresh = not Customer.objects.exists()
        for kind, key, uscc, number in existing.iterator(chunk_size=10_000):
            if kind == Kind.ENTERPRISE:
                self.keys.add(key)
            if uscc:
                self.usccs.add(uscc)
            self.numbers.add(number)
        self.pattern, self.today = current_pattern(), timezone.localdate()
        codes = {i.code: i.number_code for i in Industry.objects.select_related("parent")}
        self.codes = codes
        self.counters: dict[str, int] = {}
        self.stats: Counter[str] = Counter()

    def fix(self, chunk: Chunk) -> None:
        for row, audit in zip(chunk.customers, chunk.tables["audit"], strict=True):
            renamed = self._unique(row)
            if renamed:
                audit[2], audit[4] = row[C["name"]][:200], self.drawer.audit_changes(row)
            row[C["number"]] = number = self._number(row)
            audit[4] = audit[4].replace(NUMBER_MARK, number)
        self.stats["near_duplicates"] += chunk.near_duplicates

    def _unique(self, row: list[Any]) -> bool:
        renamed = False
        pk = row[C["id"]]
        if row[C["kind"]] == Kind.ENTERPRISE:
            attempt = 0
            while row[C["name_key"]] in self.keys:
                rng = random.Random(f"{self.seed}:rename:{pk}:{attempt}")
                name, short = demo_data.enterprise_name(
                    rng, row[C["region_id"]], row[C["industry_id"]]
                )
                if attempt > 5:
                    name = name.replace(short, f"{short}{attempt}号", 1)
                self.drawer.set_name(row, name)
                row[C["short_name"]] = short if row[C["short_name"]] else ""
                attempt, renamed = attempt + 1, True
            self.keys.add(row[C["name_key"]])
            self.stats["renamed"] += int(renamed)
        attempt = 0
        while row[C["uscc"]] and row[C["uscc"]] in self.usccs:
            rng = random.Random(f"{self.seed}:uscc:{pk}:{attempt}")
            row[C["uscc"]], attempt = demo_data.make_uscc(rng, row[C["region_id"]]), attempt + 1
            renamed = True
        if row[C["uscc"]]:
            self.usccs.add(row[C["uscc"]])
        return renamed

    def _number(self, row: list[Any]) -> str:
        code = self.codes.get(row[C["industry_id"]], "") if row[C["industry_id"]] else ""
        key = numbering.sequence_key(self.pattern, today=self.today, ind=code)
        if key not in self.counters:
            found = NumberSequence.objects.filter(key=key).values_list("value", flat=True).first()
            self.counters[key] = found or 0
        while True:
            self.counters[key] += 1
            number = numbering.render(
                self.pattern, today=self.today, ind=code, seq=self.counters[key]
            )
            if number not in self.numbers:
                return number

    def save_counters(self) -> None:
        for key, value in self.counters.items():
            NumberSequence.objects.update_or_create(key=key, defaults={"value": value})


# --- the loop ----------------------------------------------------------------------------


@dataclass
class Report:
    rows: Counter[str] = field(default_factory=Counter)
    write_seconds: dict[str, float] = field(default_factory=dict)
    draw_seconds: float = 0.0
    index_seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    largest_owner: int = 0
    stats: Counter[str] = field(default_factory=Counter)


ORDER = ("customers", "contacts", "addresses", "tags", "transitions", "audit", "records", "tasks",
         "opportunities", "contracts", "orders")  # fmt: skip


def load(
    context: Context, jobs: int, progress: Callable[[str], None], *, search: bool = True
) -> Report:
    started = time.perf_counter()
    report = Report()
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    actor = User.objects.get(pk=context.actor)
    overrides = tables.audit_overrides(actor.pk, actor.get_full_name() or actor.get_username())
    specs = [tables.table(name, now, overrides if name == "audit" else {}) for name in ORDER]
    chunks = (context.total + plan.CHUNK - 1) // plan.CHUNK
    drawn = _Chunks(context, chunks, jobs)  # forks first: no connection is shared
    globals_ = Globals(context)
    backend = backends.for_connection(specs)
    backend.begin()
    try:
        for done, (chunk, seconds) in enumerate(drawn, start=1):
            report.draw_seconds += seconds
            _write(backend, globals_, chunk, report)
            if done == chunks or done % max(1, chunks // 20) == 0:
                progress(
                    f"已写入 {report.rows['customers']}/{context.total} 个客户"
                    f"({done * 100 // chunks}%),用时 {time.perf_counter() - started:.1f} 秒"
                )
    except BaseException:
        backend.abort()
        raise
    globals_.save_counters()
    progress("正在重建索引并更新统计信息……")
    backend.end()
    report.index_seconds = backend.index_seconds
    if search:
        _search_index(context, report, fresh=globals_.fresh, progress=progress)
    report.stats = globals_.stats
    report.total_seconds = time.perf_counter() - started
    report.largest_owner = _largest_owner()
    return report


def _write(backend: backends.Backend, globals_: Globals, chunk: Chunk, report: Report) -> None:
    globals_.fix(chunk)
    with transaction.atomic():
        for name in ORDER:
            rows = chunk.customers if name == "customers" else chunk.tables[name]
            t0 = time.perf_counter()
            backend.write(name, rows)
            spent = time.perf_counter() - t0
            report.write_seconds[name] = report.write_seconds.get(name, 0.0) + spent
            report.rows[name] += len(rows)


def _search_index(
    context: Context, report: Report, *, fresh: bool, progress: Callable[[str], None]
) -> None:
    """The bigram search table, from the stored texts, by its own bulk builder."""
    try:
        from crm.customers import search_index
    except ImportError:  # pragma: no cover - an installation without the bigram index
        return
    progress("正在建立搜索索引……")
    t0 = time.perf_counter()
    first = context.bases["customers"]
    ids = None if fresh else range(first, first + context.total)
    report.rows["search"] = search_index.rebuild(ids)
    report.index_seconds["search"] = time.perf_counter() - t0


def _largest_owner() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM customers_customer GROUP BY owner_id ORDER BY 1 DESC LIMIT 1"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


class _Chunks:
    """Chunks in order, drawn by `jobs` forked workers a bounded window ahead (0: here)."""

    def __init__(self, context: Context, count: int, jobs: int) -> None:
        self.context, self.count = context, count
        self.pool = None
        if jobs > 0 and count > 1 and not connection.in_atomic_block:
            connections.close_all()
            self.pool = multiprocessing.get_context("fork").Pool(jobs, _init, (context,))
            self.window = deque(
                self.pool.apply_async(_draw, (i,)) for i in range(min(count, jobs * 2))
            )

    def __iter__(self) -> Iterator[tuple[Chunk, float]]:
        if self.pool is None:
            _init(self.context)
            for index in range(self.count):
                yield _draw(index)
            return
        submitted = len(self.window)
        try:
            while self.window:
                result = self.window.popleft().get()
                if submitted < self.count:
                    self.window.append(self.pool.apply_async(_draw, (submitted,)))
                    submitted += 1
                yield result
        finally:
            self.pool.terminate()
