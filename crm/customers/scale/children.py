"""The rows hanging off one chunk's customers, and the customer facts derived from them.

Counts per chunk are exact (see plan); which customer a row belongs to is skewed: cooperating
customers get more cards, deals go to customers whose stage has them. Cooperation dates, the
cumulative amount, the level (trailing-12-month signed amount against the tier thresholds),
合同到期 and the last contact are derived here with the app's own rules, as the services do.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from crm.customers import demo_data
from crm.customers.choices import AddressKind, Kind
from crm.pipeline import rules as deal_rules
from crm.pipeline.choices import SIGNED_STATUSES, ContractStatus
from crm.records.choices import RecordKind, TaskStatus

from . import plan, words
from .rows import (
    _SENTIMENTS,
    CHANNELS,
    CONTRACT_WEIGHT,
    DAY,
    DEAL_WEIGHT,
    LATE_SECONDS,
    PURPOSES,
    STAGE_ACTIVITY,
    C,
    Chunk,
    _pick,
    flat,
)

if TYPE_CHECKING:
    from .rows import Drawer

PUBLIC_MAIL, MOBILE_PREFIXES = demo_data.PUBLIC_MAIL, demo_data.MOBILE_PREFIXES
LEAD_TITLES, OTHER_TITLES = demo_data.LEAD_TITLES, demo_data.OTHER_TITLES
CONCERNS = demo_data.CONCERNS
MOMENTS = ("stage_changed_at", "created_at", "updated_at", "last_contacted_at")
PURPOSE_TABLE = flat(PURPOSES)
OPEN, DONE, CANCELLED = TaskStatus.OPEN.value, TaskStatus.DONE.value, TaskStatus.CANCELLED.value


class Children:
    def __init__(self, drawer: Drawer, rng: random.Random, out: Chunk, start: int, end: int):
        self.d, self.rng, self.out, self.start, self.end = drawer, rng, out, start, end
        self.ctx, self.clock = drawer.ctx, drawer.clock
        self.rows = out.customers
        self.created_day = [row[C["created_at"]] // DAY for row in self.rows]

    def count(self, table: str) -> tuple[int, int]:
        ratio = plan.RATIOS[table]
        first = self.ctx.bases[table] + plan.first_row(ratio, self.start)
        return first, plan.rows_in_chunk(ratio, self.start, self.end)

    def assign(self, count: int, weights: Sequence[float]) -> list[int]:
        """`count` customer positions drawn by weight, sorted (a customer's rows are adjacent)."""
        if not any(weights):
            weights = [1.0] * len(weights)
        cum = list(accumulate(weights))
        top, rng = cum[-1], self.rng
        return sorted(bisect(cum, rng.random() * top) for _ in range(count))

    def day_after(self, day: int, lo: int = 0) -> int:
        return self.rng.randint(min(day + lo, self.clock.today), self.clock.today)

    def draw(self) -> None:
        tables = self.out.tables
        tables["contacts"] = self.contacts()
        tables["addresses"], tables["tags"] = self.addresses(), self.tags()
        tables["records"] = self.records()
        tables["tasks"] = self.tasks()
        tables["opportunities"] = self.opportunities()
        tables["contracts"], tables["orders"] = self.deals()
        tables["transitions"] = [
            (
                row[C["id"]],
                row[C["stage"]],
                row[C["stage"]],
                row[C["created_at"]],
                self.ctx.actor,
                "建档",
            )
            for row in self.rows
        ]
        self.finish()

    # --- contacts, addresses, tags --------------------------------------------------------

    def contacts(self) -> list[tuple[Any, ...]]:
        first, count = self.count("contacts")
        enterprise = [float(row[C["kind"]] == Kind.ENTERPRISE) for row in self.rows]
        extra = self.assign(max(0, count - len(self.rows)), enterprise)
        positions = sorted([*range(len(self.rows)), *extra])[:count]
        out, previous = [], -1
        for offset, position in enumerate(positions):
            row = self.rows[position]
            out.append(self.contact(first + offset, row, primary=position != previous))
            previous = position
        return out

    def contact(self, pk: int, customer: list[Any], primary: bool) -> tuple[Any, ...]:
        rng, clock = self.rng, self.clock
        rand = rng.random
        if customer[C["kind"]] == Kind.INDIVIDUAL and primary:
            name = customer[C["name"]]
            title, department, role = "", "", "decision_maker"
            domain = PUBLIC_MAIL[int(rand() * len(PUBLIC_MAIL))]
        else:
            name = "".join(demo_data.person_name(rng))
            titles = LEAD_TITLES if primary else OTHER_TITLES
            title, department, role = titles[int(rand() * len(titles))]
            domain = f"{customer[C['name_initials']][:8] or 'corp'}.com"
        full, initials = self.d.person_keys(name)
        phone = digits = ""
        if rand() < 0.4:
            phone = demo_data.landline(rng, customer[C["region_id"]])
            digits = phone.replace("-", "")
        prefix = MOBILE_PREFIXES[int(rand() * len(MOBILE_PREFIXES))]
        mobile = f"{prefix}{int(rand() * 1e8):08d}"
        local = f"{full}{int(rand() * 100)}" if rand() < 0.5 else f"{initials}{mobile[-4:]}"
        at = clock.at(customer[C["created_at"]])
        return (
            pk, customer[C["id"]], name, full, initials, title, department, phone, digits,
            mobile, f"{local}@{domain}", f"wx_{full}" if rand() < 0.3 else "", str(role),
            CONCERNS[int(rand() * len(CONCERNS))], int(primary), at, at,
        )  # fmt: skip

    def addresses(self) -> list[tuple[Any, ...]]:
        rng, out = self.rng, []
        for row in self.rows:
            if row[C["kind"]] != Kind.ENTERPRISE:
                continue
            region = row[C["region_id"]]
            out.append(
                (row[C["id"]], AddressKind.HQ, "", region, demo_data.address_detail(rng, region))
            )
            if rng.random() < 0.15:
                branch = demo_data.pick_region(rng)
                label = f"{demo_data.city_short(branch)}分公司"
                detail = demo_data.address_detail(rng, branch)
                out.append((row[C["id"]], AddressKind.BRANCH, label, branch, detail))
        return out

    def tags(self) -> list[tuple[Any, ...]]:
        rng, tags, out = self.rng, self.ctx.tags, []
        for row in self.rows:
            for tag in rng.sample(tags, _pick(rng, (([0, 1, 2]), [45, 85, 100]))):
                out.append((row[C["id"]], tag))
        return out

    # --- record cards and to-dos ---------------------------------------------------------

    def records(self) -> list[tuple[Any, ...]]:
        first, count = self.count("records")
        weights = [STAGE_ACTIVITY[row[C["stage"]]] for row in self.rows]
        self.record_rows: list[tuple[int, int, int, int]] = []  # (pk, position, occurred, by)
        return [self.record(first + i, p) for i, p in enumerate(self.assign(count, weights))]

    def record(self, pk: int, position: int) -> tuple[Any, ...]:
        rand, clock, ctx, row = self.rng.random, self.clock, self.ctx, self.rows[position]
        start = self.created_day[position]
        occurred = (
            (start + int(rand() * (clock.today - start + 1))) * DAY + 3600 + int(rand() * 32_400)
        )
        if rand() < 0.12:  # filed late: more than a day after the interaction
            filed = occurred + 90_000 + int(rand() * 300_000)
        else:
            filed = occurred + 600 + int(rand() * 72_000)
        filed = min(filed, clock.now)
        service = ctx.service_users and rand() < 0.15
        if service:
            by = ctx.service_users[int(rand() * len(ctx.service_users))]
        else:
            by = row[C["owner_id"]] if rand() < 0.9 else self.d.owner(self.rng)
        self.record_rows.append((pk, position, occurred, by))
        last = row[C["last_contacted_at"]]
        if last is None or occurred > last:
            row[C["last_contacted_at"]] = occurred
        next_on, next_channel, focus = None, "", ""
        if rand() < 0.6:
            next_on = clock.days[occurred // DAY + 3 + int(rand() * 28)]
            next_channel = CHANNELS[int(rand() * len(CHANNELS))]
            if rand() < 0.7:
                focus = words.FOCUS_NEXT[int(rand() * len(words.FOCUS_NEXT))]
        pools = self.d.pools
        filed_at = clock.at(filed)
        return (
            pk, row[C["id"]], clock.at(occurred), CHANNELS[int(rand() * len(CHANNELS))], by,
            PURPOSE_TABLE[int(rand() * len(PURPOSE_TABLE))],
            pools.contents[int(rand() * words.POOL)],
            pools.feedback[int(rand() * len(pools.feedback))] if rand() < 0.8 else "",
            _SENTIMENTS[int(rand() * len(_SENTIMENTS))], next_on, next_channel, focus,
            words.NOTES[int(rand() * len(words.NOTES))] if rand() < 0.25 else "",
            RecordKind.SERVICE.value if service else RecordKind.SALES.value, filed_at,
            int(filed - occurred > LATE_SECONDS), by, filed_at,
        )  # fmt: skip

    def tasks(self) -> list[tuple[Any, ...]]:
        first, count = self.count("tasks")
        cards = self.record_rows
        chosen = sorted(self.rng.sample(range(len(cards)), min(count, len(cards))))
        return [self.task(first + i, cards[r]) for i, r in enumerate(chosen)]

    def task(self, pk: int, card: tuple[int, int, int, int]) -> tuple[Any, ...]:
        rand, clock = self.rng.random, self.clock
        record, position, occurred, by = card
        due = occurred // DAY + 1 + int(rand() * 14)
        status, result, cancel = OPEN, "", ""
        if rand() < (0.85 if due < clock.today else 0.1):
            if rand() < 0.94:
                status, result = DONE, words.RESULTS[int(rand() * len(words.RESULTS))]
            else:
                status, cancel = CANCELLED, words.CANCEL_REASONS[int(rand() * 2)]
        created = min(occurred + 3600, clock.now)
        tasks = self.d.pools.tasks
        if status == OPEN:
            closed_at, closed_by, updated = None, None, clock.at(created)
        else:
            closed = max(min(min(due, clock.today) * DAY + 30_000, clock.now), created)
            closed_at, closed_by = clock.at(closed), by
            updated = closed_at
        return (
            pk, tasks[int(rand() * len(tasks))], by, clock.days[due], status, result, cancel,
            record, self.rows[position][C["id"]], closed_at, closed_by, by, clock.at(created),
            updated,
        )  # fmt: skip

    # --- opportunities, contracts, orders ------------------------------------------------

    def opportunities(self) -> list[tuple[Any, ...]]:
        first, count = self.count("opportunities")
        weights = [DEAL_WEIGHT[row[C["stage"]]] for row in self.rows]
        return [self.opportunity(first + i, p) for i, p in enumerate(self.assign(count, weights))]

    def opportunity(self, pk: int, position: int) -> tuple[Any, ...]:
        rng, clock, ctx, row = self.rng, self.clock, self.ctx, self.rows[position]
        stage_id, kind = ctx.stages[rng.randrange(len(ctx.stages))]
        if row[C["stage"]] == "cooperating" and rng.random() < 0.5:
            stage_id, kind = next(s for s in ctx.stages if s[1] == "won")
        created = clock.office(rng, self.day_after(self.created_day[position]))
        closed = self.day_after(created // DAY, 10) if kind != "open" else None
        amount = rng.randint(20, 3000) * 1000
        owner, names = row[C["owner_id"]], self.d.pools.opportunity_names
        return (
            pk, row[C["id"]], names[rng.randrange(len(names))],
            f"{amount}.00", clock.days[created // DAY + rng.randint(30, 180)], owner, ctx.pipeline,
            stage_id, kind, rng.choice(words.LOST_REASONS) if kind == "lost" else "",
            clock.at(created), clock.days[closed] if closed is not None else None, owner,
            clock.at(created), clock.at(created),
        )  # fmt: skip

    def deals(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        first, count = self.count("contracts")
        weights = [CONTRACT_WEIGHT[row[C["stage"]]] for row in self.rows]
        self.deal_facts: dict[int, tuple[list[Any], list[Any], list[Any]]] = {}
        contracts = [self.contract(first + i, p) for i, p in enumerate(self.assign(count, weights))]
        first, count = self.count("orders")
        orders = [self.order(first + i, p) for i, p in enumerate(self.assign(count, weights))]
        return contracts, orders

    def _facts(self, position: int) -> tuple[list[Any], list[Any], list[Any]]:
        return self.deal_facts.setdefault(position, ([], [], []))

    def contract(self, pk: int, position: int) -> tuple[Any, ...]:
        rng, clock, row = self.rng, self.clock, self.rows[position]
        signed = self.day_after(self.created_day[position])
        ends = signed + rng.choice((365, 365, 730))
        status = ContractStatus.EXPIRED if ends < clock.today else ContractStatus.ACTIVE
        if rng.random() < 0.03:
            status = ContractStatus.TERMINATED
        amount = max(10, int(rng.lognormvariate(12, 0.9)) // 1000) * 1000
        contracts, _, active = self._facts(position)
        if status in SIGNED_STATUSES:
            contracts.append(deal_rules.Deal(clock.dates[signed], Decimal(amount)))
        if status == ContractStatus.ACTIVE:
            active.append((pk, signed, ends))
        day = clock.days[signed]
        moment = clock.at(clock.office(rng, signed))
        return (
            pk, f"HT-{day.replace('-', '')}-{pk:06d}", row[C["id"]],
            f"{rng.choice(demo_data.OFFERINGS)}合同", f"{amount}.00", day, day, clock.days[ends],
            status, clock.days[signed + 1], row[C["owner_id"]], moment, moment,
        )  # fmt: skip

    def order(self, pk: int, position: int) -> tuple[Any, ...]:
        rng, clock, row = self.rng, self.clock, self.rows[position]
        _, orders, active = self._facts(position)
        contract = None
        if active and rng.random() < 0.6:
            contract, signed, ends = rng.choice(active)
            day = rng.randint(signed, min(ends, clock.today))
        else:
            day = self.day_after(self.created_day[position])
        amount = rng.randint(1, 500) * 500
        orders.append(deal_rules.Deal(clock.dates[day], Decimal(amount), contract is not None))
        moment = clock.at(clock.office(rng, day))
        summary = f"{rng.choice(demo_data.OFFERINGS)} × {rng.randint(1, 20)}"
        return (
            pk, f"DD-{clock.days[day].replace('-', '')}-{pk:07d}", row[C["id"]], contract,
            clock.days[day], f"{amount}.00", summary,
            row[C["owner_id"]], moment, moment,
        )  # fmt: skip

    # --- derived customer facts ----------------------------------------------------------

    def finish(self) -> None:
        ctx, clock = self.ctx, self.clock
        today = clock.dates[clock.today]
        for position, (contracts, orders, active) in self.deal_facts.items():
            row = self.rows[position]
            facts = deal_rules.cooperation(contracts, orders)
            row[C["first_cooperation_on"]] = facts.first_on.isoformat() if facts.first_on else None
            row[C["last_cooperation_on"]] = facts.last_on.isoformat() if facts.last_on else None
            row[C["cumulative_amount"]] = f"{facts.cumulative:.2f}"
            trailing = deal_rules.trailing_amount(contracts, today)
            row[C["level"]] = deal_rules.tier_for(trailing, ctx.strategic, ctx.key)
            row[C["flag_contract_expiring"]] = int(any(
                deal_rules.is_expiring(clock.dates[ends], today, ctx.expiry_days)
                for _, _, ends in active
            ))  # fmt: skip
            row[C["cooperation_products"]] = "、".join(self.rng.sample(demo_data.OFFERINGS, 2))
        audit = self.out.tables["audit"] = []
        for row in self.rows:
            changes = self.d.audit_changes(row)  # before the moments become text
            for column in MOMENTS:
                if row[C[column]] is not None:
                    row[C[column]] = clock.at(row[C[column]])
            audit.append(
                [
                    row[C["created_at"]],
                    str(row[C["id"]]),
                    row[C["name"]][:200],
                    row[C["id"]],
                    changes,
                ]
            )
        self.out.tables["transitions"] = [
            (*t[:3], clock.at(t[3]), *t[4:]) for t in self.out.tables["transitions"]
        ]
