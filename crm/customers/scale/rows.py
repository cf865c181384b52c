"""Draw one chunk of customers with everything hanging off them, as plain row tuples.

Runs in worker processes (no database access): chunk k of seed s always draws from
Random(f"{s}:chunk:{k}"), so the rows do not depend on how many workers draw them. Values
are already in the form both databases take as text: dates 'YYYY-MM-DD', moments
'YYYY-MM-DD HH:MM:SS' in UTC, amounts '123.00', booleans 0/1. Times are seconds since
`demo_data.DATE_FLOOR` (midnight UTC); office hours are 09:00-18:00 Beijing time.
"""

from __future__ import annotations

import datetime
import json
import random
from bisect import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from crm.core.pinyin import pinyin_keys
from crm.customers import demo_data
from crm.customers.choices import Channel, Kind, Stage, Status
from crm.customers.rules import normalise_name
from crm.records import rules as record_rules
from crm.records.choices import Purpose, Sentiment

from . import plan, words

DAY = 86_400
LATE_SECONDS = record_rules.LATE_AFTER.total_seconds()
NEAR_DUPLICATE_SHARE = 0.05
STAGE_ACTIVITY: dict[str, float] = {
    "potential": 1,
    "intent": 2,
    "cooperating": 3,
    "dormant": 1,
    "lost": 0.5,
}
DEAL_WEIGHT: dict[str, float] = {
    "potential": 0.2,
    "intent": 3,
    "cooperating": 2,
    "dormant": 0.5,
    "lost": 1,
}
CONTRACT_WEIGHT: dict[str, float] = {
    "potential": 0,
    "intent": 0,
    "cooperating": 3,
    "dormant": 1,
    "lost": 1,
}
PURPOSES = (
    (Purpose.REGULAR_VISIT, 35), (Purpose.ISSUE_FOLLOW_UP, 25), (Purpose.NEEDS_DISCOVERY, 25),
    (Purpose.HOLIDAY_GREETING, 7), (Purpose.COMPLAINT, 3), (Purpose.OTHER, 5),
)  # fmt: skip


@dataclass(frozen=True)
class Context:
    """Everything a worker needs, read from the database once by the loader."""

    seed: int
    total: int
    today: datetime.date
    bases: dict[str, int]  # first id per table with explicit ids
    owners: tuple[int, ...]
    owner_weights: tuple[float, ...]
    service_users: tuple[int, ...]
    industries: tuple[str, ...]  # demo industries present in the database
    sources: dict[str, int]
    tags: tuple[int, ...]
    pipeline: int
    stages: tuple[tuple[int, str], ...]  # (stage id, kind) of the default pipeline
    strategic: Decimal
    key: Decimal
    expiry_days: int
    actor: int  # the administrator the command runs as: created_by and the audit actor
    labels: dict[str, dict[Any, str]]  # owner / industry / region / source → how audit names it


@dataclass
class Chunk:
    index: int
    tables: dict[str, list[Any]] = field(default_factory=dict)  # rows: tuples (audit: lists)
    customers: list[list[Any]] = field(default_factory=list)
    near_duplicates: int = 0


NUMBER_MARK = "@@NUMBER@@"
AUDITED = (
    "name", "short_name", "kind", "uscc", "level", "stage", "churn_reason", "status", "intent",
    "need_keywords", "founded_on", "headcount", "main_products", "annual_revenue",
    "preferred_channel", "service_preference", "focus",
)  # fmt: skip
FLAGS = ("flag_complaint", "flag_churn_risk", "flag_to_verify", "flag_long_inactive")

# Column order of the rows each table gets (the loader adds the constant columns).
CUSTOMER_COLUMNS = (
    "id", "number", "name", "short_name", "kind", "uscc", "name_key", "name_pinyin",
    "name_initials", "industry_id", "level", "source_id", "region_id", "stage",
    "stage_changed_at", "churn_reason", "status", "intent", "need_keywords", "owner_id",
    "founded_on", "headcount", "main_products", "annual_revenue", "first_cooperation_on",
    "last_cooperation_on", "cooperation_products", "cumulative_amount", "preferred_channel",
    "service_preference", "focus", "flag_complaint", "flag_contract_expiring",
    "flag_churn_risk", "flag_to_verify", "flag_long_inactive", "last_contacted_at",
    "created_by_id", "created_at", "updated_at",
)  # fmt: skip
C = {name: i for i, name in enumerate(CUSTOMER_COLUMNS)}
COLUMNS = {
    "contacts": (
        "id", "customer_id", "name", "name_pinyin", "name_initials", "title", "department",
        "phone", "phone_digits", "mobile", "email", "wechat", "decision_role", "concerns",
        "is_primary", "created_at", "updated_at",
    ),
    "addresses": ("customer_id", "kind", "label", "region_id", "detail"),
    "tags": ("customer_id", "tag_id"),
    "transitions": ("customer_id", "from_stage", "to_stage", "at", "actor_id", "reason"),
    "records": (
        "id", "customer_id", "occurred_at", "channel", "maintainer_id", "purpose", "content",
        "feedback", "sentiment", "next_contact_on", "next_channel", "next_focus", "notes",
        "kind", "filed_at", "is_late", "created_by_id", "updated_at",
    ),
    "tasks": (
        "id", "description", "owner_id", "due", "status", "result", "cancel_reason",
        "record_id", "customer_id", "closed_at", "closed_by_id", "created_by_id", "created_at",
        "updated_at",
    ),
    "opportunities": (
        "id", "customer_id", "name", "amount", "expected_close_on", "owner_id", "pipeline_id",
        "stage_id", "status", "lost_reason", "stage_changed_at", "closed_on", "created_by_id",
        "created_at", "updated_at",
    ),
    "contracts": (
        "id", "number", "customer_id", "title", "amount", "signed_on", "starts_on", "ends_on",
        "status", "handover_on", "created_by_id", "created_at", "updated_at",
    ),
    "orders": (
        "id", "number", "customer_id", "contract_id", "ordered_on", "amount", "summary",
        "created_by_id", "created_at", "updated_at",
    ),
}  # fmt: skip


class Clock:
    """Day and moment strings by offset from DATE_FLOOR (tables built once per process)."""

    def __init__(self, today: datetime.date) -> None:
        floor = demo_data.DATE_FLOOR
        self.today = (today - floor).days
        span = self.today + 1200
        self.dates = [floor + datetime.timedelta(days=d) for d in range(span)]
        self.days = [d.isoformat() for d in self.dates]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self.now = self.today * DAY + 10 * 3600  # 18:00 Beijing time today

    def at(self, seconds: int) -> str:
        return f"{self.days[seconds // DAY]} {self.hms[seconds % DAY]}"

    def office(self, rng: random.Random, day: int) -> int:
        return day * DAY + rng.randint(3600, 36000)


def _cum(pairs: Any) -> tuple[list[Any], list[float]]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


_PURPOSES = _cum(PURPOSES)
_STAGES = _cum(demo_data.STAGE_SHARES)
_SOURCES = _cum(demo_data.SOURCES)
_HEADCOUNTS = _cum(demo_data.HEADCOUNTS)
_STATUSES = _cum(demo_data.STATUSES)
_INTENTS = {stage: _cum(pairs) for stage, pairs in demo_data.INTENTS.items()}
_SENTIMENTS = (*Sentiment.values, "")
CHANNELS = tuple(Channel.values)  # an enum's .values is rebuilt on every access: read it once


def flat(pairs: Any, size: int = 200) -> tuple[Any, ...]:
    """A weighted choice as a flat table: table[int(random() * len(table))] picks by weight."""
    values, weights = zip(*pairs, strict=True)
    total = sum(weights)
    out: list[Any] = []
    for value, weight in zip(values, weights, strict=True):
        out.extend([value] * max(1, round(size * weight / total)))
    return tuple(out)


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cum = table
    return values[bisect(cum, rng.random() * cum[-1])]


class Drawer:
    """Draws chunks for one context (one per worker process)."""

    def __init__(self, context: Context) -> None:
        self.ctx = context
        self.clock = Clock(context.today)
        self.pools = words.build(context.seed)
        self.owner_cum = list(accumulate(context.owner_weights))
        weights = [demo_data.INDUSTRIES[c].weight for c in context.industries]
        self.industries = (list(context.industries), list(accumulate(weights)))
        self.pinyin: dict[str, tuple[str, str]] = {}

    def person_keys(self, name: str) -> tuple[str, str]:
        keys = self.pinyin.get(name)
        if keys is None:
            keys = self.pinyin[name] = pinyin_keys(name, person=True)
        return keys

    # --- customers ----------------------------------------------------------------------

    def chunk(self, index: int) -> Chunk:
        ctx = self.ctx
        start = index * plan.CHUNK
        end = min(start + plan.CHUNK, ctx.total)
        rng = random.Random(f"{ctx.seed}:chunk:{index}")
        out = Chunk(index)
        keys: set[str] = set()
        for position in range(start, end):
            out.customers.append(self.customer(rng, ctx.bases["customers"] + position, keys, out))
        from .children import Children

        Children(self, rng, out, start, end).draw()
        return out

    def customer(self, rng: random.Random, pk: int, keys: set[str], out: Chunk) -> list[Any]:
        clock, ctx = self.clock, self.ctx
        stage = _pick(rng, _STAGES)
        created = clock.office(rng, rng.randint(0, clock.today - 30))
        row: list[Any] = [None] * len(CUSTOMER_COLUMNS)
        region = demo_data.pick_region(rng)
        row[C["id"]], row[C["number"]], row[C["region_id"]] = pk, "", region
        row[C["stage"]], row[C["owner_id"]] = stage, self.owner(rng)
        row[C["source_id"]] = ctx.sources.get(_pick(rng, _SOURCES))
        row[C["intent"]], row[C["status"]] = _pick(rng, _INTENTS[stage]), _pick(rng, _STATUSES)
        row[C["churn_reason"]] = ""
        if stage == Stage.LOST:  # as the services keep it: a lost customer says why
            row[C["churn_reason"]] = rng.choice(demo_data.CHURN_REASONS)
            row[C["status"]] = Status.LOST
        row[C["stage_changed_at"]] = row[C["created_at"]] = row[C["updated_at"]] = created
        row[C["level"]], row[C["cumulative_amount"]] = "C", "0.00"
        row[C["flag_complaint"]] = int(rng.random() < 0.03)
        dormant = stage == Stage.DORMANT
        row[C["flag_long_inactive"]] = int(dormant and rng.random() < 0.6)
        row[C["flag_churn_risk"]] = int(dormant and rng.random() < 0.3)
        row[C["flag_contract_expiring"]] = 0
        row[C["cooperation_products"]], row[C["created_by_id"]] = "", ctx.actor
        if rng.random() < demo_data.INDIVIDUAL_SHARE:
            self._individual(rng, row)
        else:
            self._enterprise(rng, row, keys, out)
        return row

    def audit_changes(self, row: list[Any]) -> str:
        """The "customer.create" diff the services write ({field: {before, after}}, sorted,
        empty values left out), with NUMBER_MARK where the loader puts the number."""
        labels = self.ctx.labels
        values = {name: row[C[name]] for name in AUDITED if row[C[name]] not in ("", None, 0)}
        values["number"] = NUMBER_MARK
        values["owner"] = labels["owner"][row[C["owner_id"]]]
        for name in ("industry", "region", "source"):
            if row[C[f"{name}_id"]] is not None:
                values[name] = labels[name][row[C[f"{name}_id"]]]
        for flag in FLAGS:
            if row[C[flag]]:
                values[flag] = True
        return json.dumps({k: {"before": None, "after": values[k]} for k in sorted(values)})

    def owner(self, rng: random.Random) -> int:
        return self.ctx.owners[bisect(self.owner_cum, rng.random() * self.owner_cum[-1])]

    def _individual(self, rng: random.Random, row: list[Any]) -> None:
        name = "".join(demo_data.person_name(rng))
        row[C["kind"]], row[C["name"]], row[C["short_name"]] = Kind.INDIVIDUAL, name, ""
        row[C["uscc"]], row[C["industry_id"]] = "", None
        row[C["name_key"]] = normalise_name(name)
        row[C["name_pinyin"]], row[C["name_initials"]] = self.person_keys(name)
        row[C["need_keywords"]] = "、".join(rng.sample(demo_data.INDIVIDUAL_NEEDS, 2))
        row[C["preferred_channel"]] = rng.choice((Channel.WECHAT, Channel.PHONE))
        for column in ("founded_on", "annual_revenue"):
            row[C[column]] = None
        for column in ("headcount", "main_products", "service_preference", "focus"):
            row[C[column]] = ""
        row[C["flag_to_verify"]] = 0

    def _enterprise(self, rng: random.Random, row: list[Any], keys: set[str], out: Chunk) -> None:
        industry = _pick(rng, self.industries)
        region = row[C["region_id"]]
        name, short = self.enterprise_name(rng, region, industry, keys, out)
        uscc = demo_data.make_uscc(rng, region) if rng.random() < demo_data.USCC_SHARE else ""
        row[C["kind"]], row[C["industry_id"]], row[C["uscc"]] = Kind.ENTERPRISE, industry, uscc
        row[C["short_name"]] = short if rng.random() < 0.6 else ""
        self.set_name(row, name)
        headcount = _pick(rng, _HEADCOUNTS)
        low, high = demo_data.REVENUE_WAN[headcount]
        products = demo_data.INDUSTRIES[industry].products
        founded = self.clock.dates[0] - datetime.timedelta(days=rng.randint(-1400, 10_000))
        row[C["headcount"]], row[C["founded_on"]] = headcount, founded.isoformat()
        row[C["annual_revenue"]] = f"{rng.randint(low, high) * 10_000}.00"
        row[C["main_products"]] = "、".join(rng.sample(products, min(2, len(products))))
        row[C["need_keywords"]] = "、".join(rng.sample(demo_data.NEEDS, rng.randint(1, 3)))
        row[C["preferred_channel"]] = rng.choice(CHANNELS)
        row[C["service_preference"]] = rng.choice(demo_data.SERVICE_PREFERENCES)
        row[C["focus"]] = "、".join(rng.sample(demo_data.FOCUS, 2))
        row[C["flag_to_verify"]] = int(not uscc and rng.random() < 0.5)

    def set_name(self, row: list[Any], name: str) -> None:
        row[C["name"]], row[C["name_key"]] = name, normalise_name(name)
        row[C["name_pinyin"]], row[C["name_initials"]] = pinyin_keys(name)

    def enterprise_name(
        self, rng: random.Random, region: str, industry: str, keys: set[str], out: Chunk
    ) -> tuple[str, str]:
        """A fresh name; 5 % are near-duplicates of a name drawn before in the chunk."""
        if keys and rng.random() < NEAR_DUPLICATE_SHARE:
            name = near_duplicate(rng, rng.choice(keys_names(out)), region)
            if normalise_name(name) not in keys:
                keys.add(normalise_name(name))
                out.near_duplicates += 1
                return name, ""
        for _ in range(50):
            name, short = demo_data.enterprise_name(rng, region, industry)
            if rng.random() < 0.7:  # a three-character brand widens the name space
                wider = short[:2] + rng.choice(demo_data.BRAND_SECOND) + short[2:]
                name, short = name.replace(short, wider, 1), wider
            if normalise_name(name) not in keys:
                keys.add(normalise_name(name))
                return name, short
        raise RuntimeError("name space exhausted")  # pragma: no cover


def keys_names(out: Chunk) -> list[str]:
    return [row[C["name"]] for row in out.customers if row[C["kind"]] == Kind.ENTERPRISE]


TO_FULL = str.maketrans("()", "\uff08\uff09")  # half-width brackets to full-width
TO_ASCII = str.maketrans("\uff08\uff09", "()")


def _swap_width(name: str) -> str:
    return name.translate(TO_FULL) if "(" in name else name.translate(TO_ASCII)


def near_duplicate(rng: random.Random, name: str, region: str) -> str:
    """A variant the dedupe rules keep apart from `name` (a branch, 市 dropped or added),
    or one they fold onto it (legal form, bracket width, (中国)) turned into a branch."""
    branch = f"{demo_data.city_short(region)}分公司"
    choice = rng.randrange(5)
    if choice == 0:
        return name + branch
    if choice == 1:
        return name.replace("市", "", 1) if "市" in name[:4] else name + branch
    if choice == 2:
        swapped = (
            name.replace("股份有限公司", "有限公司")
            if "股份" in name
            else name.replace("有限公司", "股份有限公司")
        )
        return swapped + branch
    if choice == 3:
        widened = _swap_width(name)
        return (
            widened if widened != name else name.replace("有限公司", "(中国)有限公司", 1)
        ) + branch
    return name.replace("有限公司", "(中国)有限公司", 1) + branch
