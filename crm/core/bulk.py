"""Bulk inserts for imports: many rows of one model in one prepared statement.

Django's `bulk_create` compiles every value of every row into one long SQL text; for a wide
model (the customer has some 50 columns) that compilation costs more than the database
work. `insert` prepares one row's statement once and hands all rows to `executemany`,
converting only the values that need it (dates, decimals, JSON, encrypted fields); plain
texts, numbers and booleans pass as they are. Primary keys are set on the objects, as
`bulk_create` does: on PostgreSQL taken from the table's sequence first; on SQLite read back
after the insert, which is exact because the write lock is held for the whole transaction
(IMMEDIATE) and new rows take consecutive ids.

Like `bulk_create`: no signals, no `save()`; runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router, transaction

PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BigIntegerField,
    models.PositiveBigIntegerField,
    models.SmallIntegerField,
    models.AutoField,
    models.BigAutoField,
)
BATCH = 1000


MEMOISED = (models.DateTimeField, models.DateField, models.DecimalField)


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    if type(field) in PASS_THROUGH or isinstance(field, models.ForeignKey):
        return None
    if isinstance(field, MEMOISED):  # rows written together share their moments: convert once
        seen: dict[Any, Any] = {}

        def memoised(value: Any) -> Any:
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return memoised
    return lambda value: field.get_db_prep_save(value, connection)


def insert(objs: Sequence[models.Model]) -> None:
    """Insert objects of one model; sets each object's primary key."""
    if not objs:
        return
    model = type(objs[0])
    using = router.db_for_write(model)
    connection = connections[using]
    assert transaction.get_connection(using).in_atomic_block, "insert runs in a transaction"
    meta = model._meta
    pk = meta.pk
    assert pk is not None and pk.column is not None
    fields = [f for f in meta.concrete_fields if f is not pk]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(objs)],
            )
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = value
        fields = [pk, *fields]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    plan = [(f.attname, _converter(f, connection)) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            chunk = objs[start : start + BATCH]
            rows = [
                [
                    convert(getattr(obj, attname)) if convert else getattr(obj, attname)
                    for attname, convert in plan
                ]
                for obj in chunk
            ]
            cursor.executemany(sql, rows)
            if connection.vendor != "postgresql":
                cursor.execute(f"SELECT MAX({quote(pk.column)}) FROM {quote(meta.db_table)}")  # noqa: S608
                last = int(cursor.fetchone()[0])
                for offset, obj in enumerate(chunk):
                    obj.pk = last - len(chunk) + 1 + offset
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
