"""The bigram search table (SearchGram): the customer list's substring search served by an index.

Every customer has one row per distinct two-character piece (case-folded) of its texts: name,
short name, number, pinyin and initials, and its contacts' names, pinyin and initials; plus
one row per distinct four-digit phone tail of its contacts (a private-use character encodes
the tail, so it never collides with a piece of text). A query of two or more characters
finds its candidates by the primary key (gram, customer): the customers having every piece
of the query; `CustomerQuerySet.search` then checks the candidates with the exact predicates,
so the answer is what a scan would give. A one-character query has no piece: it scans (see
docs/performance.md, "Search index", for why no one-character rows are kept).

Written only here: the services call `add` (new customers, a new contact) and `refresh`
(changed texts); `rebuild` is the bulk builder (the migration and `crm demo --scale`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from crm.contacts.models import Contact

    from .models import Customer

TAIL_DIGITS = 4  # the phone tail (手机尾号) every viewer may search; see contact_phone_match
TAIL_BASE = 0xF0000  # Supplementary Private Use Area-A: chr(TAIL_BASE + tail) is a tail's row
# Digit pairs are few (100) and every number has many: a run of digits also gives its
# four-digit windows, chr(WINDOW_BASE + window), so a number is looked up by a rare piece.
WINDOW_BASE = TAIL_BASE + 10_000
_DIGIT_RUN = re.compile(r"[0-9]{4,}")
MAX_QUERY_GRAMS = 6  # a longer query is looked up by its six rarest pieces, then checked
COUNT_CAP = 2_000  # rows counted per piece to choose the rarest (see _rarest)
BATCH = 5_000  # customers read, pieced and written at a time by `rebuild`

CUSTOMER_TEXTS = ("name", "short_name", "number", "name_pinyin", "name_initials")
CONTACT_TEXTS = ("name", "name_pinyin", "name_initials")
CONTACT_PHONES = ("mobile", "phone_digits")
TABLE = "customers_searchgram"

# Pieces most customers share (legal forms, big cities, common pinyin pairs; chosen by hand):
# they are checked last. The lookup itself starts from the rarest piece, counted (_rarest).
FREQUENT = frozenset((
    "有限", "限公", "公司", "责任", "任公", "股份", "份有", "有责", "集团", "团有",
    "科技", "技有", "贸易", "易有", "北京", "上海", "深圳", "广州", "杭州", "成都",
    "武汉", "南京", "苏州", "天津", "重庆", "西安", "实业", "业有", "服务", "务有",
    "信息", "息技", "技术", "术有", "发展", "展有",
    "yo", "ou", "ux", "xi", "ia", "an", "ng", "go", "on", "gs", "si", "ji", "ke", "ha", "ya", "en",
    "in", "uo", "ao", "ai", "ua", "ui", "he", "hi", "zh", "sh", "ch", "ye", "ie", "yi", "li", "iy",
    "ny", "gj", "gy", "xg", "yx", "gx", "kj", "jy",
))  # fmt: skip


# --- pieces ------------------------------------------------------------------------------


def tail_gram(digits: str) -> str | None:
    """The row of a phone number's last four digits (None: too short or not digits)."""
    tail = digits[-TAIL_DIGITS:]
    if len(tail) == TAIL_DIGITS and tail.isdecimal():
        return chr(TAIL_BASE + int(tail))
    return None


def bigrams(text: str) -> set[str]:
    """The distinct two-character pieces of `text`, case-folded; none spans a space; and
    each four-digit window of a run of digits (0-9) as one private-use character."""
    folded = text.casefold()
    pieces = set(map(operator.add, folded, folded[1:]))
    found = {p for p in pieces if not (p[0].isspace() or p[1].isspace())}
    for run in _DIGIT_RUN.findall(folded):
        found.update(chr(WINDOW_BASE + int(run[i : i + 4])) for i in range(len(run) - 3))
    return found


def grams_for(texts: Iterable[str | None], phones: Iterable[str | None] = ()) -> set[str]:
    """A customer's rows: the pieces of its texts and the tails of its contacts' phones."""
    grams = bigrams("\n".join(t for t in texts if t))
    for number in phones:
        tail = tail_gram(number) if number else None
        if tail is not None:
            grams.add(tail)
    return grams


def customer_texts(customer: Customer) -> tuple[str, ...]:
    return tuple(getattr(customer, name) for name in CUSTOMER_TEXTS)


def contact_texts(contact: Contact) -> tuple[str, ...]:
    return tuple(getattr(contact, name) for name in (*CONTACT_TEXTS, *CONTACT_PHONES))


def _rank(gram: str) -> int:
    if len(gram) == 1:
        return 0  # a window of digits
    if gram in FREQUENT:
        return 3
    if not gram.isascii():
        return 0  # Chinese: the rarest pieces
    if gram.isdigit():
        return 2  # dates and sequence numbers in every customer number
    return 1


def query_grams(q: str) -> list[str] | None:
    """The pieces a query is looked up by, rarest first (None: a query shorter than a piece)."""
    folded = q.casefold()
    grams = list(dict.fromkeys(folded[i : i + 2] for i in range(len(folded) - 1)))
    for run in _DIGIT_RUN.findall(folded):
        grams.extend(chr(WINDOW_BASE + int(run[i : i + 4])) for i in range(len(run) - 3))
    grams = list(dict.fromkeys(grams))
    if not grams:
        return None
    grams.sort(key=_rank)  # stable: equally rare pieces keep the query's order
    return grams[:MAX_QUERY_GRAMS]


def candidates(q: str, *, phone: bool = False) -> QuerySet[Any] | None:
    """A subquery of customer ids: the customers having every piece of `q` (and, with
    `phone`, those with a contact whose phone ends in q's last four digits). None: the index
    cannot serve the query (one character, or a tail of digits that are not 0-9)."""
    from .models import SearchGram

    grams = query_grams(q)
    if grams is None:
        return None
    driver: Any = grams[0] if len(grams) == 1 else _rarest(grams)
    having = SearchGram.objects.filter(gram=driver).filter(
        *(
            Exists(SearchGram.objects.filter(gram=g, customer_id=OuterRef("customer_id")))
            for g in (grams if len(grams) > 1 else ())
        )
    )
    found = having.values("customer_id")
    if phone:
        tail = tail_gram(q)
        if tail is None:
            return None
        found = found.union(SearchGram.objects.filter(gram=tail).values("customer_id"))
    return found


def _rarest(grams: list[str]) -> RawSQL:
    """The piece with the fewest rows, counted up to COUNT_CAP each by the primary key (so at
    most a few thousand index entries), ties to the first: a scalar subquery, computed once
    by the database, that the lookup starts from. The remaining pieces are checked per row."""
    arms = " UNION ALL ".join(
        f'SELECT %s AS g, {i} AS pos, (SELECT COUNT(*) FROM (SELECT 1 FROM "{TABLE}" '  # noqa: S608
        "WHERE gram = %s LIMIT %s) AS c) AS n"
        for i in range(len(grams))
    )
    params = [value for g in grams for value in (g, g, COUNT_CAP)]
    sql = f"SELECT g FROM ({arms}) AS v ORDER BY n, pos LIMIT 1"  # noqa: S608 - no input
    return RawSQL(sql, params)  # noqa: S611 - the pieces are bound parameters


# --- upkeep (called by the services, inside their transaction) -----------------------------


def add(customers: Sequence[Customer], contacts: Sequence[Contact] = ()) -> None:
    """Rows for new customers (with their new contacts), or a new contact of a customer:
    pieces from the objects in memory, inserted with conflicts ignored. One query."""
    texts: dict[int, list[str]] = {c.pk: list(customer_texts(c)) for c in customers}
    phones: dict[int, list[str]] = {c.pk: [] for c in customers}
    for contact in contacts:
        texts.setdefault(contact.customer_id, []).extend(
            getattr(contact, name) for name in CONTACT_TEXTS
        )
        phones.setdefault(contact.customer_id, []).extend(
            getattr(contact, name) for name in CONTACT_PHONES
        )
    rows = [(g, pk) for pk, ts in texts.items() for g in grams_for(ts, phones.get(pk, ()))]
    _insert(rows)


def refresh(customer_ids: Iterable[int]) -> None:
    """Recompute the rows of these customers from their stored texts (after a rename, a
    contact changed, deleted or moved): read, delete, insert. Three queries."""
    from .models import Customer, SearchGram

    ids = sorted(set(customer_ids))
    if not ids:
        return
    rows = list(_rows(_read(Customer, Q(pk__in=ids))))
    SearchGram.objects.filter(customer_id__in=ids).delete()
    _insert(rows)


def _insert(rows: list[tuple[str, int]]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            grams, ids = zip(*rows, strict=True)
            cursor.execute(
                f'INSERT INTO "{TABLE}" (gram, customer_id) '  # noqa: S608
                "SELECT * FROM unnest(%s::varchar[], %s::bigint[]) ON CONFLICT DO NOTHING",
                [list(grams), list(ids)],
            )
        else:
            cursor.executemany(
                f'INSERT INTO "{TABLE}" (gram, customer_id) VALUES (%s, %s) '  # noqa: S608
                "ON CONFLICT DO NOTHING",
                rows,
            )


# --- reading texts ---------------------------------------------------------------------------


def _read(customer_model: type[models.Model], where: Q) -> Any:
    """Each customer's texts with each of its contacts' (one row per contact, or one with
    None for a customer without contacts), in customer order: one query."""
    contact = [f"contacts__{name}" for name in (*CONTACT_TEXTS, *CONTACT_PHONES)]
    return (
        customer_model._default_manager.filter(where)
        .order_by("pk")
        .values_list("pk", *CUSTOMER_TEXTS, *contact)
    )


def _rows(read: Iterable[tuple[Any, ...]]) -> Iterator[tuple[str, int]]:
    width, first_phone = 1 + len(CUSTOMER_TEXTS), 1 + len(CUSTOMER_TEXTS) + len(CONTACT_TEXTS)
    for pk, group in groupby(read, key=operator.itemgetter(0)):
        texts: list[str] = []
        phones: list[str] = []
        for row in group:
            if not texts:
                texts.extend(row[1:width])
            if row[width] is not None:  # a contact's name is never NULL: None is no contact
                texts.extend(row[width:first_phone])
                phones.extend(row[first_phone:])
        for gram in grams_for(texts, phones):
            yield gram, pk


# --- the bulk builder ----------------------------------------------------------------------


def rebuild(ids: Iterable[int] | range | None = None, *, apps: Any = None) -> int:
    """Write the rows of every customer (None) or of these ids; answers the rows written.

    Customers are read BATCH at a time (their contacts joined, in id order), pieced here and
    written in bulk: SQLite executemany, PostgreSQL COPY. A full rebuild empties the table and
    drops its secondary index (on PostgreSQL the primary key too) while it loads, building
    them once after; then the planner's statistics are refreshed. `apps` is a migration's
    app registry (the historical models)."""
    if apps is not None:
        customer_model = apps.get_model("customers", "Customer")
    else:
        from .models import Customer as customer_model
    full = ids is None
    written = 0
    with transaction.atomic():
        dropped = _empty(full, ids)
        for where in _batches(customer_model, ids):
            rows = list(_rows(_read(customer_model, where)))
            _write(rows)
            written += len(rows)
        _restore(dropped)
    _analyze(full)
    return written


def _batches(customer_model: type[models.Model], ids: Iterable[int] | range | None) -> Iterator[Q]:
    if ids is None or (isinstance(ids, range) and ids.step == 1):
        manager = customer_model._default_manager
        bounds = manager.aggregate(lo=models.Min("pk"), hi=models.Max("pk"))
        if bounds["lo"] is None:
            return
        lo, hi = bounds["lo"], bounds["hi"]
        if isinstance(ids, range):
            lo, hi = max(lo, ids.start), min(hi, ids.stop - 1)
        for start in range(lo, hi + 1, BATCH):
            yield Q(pk__gte=start, pk__lte=min(hi, start + BATCH - 1))
        return
    chosen = sorted(set(ids))
    for start in range(0, len(chosen), BATCH):
        yield Q(pk__in=chosen[start : start + BATCH])


def _empty(full: bool, ids: Iterable[int] | range | None) -> list[str]:
    """Delete the rows about to be written; for a full rebuild drop the indexes (their DDL
    is answered, to build them again after the load)."""
    with connection.cursor() as cursor:
        if not full:
            chosen = ids if isinstance(ids, range) else sorted(set(ids or ()))
            if isinstance(chosen, range) and chosen.step == 1:
                cursor.execute(
                    f'DELETE FROM "{TABLE}" WHERE customer_id >= %s AND customer_id < %s',  # noqa: S608
                    [chosen.start, chosen.stop],
                )
            else:
                for start in range(0, len(chosen), BATCH):
                    part = list(chosen[start : start + BATCH])
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(
                        f'DELETE FROM "{TABLE}" WHERE customer_id IN ({marks})',  # noqa: S608
                        part,
                    )
            return []
        if connection.vendor == "postgresql":
            cursor.execute(f'TRUNCATE "{TABLE}"')
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'",
                [TABLE],
            )
            key = []
            for name, ddl in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "{name}"')
                key.append(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {ddl}')
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE]
            )
            indexes = cursor.fetchall()
        else:
            cursor.execute(f'DELETE FROM "{TABLE}"')  # noqa: S608
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [TABLE],
            )
            indexes, key = cursor.fetchall(), []
        for name, _ddl in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [*key, *(ddl for _name, ddl in indexes)]


def _write(rows: list[tuple[str, int]]) -> None:
    if not rows:
        return
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        data = "".join(f"{gram.replace(chr(92), chr(92) * 2)}\t{pk}\n" for gram, pk in rows)
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{TABLE}" (gram, customer_id) FROM STDIN') as copy,
        ):
            copy.write(data)
    else:
        raw.executemany(f'INSERT INTO "{TABLE}" (gram, customer_id) VALUES (?, ?)', rows)  # noqa: S608


def _restore(ddl: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in ddl:
            cursor.execute(statement)


def _analyze(full: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            vacuum = full and not connection.in_atomic_block  # index-only scans want the map
            cursor.execute(f'{"VACUUM ANALYZE" if vacuum else "ANALYZE"} "{TABLE}"')
        elif full:
            cursor.execute(f'ANALYZE "{TABLE}"')
