"""Test personas and helpers shared by every app's tests (see conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from rest_framework.test import APIClient

from crm.accounts.choices import Role
from crm.accounts.models import Team, User
from crm.core.actor import Actor

PASSWORD = "Persona-pass-2026"  # noqa: S105 - test personas only


@dataclass
class Personas:
    """alice sales, bob same team, carol their manager, dave other team, erin service, admin."""

    alice: User
    bob: User
    carol: User
    dave: User
    erin: User
    admin: User
    team_a: Team
    team_b: Team

    def all(self) -> dict[str, User]:
        return {n: getattr(self, n) for n in ("alice", "bob", "carol", "dave", "erin", "admin")}


def make_user(username: str, role: str, team: Team | None, full_name: str, **extra: Any) -> User:
    user = User(
        username=username,
        role=role,
        team=team,
        full_name=full_name,
        is_staff=role == Role.ADMIN,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def ensure_reference_data() -> None:
    """Industries, regions, sources and the pipelines as the migrations load them.

    A transactional test's flush empties every table, reference data included; the next test
    in the same process gets it back here (two queries when it is already there).
    """
    from crm.customers import reference
    from crm.customers.models import Industry, Region, Source

    if not Region.objects.exists():
        reference.load(Industry, Region, Source)
    from crm.pipeline import reference as pipelines
    from crm.pipeline.models import Gate, Pipeline, Stage

    if not Pipeline.objects.exists():
        pipelines.load(Pipeline, Stage, Gate)


def make_personas() -> Personas:
    ensure_reference_data()
    team_a = Team.objects.create(name="华东销售一部")
    team_b = Team.objects.create(name="华南销售部")
    carol = make_user("carol", Role.SALES_MANAGER, team_a, "陈经理")
    team_a.manager = carol
    team_a.save()
    dave = make_user("dave", Role.SALES, team_b, "邓伟")
    return Personas(
        alice=make_user("alice", Role.SALES, team_a, "张爱丽"),
        bob=make_user("bob", Role.SALES, team_a, "白波"),
        carol=carol,
        dave=dave,
        erin=make_user("erin", Role.SERVICE, None, "尔琳"),
        admin=make_user("admin", Role.ADMIN, None, "管理员"),
        team_a=team_a,
        team_b=team_b,
    )


def actor(user: User, source: str = "web") -> Actor:
    return Actor(user, source)  # type: ignore[arg-type]


def api_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def run_in_parallel(work: Callable[[int], Any], count: int) -> list[Any]:
    """Run work(i) in `count` threads released together; collect results or exceptions.

    Each thread has its own database connection (closed at the end), so the writes really
    race; use with transactional tests.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def runner(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
