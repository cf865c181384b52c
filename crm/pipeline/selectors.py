"""Reads for the opportunity board (/pipeline/) and the customer page's 商机 card.

Every query starts from Opportunity.objects.visible_to(user), and each page costs a fixed number
of queries whatever the number of opportunities: the board reads its pipelines, its stages with
their gates, one GROUP BY for the column headers (count and amount per stage), at most
CARDS_PER_COLUMN cards per column in one windowed query (ROW_NUMBER per stage), and the gate
passes of the cards shown.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from crm.accounts import policy
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.core.errors import NotFound
from crm.customers.models import Customer
from crm.customers.services import OWNER_ROLES
from crm.workdays import sla

from .choices import OpportunityStatus, StageKind
from .models import Gate, GatePass, Objection, Opportunity, Pipeline, Stage
from .services import solution_due

CARDS_PER_COLUMN = 50
CLOSED_DAYS = 90  # the won and lost columns show what closed in the last 90 days
CUSTOMER_CARD_SHOWN = 20  # the customer page's card; 显示全部 loads the rest
MINE, ALL = "mine", "all"
CARD_FIELDS = (
    "id",
    "name",
    "amount",
    "expected_close_on",
    "status",
    "version",
    "stage_id",
    "pipeline_id",
    "closed_on",
    "lost_reason",
    "customer",
    "customer__name",
    "owner",
    "owner__full_name",
    "owner__username",
)


@dataclass
class Column:
    """One stage of the board: its gates, the cards shown, and what the header counts."""

    stage: Stage
    gates: list[Gate]
    cards: list[Opportunity] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal(0)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)

    @property
    def closed(self) -> bool:
        return self.stage.kind != StageKind.OPEN


@dataclass
class Board:
    pipelines: list[Pipeline]
    pipeline: Pipeline | None
    scope: str
    owner: int | None
    owners: list[tuple[int, str]]
    columns: list[Column]


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def default_scope(user: User) -> str:
    """Sales start on their own opportunities; managers, admins and read-all roles on all."""
    return MINE if user.role == Role.SALES else ALL


def owner_choices(user: User) -> list[tuple[int, str]]:
    """Whom the board's 负责人 filter offers: a manager's teams, everyone for admins and the
    read-all roles; nobody for sales (their 我的 / 全部可见 is enough)."""
    qs = User.objects.filter(is_active=True, role__in=OWNER_ROLES)
    if user.role == Role.SALES:
        return []
    if not (user.is_admin or user.role in policy.READ_ALL_ROLES):
        qs = qs.filter(team_id__in=policy.managed_team_ids(user))
    return [
        (u.pk, str(u))
        for u in qs.only("id", "full_name", "username").order_by("full_name", "username")
    ]


def can_move(user: User) -> Any:
    """An annotation: may `user` work this opportunity (edit its customer)?"""
    scope = policy.customer_edit_scope(user, "customer__")
    if not scope:
        return Value(True)
    return Case(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())


def board(user: User, params: Any, today: datetime.date) -> Board:
    """The board of the chosen pipeline (?pipeline=<id>, else the default, else the first)."""
    pipelines = list(Pipeline.objects.filter(is_active=True).order_by("position", "pk"))
    chosen = _int(params.get("pipeline"))
    pipeline = next((p for p in pipelines if p.pk == chosen), None)
    pipeline = pipeline or next((p for p in pipelines if p.is_default), None)
    pipeline = pipeline or (pipelines[0] if pipelines else None)
    scope = params.get("scope") if params.get("scope") in (MINE, ALL) else default_scope(user)
    owners = owner_choices(user)
    owner = _int(params.get("owner")) if owners else None
    result = Board(pipelines, pipeline, scope, owner, owners, [])
    if pipeline is not None:
        result.columns = _columns(user, pipeline, result, today, CARDS_PER_COLUMN)
    return result


def _columns(
    user: User, pipeline: Pipeline, shape: Board, today: datetime.date, per_column: int
) -> list[Column]:
    stages = pipeline.stages.filter(is_active=True).prefetch_related("gates")
    columns = [Column(s, list(s.gates.all())) for s in stages.order_by("position", "pk")]
    if not columns:
        return columns
    qs = Opportunity.objects.visible_to(user).filter(
        pipeline=pipeline, stage_id__in=[c.stage.pk for c in columns]
    )
    if shape.scope == MINE:
        qs = qs.filter(owner=user)
    if shape.owner is not None:
        qs = qs.filter(owner_id=shape.owner)
    cutoff = today - datetime.timedelta(days=CLOSED_DAYS)
    qs = qs.filter(Q(status=OpportunityStatus.OPEN) | Q(closed_on__gte=cutoff))
    by_stage = {c.stage.pk: c for c in columns}
    for row in qs.order_by().values("stage_id").annotate(n=Count("pk"), total=Sum("amount")):
        by_stage[row["stage_id"]].count = row["n"]
        by_stage[row["stage_id"]].total = row["total"] or Decimal(0)
    if any(c.count for c in columns):
        cards = _cards(user, qs, per_column)
        for card in cards:
            column = by_stage[card.stage_id]
            card.stage = column.stage
            column.cards.append(card)
        mark_cards(cards, columns, today)
    return columns


def _cards(user: User, qs: QuerySet[Opportunity], per_column: int) -> list[Opportunity]:
    """At most `per_column` cards per stage in one query: recently closed first, then the
    soonest expected close."""
    rank = Window(
        RowNumber(),
        partition_by=[F("stage_id")],
        order_by=[F("closed_on").desc(nulls_last=True), F("expected_close_on").asc(), F("pk")],
    )
    rows = (
        qs.select_related("customer", "owner")
        .only(*CARD_FIELDS)
        .annotate(rank=rank, can_move=can_move(user))
        .filter(rank__lte=per_column)
    )
    return sorted(rows, key=lambda o: (o.stage_id, o.rank))  # type: ignore[attr-defined]


def _passed(opportunity_ids: Iterable[int], gate_ids: Iterable[int]) -> dict[int, set[int]]:
    ids, gates = list(opportunity_ids), list(gate_ids)
    passed: dict[int, set[int]] = defaultdict(set)
    if ids and gates:
        rows = GatePass.objects.filter(opportunity_id__in=ids, gate_id__in=gates)
        for opportunity_id, gate_id in rows.values_list("opportunity_id", "gate_id"):
            passed[opportunity_id].add(gate_id)
    return passed


def mark_cards(cards: list[Opportunity], columns: list[Column], today: datetime.date) -> None:
    """Set `overdue` and `gate_badges` [(gate name, passed)] on each card: the gates of the
    stages after the card's own (an open card works towards them; a closed one is done)."""
    gated = [(c.stage.position, g) for c in columns for g in c.gates]
    open_cards = [c for c in cards if c.status == OpportunityStatus.OPEN]
    passed = _passed((c.pk for c in open_cards), (g.pk for _p, g in gated))
    for card in cards:
        is_open = card.status == OpportunityStatus.OPEN
        card.overdue = is_open and card.expected_close_on < today  # type: ignore[attr-defined]
        card.gate_badges = [  # type: ignore[attr-defined]
            (g.name, g.pk in passed[card.pk])
            for position, g in gated
            if is_open and position > card.stage.position
        ]


# --- the customer page's card --------------------------------------------------------------


_open_objections = (
    Objection.objects.filter(opportunity=OuterRef("pk"), answered_at__isnull=True)
    .order_by()
    .values("opportunity")
    .annotate(n=Count("pk"))
    .values("n")
)


def customer_opportunities(
    user: User, customer: Customer, limit: int | None = CUSTOMER_CARD_SHOWN
) -> tuple[list[Opportunity], int]:
    """The customer's opportunities, open ones first (soonest expected close), then the closed
    ones (latest first); at most `limit`, and how many there are."""
    open_first = Case(
        When(status=OpportunityStatus.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    qs = (
        Opportunity.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("owner", "stage")
        .annotate(open_objections=Subquery(_open_objections, output_field=IntegerField()))
        .order_by(open_first, F("closed_on").desc(nulls_last=True), "expected_close_on", "-pk")
    )
    if limit is None:
        rows = list(qs)
        return rows, len(rows)
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, len(rows)
    return rows[:limit], qs.count()


def mark_customer_cards(rows: list[Opportunity], today: datetime.date) -> None:
    """Per row: overdue, solution due date, the gates ahead ([(name, passed)]) and the gates
    still to pass (the 通过关卡 dialog's choices)."""
    open_rows = [o for o in rows if o.status == OpportunityStatus.OPEN]
    gates: list[Gate] = []
    if open_rows:
        pipelines = {o.pipeline_id for o in open_rows}
        gates = list(
            Gate.objects.filter(stage__pipeline_id__in=pipelines, stage__is_active=True)
            .select_related("stage")
            .order_by("stage__position", "pk")
        )
    passed = _passed((o.pk for o in open_rows), (g.pk for g in gates))
    for opp in rows:
        is_open = opp.status == OpportunityStatus.OPEN
        ahead = [
            g
            for g in gates
            if is_open
            and g.stage.pipeline_id == opp.pipeline_id
            and g.stage.position > opp.stage.position
        ]
        opp.gate_badges = [(g.name, g.pk in passed[opp.pk]) for g in ahead]  # type: ignore[attr-defined]
        opp.gates_left = [g for g in ahead if g.pk not in passed[opp.pk]]  # type: ignore[attr-defined]
        opp.overdue = is_open and opp.expected_close_on < today  # type: ignore[attr-defined]
        opp.solution_due = due = solution_due(opp) if is_open else None  # type: ignore[attr-defined]
        opp.solution_state = (  # type: ignore[attr-defined]
            sla.status(due, opp.solution_submitted_on, today) if due else None
        )


def gates_to_pass(opp: Opportunity) -> list[Gate]:
    """The gates of the opportunity's pipeline not passed yet, in stage order."""
    done = GatePass.objects.filter(opportunity=opp).values("gate_id")
    return list(
        Gate.objects.filter(stage__pipeline_id=opp.pipeline_id, stage__is_active=True)
        .exclude(pk__in=done)
        .select_related("stage")
        .order_by("stage__position", "pk")
    )


def move_targets(opp: Opportunity) -> list[Stage]:
    """The active stages of the opportunity's pipeline other than its own, in order."""
    stages = Stage.objects.filter(pipeline_id=opp.pipeline_id, is_active=True)
    return list(stages.exclude(pk=opp.stage_id).order_by("position", "pk"))


def opportunity_owners() -> list[tuple[int, str]]:
    """Who may own an opportunity: active sales-type users (the service's own rule)."""
    qs = User.objects.filter(is_active=True, role__in=OWNER_ROLES)
    return [
        (u.pk, str(u))
        for u in qs.only("id", "full_name", "username").order_by("full_name", "username")
    ]


# --- objections ------------------------------------------------------------------------------


@dataclass
class ObjectionRow:
    """An objection with its 24-hour clock: due, and open / breached / met."""

    objection: Objection
    due: datetime.datetime
    status: str

    @property
    def breached(self) -> bool:
        return self.status == sla.BREACHED


def visible_objection(user: User, pk: Any) -> Objection:
    """An objection of an opportunity the user sees (NotFound otherwise)."""
    found = (
        Objection.objects.filter(opportunity__in=Opportunity.objects.visible_to(user))
        .filter(pk=pk)
        .select_related("opportunity")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def objections_of(
    opp: Opportunity, now: datetime.datetime, *, only: int | None = None
) -> list[ObjectionRow]:
    """The opportunity's objections, unanswered first (oldest first), then answered ones."""
    rows = Objection.objects.filter(opportunity=opp).select_related("answered_by")
    if only is not None:
        rows = rows.filter(pk=only)
    found = [
        ObjectionRow(
            o,
            sla.objection_due(o.raised_at),
            sla.objection_status(o.raised_at, o.answered_at, now),
        )
        for o in rows.order_by("raised_at", "pk")
    ]
    return sorted(found, key=lambda r: r.objection.answered_at is not None)
