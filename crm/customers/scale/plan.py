"""Sizes, proportions and the roster of `crm demo --scale` (pure: no database access).

Per customer: 5 contacts, 10 record cards, 3 to-dos (0.3 per card), 0.3 opportunities,
0.2 contracts, 0.5 orders, about 0.9 addresses and 0.6 tags, one 建档 stage row and one audit
"create" row. Counts are exact: chunk k of C customers holds floor(r·(k+1)·C) − floor(r·k·C)
rows of a table with ratio r, so every table's ids are known before a row is drawn and the
chunks can be drawn in parallel.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from crm.accounts.choices import Role
from crm.customers import demo_data

SCALES = {"XS": 300, "S": 10_000, "M": 100_000, "L": 1_000_000}
RATIOS = {
    "contacts": 5.0,
    "records": 10.0,
    "tasks": 3.0,
    "opportunities": 0.3,
    "contracts": 0.2,
    "orders": 0.5,
}
CHUNK = 2_000  # customers per chunk (and per transaction)
ZIPF_OFFSET = 4  # owner of rank r (1-based) gets weight 1 / (r + ZIPF_OFFSET)

# 18 sales teams by sales region, a service team and a customer-success team: 200 users
# with the administrator the command runs as.
SALES_TEAMS = (
    ("华东", 5), ("华南", 4), ("华北", 3), ("华中", 2), ("西南", 2), ("西北", 1), ("东北", 1),
)  # fmt: skip
ORDINALS = "一二三四五六七八九十"
SALES_PER_TEAM = 9
SERVICE_TEAM, SUCCESS_TEAM = "客户服务部", "客户成功部"
SERVICE_USERS, SUCCESS_USERS = 10, 9
USERNAME_PREFIX = "s."  # keeps the scale roster apart from the small demo's users


def rows_in_chunk(ratio: float, start: int, end: int) -> int:
    return int(ratio * end) - int(ratio * start)


def first_row(ratio: float, start: int) -> int:
    """Offset of the first row (of a table with this ratio) of the chunk starting at `start`."""
    return int(ratio * start)


@dataclass(frozen=True)
class Member:
    username: str
    full_name: str
    role: str
    team: str
    mobile: str


def team_names() -> list[tuple[str, str]]:
    """(team name, sales region) of the 18 sales teams."""
    return [
        (f"{region}销售{ORDINALS[n]}部", region)
        for region, count in SALES_TEAMS
        for n in range(count)
    ]


def roster(taken: set[str]) -> list[Member]:
    """199 users (the administrator makes 200); usernames already `taken` get a suffix."""
    rng = random.Random(demo_data.ROSTER_SEED)
    names: set[str] = set()
    usernames = set(taken)

    def member(role: str, team: str) -> Member:
        surname, given = demo_data.person_name(rng)
        while surname + given in names:
            surname, given = demo_data.person_name(rng)
        names.add(surname + given)
        family, personal = demo_data.name_pinyin(surname, given)
        base = username = f"{USERNAME_PREFIX}{family}.{personal}"
        suffix = 1
        while username in usernames:
            suffix += 1
            username = f"{base}{suffix}"
        usernames.add(username)
        return Member(username, surname + given, role, team, demo_data.mobile(rng))

    members = []
    for team, _region in team_names():
        members.append(member(Role.SALES_MANAGER, team))
        members.extend(member(Role.SALES, team) for _ in range(SALES_PER_TEAM))
    members.extend(member(Role.SERVICE, SERVICE_TEAM) for _ in range(SERVICE_USERS))
    members.extend(member(Role.CUSTOMER_SUCCESS, SUCCESS_TEAM) for _ in range(SUCCESS_USERS))
    return members


def owner_weights(count: int, seed: int) -> list[float]:
    """Zipf-like weights over `count` owners in a seeded order (big owners in every team)."""
    ranks = list(range(count))
    random.Random(f"{seed}:owners").shuffle(ranks)
    return [1 / (rank + 1 + ZIPF_OFFSET) for rank in ranks]


def largest_owner_share(count: int) -> float:
    total = sum(1 / (rank + 1 + ZIPF_OFFSET) for rank in range(count))
    return (1 / (1 + ZIPF_OFFSET)) / total
