"""Bulk writers: SQLite executemany in one transaction per chunk, PostgreSQL COPY.

During the load secondary indexes of the loaded tables are dropped (created again after,
once, from the same DDL) and foreign keys are not checked row by row (SQLite
foreign_keys=OFF; PostgreSQL session_replication_role=replica, or the constraints dropped
and added back when the role is not a superuser): the generator keeps every reference
valid by construction, and the tests check them. SQLite runs with synchronous=OFF and an
in-memory journal for the load and goes back to the app's PRAGMAs after.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connection

from .tables import Table


def _literal(value: Any) -> str:
    """A constant as an SQL literal; quoted numbers and 0/1 coerce to the column's type."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


class Backend:
    vendor = ""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = {t.name: t for t in tables}
        self.indexes: list[tuple[str, str, str]] = []  # (table, name, DDL)
        self.index_seconds: dict[str, float] = {}

    def begin(self) -> None:
        raise NotImplementedError

    def write(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def end(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """After a failed load: the session back to normal checks (indexes stay dropped)."""

    def rebuild_indexes(self) -> None:
        with connection.cursor() as cursor:
            for table, _name, ddl in self.indexes:
                started = time.perf_counter()
                cursor.execute(ddl)
                label = next(t.name for t in self.tables.values() if t.db_table == table)
                self.index_seconds[label] = self.index_seconds.get(label, 0) + (
                    time.perf_counter() - started
                )


class SQLite(Backend):
    vendor = "sqlite"

    def begin(self) -> None:
        self.sql = {}
        for t in self.tables.values():
            names = ", ".join(f'"{n}"' for n in [*t.columns, *t.constants])
            values = ["?"] * len(t.columns) + [_literal(v) for v in t.constants.values()]
            # identifiers come from the models, constants are quoted literals of model defaults
            self.sql[t.name] = f'INSERT INTO "{t.db_table}" ({names}) VALUES ({", ".join(values)})'  # noqa: S608
        inside = connection.in_atomic_block  # a caller's transaction (tests): no PRAGMA switch
        with connection.cursor() as cursor:
            for pragma in () if inside else (
                "foreign_keys=OFF", "journal_mode=MEMORY", "synchronous=OFF",
                "cache_size=-1000000", "temp_store=MEMORY",
            ):  # fmt: skip
                cursor.execute(f"PRAGMA {pragma}")
            for t in self.tables.values():
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL",
                    [t.db_table],
                )
                for name, ddl in cursor.fetchall():
                    self.indexes.append((t.db_table, name, ddl))
                    cursor.execute(f'DROP INDEX "{name}"')

    def write(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            connection.connection.executemany(self.sql[name], rows)

    def abort(self) -> None:
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys=ON")

    def end(self) -> None:
        self.rebuild_indexes()
        with connection.cursor() as cursor:
            options = connection.settings_dict.get("OPTIONS", {})
            statements = str(options.get("init_command", "")).split(";")
            for statement in [] if connection.in_atomic_block else statements:
                if statement.strip():
                    cursor.execute(statement)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("ANALYZE")


class PostgreSQL(Backend):
    vendor = "postgresql"

    def begin(self) -> None:
        self.foreign_keys: list[tuple[str, str, str]] = []
        # Inside a caller's transaction (tests) that already wrote rows, ALTER TABLE is refused
        # ("pending trigger events"): plain COPY then, the constants in every row.
        self.inline = connection.in_atomic_block
        self.replica = False
        if self.inline:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.replica = bool(cursor.fetchone()[0])
            if self.replica:
                cursor.execute("SET session_replication_role = replica")
            for t in self.tables.values():
                self._drop_indexes(cursor, t)
                if not self.replica:
                    self._drop_foreign_keys(cursor, t)
                for column, value in t.constants.items():
                    cursor.execute(
                        f'ALTER TABLE "{t.db_table}" ALTER COLUMN "{column}" '
                        f"SET DEFAULT {_literal(value)}"
                    )

    def _drop_indexes(self, cursor: Any, t: Table) -> None:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass)",
            [t.db_table, t.db_table],
        )
        for name, ddl in cursor.fetchall():
            self.indexes.append((t.db_table, name, ddl))
            cursor.execute(f'DROP INDEX "{name}"')

    def _drop_foreign_keys(self, cursor: Any, t: Table) -> None:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [t.db_table],
        )
        for name, ddl in cursor.fetchall():
            self.foreign_keys.append((t.db_table, name, ddl))
            cursor.execute(f'ALTER TABLE "{t.db_table}" DROP CONSTRAINT "{name}"')

    def write(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        t = self.tables[name]
        names = [*t.columns, *t.constants] if self.inline else list(t.columns)
        cols = ", ".join(f'"{c}"' for c in names)
        extra = tuple(t.constants.values()) if self.inline else ()
        sql = f'COPY "{t.db_table}" ({cols}) FROM STDIN'
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *extra) if extra else row)

    def abort(self) -> None:
        if self.replica and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    def end(self) -> None:
        with connection.cursor() as cursor:
            for t in [] if self.inline else self.tables.values():
                for column in t.constants:
                    cursor.execute(
                        f'ALTER TABLE "{t.db_table}" ALTER COLUMN "{column}" DROP DEFAULT'
                    )
        self.rebuild_indexes()
        with connection.cursor() as cursor:
            for table, name, ddl in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {ddl}')
            if self.replica:
                cursor.execute("SET session_replication_role = DEFAULT")
            for t in self.tables.values():
                top = f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{t.db_table}"'  # noqa: S608
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({top}), false)",
                    [t.db_table],
                )
            cursor.execute("ANALYZE")


def for_connection(tables: Sequence[Table]) -> Backend:
    return PostgreSQL(tables) if connection.vendor == "postgresql" else SQLite(tables)
