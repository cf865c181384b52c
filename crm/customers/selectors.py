"""Reads for pages: always start from visible_to(user), already prefetched."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Q, QuerySet

from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.audit.selectors import customer_timeline
from crm.core.errors import NotFound

from .models import Customer, Tag

PAGE = 50  # list rows per keyset page
TIMELINE_PAGE = 20  # timeline entries per page (the customer page, then 加载更多)


# Sortable columns of the list page: URL name -> model path (the id breaks ties).
SORTS: dict[str, str] = {
    "number": "number",
    "name": "name_key",
    "industry": "industry_id",
    "region": "region_id",
    "level": "level",
    "stage": "stage",
    "status": "status",
    "owner": "owner_id",  # groups each owner's customers; uses the (owner, id) index
    "last_contacted": "last_contacted_at",
    "created": "created_at",
    "id": "id",
}
DEFAULT_SORT = "-id"
COUNT_CAP = 1000  # the list says "1000+" beyond this instead of counting every row
# The columns the list page shows (and what their labels need): a row is built from these
# only, not from the archive's ~50 fields.
LIST_COLUMNS = (
    "number",
    "name",
    "short_name",
    "level",
    "stage",
    "status",
    "last_contacted_at",
    "industry__name",
    "region__name",
    "region__parent_id",
    "region__parent__name",
    "owner__full_name",
    "owner__username",
    "source__name",
)


@dataclass
class ListPage:
    rows: list[Customer]
    filterset: Any
    sort: str
    next_cursor: str | None = None
    prev_cursor: str | None = None
    count: int | None = 0  # capped at COUNT_CAP + 1; None: more than one page, counted later
    capped: bool = False


def parse_sort(value: str) -> str:
    """A sort from the URL (`name`, `-last_contacted`); anything unknown means the default."""
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, pk], ensure_ascii=False, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int] | None:
    """The (sort value, id) a cursor carries, or None for anything malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["t"])
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
            return None
        if value is not None and not isinstance(value, str | int | datetime):
            return None
        return value, pk
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def _keyset(path: str, descending: bool, value: Any, pk: int, backwards: bool = False) -> Q:
    """Rows after (or, backwards, before) the cursor (value, pk) in the list's order:
    `path` ascending or descending with nulls last, then id in the same direction."""
    beyond = "lt" if descending != backwards else "gt"
    null, same_id = Q(**{f"{path}__isnull": True}), Q(**{f"id__{beyond}": pk})
    if backwards:
        if value is None:  # before a trailing null: every non-null row, and earlier nulls
            return ~null | (null & same_id)
        return Q(**{f"{path}__{beyond}": value}) | Q(**{path: value, f"id__{beyond}": pk})
    if value is None:  # already among the trailing nulls
        return null & same_id
    return Q(**{f"{path}__{beyond}": value}) | Q(**{path: value, f"id__{beyond}": pk}) | null


def _ordering(path: str, descending: bool, *, backwards: bool) -> list[Any]:
    """ORDER BY `path` then id: nulls last going forwards (first going backwards, the page
    is flipped back). A NOT NULL column gets no NULLS clause, so PostgreSQL walks its index
    (`id DESC NULLS LAST` does not match the primary key's order: a scan and sort of every
    row the user sees)."""
    if Customer._meta.get_field(path).null:
        nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
        first = F(path).desc(**nulls) if descending else F(path).asc(**nulls)
    else:
        first = F(path).desc() if descending else F(path).asc()
    return [first, "-id" if descending else "id"]


def _filtered(
    user: User, params: Any, base: QuerySet[Customer] | None = None
) -> tuple[Any, QuerySet[Customer] | None]:
    """The list's FilterSet over the user's customers (`base`: the page's row columns unless
    given) and its queryset (None when invalid)."""
    from .filters import CustomerFilter

    if base is None:
        base = (
            Customer.objects.visible_to(user)
            .with_list_data()
            .only(*LIST_COLUMNS)
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("name")))
        )
    filterset = CustomerFilter(params, queryset=base)
    filterset.user = user  # the viewer: full phone numbers match only where they see them
    if not filterset.is_valid():
        return filterset, None
    try:
        return filterset, filterset.qs
    except ValidationError as exc:
        filterset.form.add_error(None, exc.messages)
        return filterset, None


def filtered_customers(user: User, params: Any) -> QuerySet[Customer]:
    """Every customer the list shows for these filters (unpaged, unordered, nothing prefetched):
    what an export writes. Bad filter values raise ValidationError, per filter."""
    filterset, qs = _filtered(user, params, Customer.objects.visible_to(user))
    if qs is None:
        errors = filterset.form.errors.get_json_data()  # "__all__": the custom-field filters
        raise ValidationError({f: [e["message"] for e in found] for f, found in errors.items()})
    return qs


def list_chunks(qs: QuerySet[Customer], sort: str, size: int) -> Iterator[list[Customer]]:
    """All of `qs` in the list's order for `sort` (nulls last, then id), `size` rows at a
    time: keyset pages with the list's own cursor condition, so memory stays bounded and the
    rows are exactly those the pages show one after another."""
    descending, path = sort.startswith("-"), SORTS[sort.lstrip("-")]
    ordered = qs.annotate(_sort=F(path)).order_by(*_ordering(path, descending, backwards=False))
    page = ordered
    while True:
        rows: list[Customer] = list(page[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1]
        page = ordered.filter(_keyset(path, descending, last._sort, last.pk))  # type: ignore[attr-defined]


def customer_count(user: User, params: Any) -> tuple[int, bool] | None:
    """How many customers the filters find, counted up to COUNT_CAP + 1, and whether the cap
    was passed (the list page asks for it after showing its first rows)."""
    _filterset, qs = _filtered(user, params)
    if qs is None:
        return None
    count = qs.order_by()[: COUNT_CAP + 1].count()
    return count, count > COUNT_CAP


def customer_list(user: User, params: Any) -> ListPage:
    """One keyset page of the filtered, sorted list, with cursors both ways. A list that fits
    one page is counted by its rows; a longer one is counted apart (customer_count), so the
    page never waits for a scan of every matching row."""
    filterset, qs = _filtered(user, params)
    sort = parse_sort(params.get("sort", ""))
    page = ListPage(rows=[], filterset=filterset, sort=sort)
    if qs is None:
        return page
    descending, path = sort.startswith("-"), SORTS[sort.lstrip("-")]
    qs = qs.annotate(_sort=F(path))
    after = _decode(params.get("after", ""))
    before = None if after else _decode(params.get("before", ""))
    backwards = before is not None
    if after:
        qs = qs.filter(_keyset(path, descending, *after))
    elif before:
        qs = qs.filter(_keyset(path, descending, *before, backwards=True))
    # backwards walks the reverse order from the cursor, then the page is flipped back;
    # nulls stay last going forwards, so they come first going backwards
    qs = qs.order_by(*_ordering(path, descending != backwards, backwards=backwards))
    rows: list[Customer] = list(qs[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    if backwards:
        rows.reverse()
    page.rows = rows
    if rows:
        first, last = _encode(rows[0]._sort, rows[0].pk), _encode(rows[-1]._sort, rows[-1].pk)  # type: ignore[attr-defined]
        if backwards:
            page.prev_cursor, page.next_cursor = (first if more else None), last
        else:
            page.prev_cursor, page.next_cursor = (
                (first if after else None),
                (last if more else None),
            )
    paged = after is not None or backwards or more
    page.count = None if paged else len(rows)
    return page


def cursor_param(params: Any, name: str) -> int | None:
    """A keyset cursor (an id) from the query string; anything else means "from the top"."""
    value = params.get(name, "")
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


def customer_detail(user: User, pk: int) -> Customer:
    """The customer page's customer, or NotFound when missing or outside the user's scope."""
    qs = Customer.objects.visible_to(user).with_permissions(user).with_detail_data()
    customer = qs.prefetch_related("contacts").filter(pk=pk).first()
    if customer is None:
        raise NotFound()
    return customer


def timeline_page(
    customer: Customer, before: int | None = None, viewer: Any = None
) -> tuple[list[AuditEvent], Any]:
    qs: QuerySet[AuditEvent] = customer_timeline(customer, viewer).select_related("actor")
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: TIMELINE_PAGE + 1])
    more = len(rows) > TIMELINE_PAGE
    return rows[:TIMELINE_PAGE], (rows[TIMELINE_PAGE - 1].pk if more else None)


def reference_choices() -> dict[str, Any]:
    """Industry and region options for filters and pickers; reference data, cached for 10 min."""
    from django.core.cache import cache

    from .models import Industry, Region

    def build() -> dict[str, Any]:
        industries: dict[str, Any] = {}
        for code, name, parent in Industry.objects.order_by("code").values_list(
            "code", "name", "parent_id"
        ):
            if parent is None:
                industries[code] = {"code": code, "name": name, "children": []}
            elif parent in industries:
                industries[parent]["children"].append((code, name))
        provinces = list(
            Region.objects.filter(parent__isnull=True).order_by("code").values_list("code", "name")
        )
        return {"industries": list(industries.values()), "provinces": provinces}

    choices = cache.get_or_set("customers:reference-choices:v1", build, 600)
    return cast("dict[str, Any]", choices)


def filter_options(user: User, *, assignees: bool = False) -> dict[str, Any]:
    """What the list page's filter panel offers (a fixed number of small queries); with
    `assignees`, also whom `user` may make an owner (assignable_owners' answer, from the same
    read of the active users)."""
    from crm.accounts import policy
    from crm.accounts.models import Team

    from .models import CustomFieldDefinition, Source
    from .services.archive import OWNER_ROLES

    active = list(
        User.objects.filter(is_active=True)
        .order_by("team_id", "full_name", "username")
        .values_list("pk", "full_name", "username", "role", "team_id")
    )
    options = {
        **reference_choices(),
        "sources": list(Source.objects.order_by("position", "name").values_list("pk", "name")),
        "owners": [(pk, full_name or username) for pk, full_name, username, _, _ in active],
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "custom_fields": list(CustomFieldDefinition.objects.filter(is_active=True)),
        "assignees": [],
    }
    if assignees:
        teams = None if user.is_admin else set(policy.managed_team_ids(user))
        chosen = sorted(
            (row for row in active if row[3] in OWNER_ROLES and (teams is None or row[4] in teams)),
            key=lambda row: (row[1], row[2]),
        )
        options["assignees"] = [
            (pk, full_name or username) for pk, full_name, username, *_ in chosen
        ]
    return options


def custom_field_labels() -> dict[str, str]:
    """Active custom fields' labels by key, in their display order."""
    from .models import CustomFieldDefinition

    return dict(
        CustomFieldDefinition.objects.filter(is_active=True)
        .order_by("position", "pk")
        .values_list("key", "label")
    )


def assignable_owners(user: User) -> QuerySet[User]:
    """Who `user` may make a customer's owner: any owner-role user for admins, else own teams."""
    from crm.accounts import policy

    from .services.archive import OWNER_ROLES

    qs = User.objects.filter(is_active=True, role__in=OWNER_ROLES).order_by("full_name", "username")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=policy.managed_team_ids(user))


def custom_field_names() -> dict[str, str]:
    """Every custom field's label by key, retired ones included (the timeline names old values)."""
    from .models import CustomFieldDefinition

    return dict(CustomFieldDefinition.objects.values_list("key", "label"))
