"""What the bench measures against, read from the database before the server starts: a user of
each role from the scale roster (`crm demo --scale`, usernames s.*), the owner with the most
customers, a rich customer (most contacts, 20 timeline entries) and a plain one, and search
terms taken from a real customer's name and contact."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count

from crm.accounts import services as account_services
from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.pinyin import pinyin_keys
from crm.customers import services
from crm.customers.choices import Kind
from crm.customers.models import Customer
from crm.records.models import Record, Task

BRACKETS = re.compile(r"[(（][^)）]*[)）]")
PREFIX = "s."  # the scale roster (crm.customers.scale.plan.USERNAME_PREFIX)
BENCH_ADMIN = "s.bench.admin"  # the roster has no administrator whose password is known
ROLES = ("admin", "sales_manager", "sales", "service", "customer_success")
TIMELINE_ENTRIES = 20
SAMPLE_IDS = 400


class NotReady(Exception):
    """The database lacks what the bench needs (a message in Chinese for the user)."""


@dataclass
class Subjects:
    users: dict[str, User]  # role -> the user signed in for it
    agenda_user: User
    filters: dict[str, str]
    searches: dict[str, str]  # kind -> query
    rich: Customer
    plain: Customer
    visible_ids: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "records": Record.objects.count(),
        "tasks": Task.objects.count(),
        "users": User.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def vendor() -> str:
    return connection.vendor


def gather(password: str) -> Subjects:
    sales = _top_owner(role=Role.SALES)
    users = {
        "admin": _bench_admin(password),
        "sales_manager": _manager_of(sales),
        "sales": sales,
        "service": _first(Role.SERVICE),
        "customer_success": _first(Role.CUSTOMER_SUCCESS),
    }
    agenda_user = _top_owner(role=None)
    for user in {*users.values(), agenda_user}:
        if not user.check_password(password):
            raise NotReady(f"用户 {user.username} 的密码不是给定的密码(用 --password 指定)")
    rich, plain = _rich_customer(sales), _plain_customer(sales)
    ensure_timeline(sales, rich)
    return Subjects(
        users=users,
        agenda_user=agenda_user,
        filters=_filters(sales),
        searches=_searches(sales),
        rich=rich,
        plain=plain,
        visible_ids={role: _visible_ids(user) for role, user in users.items()},
        counts=counts(),
    )


def _roster() -> Any:
    return User.objects.filter(username__startswith=PREFIX, is_active=True)


def _top_owner(role: str | None) -> User:
    owners = Customer.objects.filter(owner__username__startswith=PREFIX)
    if role is not None:
        owners = owners.filter(owner__role=role)
    top = owners.values("owner").annotate(n=Count("id")).order_by("-n", "owner").first()
    if top is None:
        raise NotReady("库中没有规模演示数据的客户:先运行 crm demo --scale XS|S|M|L")
    return User.objects.get(pk=top["owner"])


def _first(role: str) -> User:
    user = _roster().filter(role=role).order_by("pk").first()
    if user is None:
        raise NotReady(f"规模演示数据中没有角色为 {role} 的用户")
    return user


def _manager_of(user: User) -> User:
    team = user.team
    if team is not None and team.manager is not None and team.manager.is_active:
        return team.manager
    return _first(Role.SALES_MANAGER)


def _bench_admin(password: str) -> User:
    """The bench's own administrator (created once, through the accounts service, audited)."""
    existing = User.objects.filter(username=BENCH_ADMIN).first()
    if existing is not None:
        return existing
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        raise NotReady("库中没有在职的管理员")
    return account_services.create_user(
        Actor(admin, "cli"),
        password=password,
        username=BENCH_ADMIN,
        full_name="基准测试管理员",
        role=Role.ADMIN,
    )


def _rich_customer(owner: User) -> Customer:
    """The owner's customer with the most contacts."""
    ranked = (
        Customer.objects.filter(owner=owner)
        .annotate(n=Count("contacts"))
        .order_by("-n", "id")
        .values_list("id", flat=True)
    )
    return Customer.objects.get(pk=ranked[0])


def _plain_customer(owner: User) -> Customer:
    """A customer of the owner with a single contact (the detail page's small case)."""
    ranked = (
        Customer.objects.filter(owner=owner)
        .annotate(n=Count("contacts"))
        .filter(n=1)
        .order_by("id")
        .values_list("id", flat=True)
    )
    pk = ranked.first() or Customer.objects.filter(owner=owner).order_by("id")[0].pk
    return Customer.objects.get(pk=pk)


def ensure_timeline(owner: User, customer: Customer) -> None:
    """Give the rich customer a full first timeline page: edits through the service (audited)."""
    have = AuditEvent.objects.filter(customer=customer).count()
    for i in range(have, TIMELINE_ENTRIES):
        fresh = Customer.objects.get(pk=customer.pk)
        services.update_customer(
            Actor(owner, "cli"), fresh, notes=f"基准测试准备:第 {i + 1} 次修改", reason="基准测试"
        )


def _filters(owner: User) -> dict[str, str]:
    """Owner + their most common (stage, industry section), sorted by last contact."""
    top = (
        Customer.objects.filter(owner=owner, industry__isnull=False)
        .values("stage", "industry__parent", "industry")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top is None:
        raise NotReady(f"用户 {owner.username} 名下没有客户")
    industry = top["industry__parent"] or top["industry"] or ""
    return {"owner": str(owner.pk), "stage": top["stage"], "industry": industry}


def _searches(owner: User) -> dict[str, str]:
    customer = (
        Customer.objects.filter(owner=owner, kind=Kind.ENTERPRISE)
        .exclude(contacts=None)
        .order_by("id")
        .first()
    ) or Customer.objects.filter(owner=owner).order_by("id").first()
    assert customer is not None
    core = brand(customer.name)
    contact = customer.contacts.exclude(mobile="").order_by("id").first()
    tail = contact.mobile[-4:] if contact is not None else "0000"
    return {
        "zh2": core[:2],
        "zh3": core[:3],
        "zh4": core[:4],
        "initials": pinyin_keys(core[:4])[1] or "kj",
        "phone_tail": tail,
    }


def brand(name: str) -> str:
    """A name without brackets and leading city (深圳市腾飞鑫科技有限公司 → 腾飞鑫科技有限公司)."""
    name = BRACKETS.sub("", name)
    head = name[:5]
    if "市" in head:
        return name[head.index("市") + 1 :] or name
    return name


def _visible_ids(user: User) -> list[int]:
    """Customers the user may open, spread over their scope (for the mixed load's details)."""
    qs = Customer.objects.visible_to(user).order_by("-id").values_list("id", flat=True)
    ids = list(qs[: SAMPLE_IDS * 5])
    return ids[:: max(1, len(ids) // SAMPLE_IDS)][:SAMPLE_IDS]
