"""The customer overview: what a user's own scope looks like, in a few aggregate queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User

from .choices import Level, Stage, Status
from .models import Customer, Industry

FLAGS = (
    ("flag_complaint", _("投诉")),
    ("flag_churn_risk", _("流失风险")),
    ("flag_contract_expiring", _("合同到期")),
    ("flag_to_verify", _("信息待核实")),
    ("flag_long_inactive", _("长期无合作")),
)
MONTHS = 12
TOP_INDUSTRIES = 10


def _months_back(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    year, month = first.year, first.month
    for _step in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def overview(user: User, today: date | None = None) -> dict[str, Any]:
    """Counts by stage, level, status, flag and month created (last twelve months) in one
    query, and the top industries in another, all within the user's scope."""
    today = today or timezone.localdate()
    scope = Customer.objects.visible_to(user)
    buckets: dict[str, Any] = {"total": Count("id")}
    for value in Stage.values:
        buckets[f"stage_{value}"] = Count("id", filter=Q(stage=value))
    for value in Level.values:
        buckets[f"level_{value}"] = Count("id", filter=Q(level=value))
    for value in Status.values:
        buckets[f"status_{value}"] = Count("id", filter=Q(status=value))
    for flag, _label in FLAGS:
        buckets[flag] = Count("id", filter=Q(**{flag: True}))
    # months as ranges of local midnights: plain comparisons, no per-row date truncation
    months = _months_back(today, MONTHS)
    edges = [_local_midnight(m) for m in months] + [_local_midnight(_next_month(months[-1]))]
    for i in range(MONTHS):
        buckets[f"month_{i}"] = Count(
            "id", filter=Q(created_at__gte=edges[i], created_at__lt=edges[i + 1])
        )
    counts = scope.order_by().aggregate(**buckets)

    sections = (
        scope.exclude(industry=None)
        .order_by()
        .annotate(section=Coalesce("industry__parent_id", "industry_id"))
        .values("section")
        .annotate(n=Count("id"))
        .order_by("-n", "section")[:TOP_INDUSTRIES]
    )
    rows = list(sections)
    codes = [r["section"] for r in rows]
    names = dict(Industry.objects.filter(code__in=codes).values_list("code", "name"))
    return {
        "total": counts["total"],
        "stages": [(v, str(label), counts[f"stage_{v}"]) for v, label in Stage.choices],
        "levels": [(v, str(label), counts[f"level_{v}"]) for v, label in Level.choices],
        "statuses": [(v, str(label), counts[f"status_{v}"]) for v, label in Status.choices],
        "flags": [(flag, str(label), counts[flag]) for flag, label in FLAGS],
        "industries": [(r["section"], names.get(r["section"], "—"), r["n"]) for r in rows],
        "months": [(f"{m.year}-{m.month:02d}", counts[f"month_{i}"]) for i, m in enumerate(months)],
    }


CACHE_SECONDS = 300


def scope_key(user: User) -> str:
    """One cache entry per distinct scope: everyone who sees every customer shares one."""
    from crm.accounts import policy

    return "all" if not policy.customer_scope(user) else f"user{user.pk}"


def cached_overview(user: User) -> dict[str, Any]:
    """`overview` for the page, kept CACHE_SECONDS per scope and language: the aggregates scan
    the whole scope (60-70 ms at 10,000 customers), and a chart need not be to the second.
    The result says when it was computed."""
    from django.core.cache import cache
    from django.utils import translation

    today = timezone.localdate()
    key = f"customers:overview:v1:{scope_key(user)}:{translation.get_language()}:{today}"

    def compute() -> dict[str, Any]:
        return {**overview(user, today), "computed_at": timezone.now()}

    return cast("dict[str, Any]", cache.get_or_set(key, compute, CACHE_SECONDS))
