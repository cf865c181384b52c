from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)

from crm.accounts import policy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from crm.accounts.models import User

PHONE_TAIL_DIGITS = 4  # 手机尾号: the last four digits, which every viewer sees unmasked


def contact_phone_match(q: str, user: User | AnonymousUser | None) -> Q | None:
    """A Q over Contact: mobile or office phone ends with the digits `q` (None: not a number).

    A four-digit tail matches for every viewer. A longer number matches only contacts whose
    numbers the viewer sees in full (admin, the personal grant, or editors of the customer;
    DOMAIN §2): otherwise a viewer shown `139****5678` could confirm a guessed full number by
    searching it. `user` None is an internal caller: no restriction. An anonymous user, none.
    """
    if not (q.isdigit() and len(q) >= PHONE_TAIL_DIGITS):
        return None
    match = Q(mobile__endswith=q) | Q(phone_digits__endswith=q)
    if len(q) == PHONE_TAIL_DIGITS or user is None:
        return match
    if user.is_authenticated and (user.is_admin or user.grant_personal):
        return match
    return match & policy.customer_edit_scope(user, prefix="customer__")  # type: ignore[arg-type]


def filterset_viewer(filterset: Any) -> User | AnonymousUser:
    """Whom a FilterSet searches for: its request's user (API), else a `user` attribute set on it
    (a page may build it without a request). Neither: an unknown viewer, as AnonymousUser."""
    from django.contrib.auth.models import AnonymousUser

    request = getattr(filterset, "request", None)
    user = (
        getattr(request, "user", None) if request is not None else getattr(filterset, "user", None)
    )
    return user or AnonymousUser()


def among_candidates(qs: models.QuerySet[Any], field: str, found: Any) -> models.QuerySet[Any]:
    """`qs` restricted to rows whose `field` is one of the search index's candidates `found`
    (a subquery): `= ANY(ARRAY(…))` on PostgreSQL (see AnyOf), `IN (…)` on SQLite."""
    if connections[qs.db].vendor == "postgresql":
        return qs.filter(AnyOf(field, found))
    return qs.filter(**{f"{field}__in": found})


class AnyOf(Func):
    """PostgreSQL `field = ANY(ARRAY(subquery))`: the subquery runs once (an InitPlan) and the
    rows are fetched by their index. With `field IN (subquery)` the planner walks the
    customers' primary key backwards for a page sorted by id, filtering every row until it
    has met the few candidates (see docs/performance.md, "Search index")."""

    output_field = BooleanField()

    def __init__(self, field: str, subquery: Any) -> None:
        super().__init__(F(field), Subquery(subquery))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        field, subquery = self.source_expressions
        lhs, lhs_params = compiler.compile(field)
        rhs, rhs_params = compiler.compile(subquery)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> CustomerQuerySet:
        return self.filter(policy.customer_scope(user))

    def editable_by(self, user: User | None) -> CustomerQuerySet:
        return self.filter(policy.customer_edit_scope(user))

    def with_permissions(self, user: User | None) -> CustomerQuerySet:
        """Annotate `can_edit` so serializers decide masking without a query per row."""
        scope = policy.customer_edit_scope(user)
        flag: Any = (
            Value(True)
            if not scope
            else Case(
                When(scope, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        return self.annotate(can_edit=flag)

    def with_list_data(self) -> CustomerQuerySet:
        return self.select_related("owner", "industry", "region__parent", "source")

    def with_detail_data(self) -> CustomerQuerySet:
        from .models import Address

        lookups = self._prefetch_related_lookups  # type: ignore[attr-defined]
        if any(getattr(p, "prefetch_to", p) == "addresses" for p in lookups):
            return self  # applied already (an API action re-reading its detail)
        return (
            self.with_list_data()
            .select_related("owner__team", "created_by")
            .prefetch_related(
                "tags",
                "collaborators",
                # the addresses with their city and province in the same query
                Prefetch("addresses", queryset=Address.objects.select_related("region__parent")),
            )
        )

    def search(self, text: str, user: User | AnonymousUser | None = None) -> CustomerQuerySet:
        """Name, short name, number, contact name, phone tail, pinyin full or initials.

        A contact's full number matches only where `user` sees it unmasked (contact_phone_match);
        user None (tests, internal callers) searches without that restriction.

        A query of two characters or more is served by the bigram table (search_index): the
        candidates having every piece of the query, checked by the predicates below, so the
        answer is the scan's. One SQL statement either way (semi-joins).
        """
        from crm.contacts.models import Contact
        from crm.core.pinyin import matches_pinyin_query

        from . import search_index

        q = "".join(text.split())
        if not q:
            return self
        match = Q(name__icontains=q) | Q(short_name__icontains=q) | Q(number__icontains=q)
        contact_match = Q(name__icontains=q)
        if matches_pinyin_query(q):
            low = q.lower()
            match |= Q(name_pinyin__contains=low) | Q(name_initials__contains=low)
            contact_match |= Q(name_pinyin__startswith=low) | Q(name_initials__startswith=low)
        phone = contact_phone_match(q, user)
        if phone is not None:
            contact_match |= phone
        found = search_index.candidates(q, phone=phone is not None)
        if found is None:  # one character: the contacts that match, found in one pass
            by_contact = Contact.objects.filter(contact_match).values("customer_id")
            return self.filter(match | Q(pk__in=by_contact))
        if connections[self.db].vendor == "postgresql":
            # the candidates' own contacts, read by the contact index (a few rows each)
            of_candidates = Contact.objects.filter(contact_match, AnyOf("customer_id", found))
            return self.filter(AnyOf("pk", found)).filter(
                match | Q(pk__in=of_candidates.values("customer_id"))
            )
        # SQLite drives from the candidates (IN), then each one's contacts by the index
        of_candidate = Contact.objects.filter(contact_match, customer_id=OuterRef("pk"))
        return self.filter(pk__in=found).filter(match | Exists(of_candidate))
