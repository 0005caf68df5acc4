"""What both SQL backends share: the database surface repositories use, rows, and the few
SQL fragments whose spelling differs between SQLite and PostgreSQL.

Repository SQL is written once, portably: `?` placeholders (PostgreSQL's driver gets them
as `$1, $2, …`, see `to_numbered`), `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE SET x =
excluded.x` (SQLite ≥ 3.24 and PostgreSQL), integer 0/1 for flags, ISO dates as text and
times as integer microseconds. What cannot be spelled the same way (date arithmetic, JSON
search) comes from the backend's `Dialect`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import asyncpg

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


STORE_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)
"""Any error of either backend's driver."""

STORE_REFUSALS: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,  # a locked or full database file
    asyncpg.PostgresConnectionError,  # the server went away
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InsufficientResourcesError,  # a full disk, too many connections
    asyncpg.OperatorInterventionError,  # shutting down, cannot connect now
    asyncpg.LockNotAvailableError,  # lock_timeout
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)
"""Errors where the store refuses a write for now (a later retry may succeed), as opposed
to errors of the data or the SQL."""


# one read of several run in one round trip (fetch_many): a statement and its parameters
Query = tuple[str, Sequence[Any]]


class Row(Protocol):
    """A result row, read by position (SQLite's are tuples, PostgreSQL's asyncpg Records)."""

    def __getitem__(self, key: int, /) -> Any: ...
    def __len__(self) -> int: ...


class Dialect(Protocol):
    """SQL fragments that differ between the backends (each takes SQL expressions)."""

    name: str

    def days_before(self, day: str, days: str) -> str:
        """The ISO date text `days` (an integer expression) days before ISO date `day`."""
        ...

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from ISO date `earlier` to ISO date `later`, an integer."""
        ...

    def greatest(self, a: str, b: str) -> str:
        """The larger of two non-NULL values."""
        ...

    def least(self, a: str, b: str) -> str:
        """The smaller of two non-NULL values."""
        ...

    def json_member_match(self, column: str, keys: Sequence[str]) -> tuple[str, int]:
        """A condition true when the JSON text in `column` holds an integer equal to a
        parameter under one of `keys` (at any depth), or directly in an array under one of
        `keys` at the top level; returns (SQL, how many times the id is passed)."""
        ...


class SqliteDialect:
    name = SQLITE

    def days_before(self, day: str, days: str) -> str:
        return f"date({day}, '-' || ({days}) || ' days')"

    def days_between(self, later: str, earlier: str) -> str:
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def greatest(self, a: str, b: str) -> str:
        return f"MAX({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"MIN({a}, {b})"

    def json_member_match(self, column: str, keys: Sequence[str]) -> tuple[str, int]:
        names = ", ".join(f"'{k}'" for k in keys)
        paths = ", ".join(f"'$.{k}'" for k in keys)
        return (
            f"EXISTS (SELECT 1 FROM json_tree({column}) AS j WHERE j.type = 'integer' "  # noqa: S608
            f"AND j.atom = ? AND (j.key IN ({names}) OR j.path IN ({paths})))",
            1,
        )


class PostgresDialect:
    name = POSTGRESQL

    def days_before(self, day: str, days: str) -> str:
        # the text cast first: a parameter is then bound as the ISO text it is
        return f"to_char(CAST(CAST({day} AS text) AS date) - CAST({days} AS integer), 'YYYY-MM-DD')"

    def days_between(self, later: str, earlier: str) -> str:
        return f"(CAST(CAST({later} AS text) AS date) - CAST(CAST({earlier} AS text) AS date))"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})"

    def json_member_match(self, column: str, keys: Sequence[str]) -> tuple[str, int]:
        # lax `$.**` visits every object at any depth; `.type()` does not unwrap arrays, so
        # `@.member.type() == "number"` is an integer right under the key (as json_tree's
        # j.key); the strict `[*]` paths are array elements under a top-level key (j.path)
        under_key = " || ".join(f'(@.{k}.type() == "number" && @.{k} == $m)' for k in keys)
        in_array = [f'strict $.{k}[*] ? (@.type() == "number" && @ == $m)' for k in keys]
        doc = f"CAST({column} AS jsonb)"
        var = "jsonb_build_object('m', CAST(? AS bigint))"
        tests = [f"jsonb_path_exists({doc}, '$.** ? ({under_key})', {var}, true)"]
        tests += [f"jsonb_path_exists({doc}, '{p}', {var}, true)" for p in in_array]
        return "(" + " OR ".join(tests) + ")", len(tests)


class SqlDatabase(Protocol):
    """The surface repositories use; `Database` (SQLite) and `PostgresDatabase` provide it.

    A transaction belongs to the task that opened it: a transaction opened inside one the
    task already holds joins it, and a write from another task waits until it ends."""

    @property
    def dialect(self) -> Dialect: ...
    @property
    def in_transaction(self) -> bool: ...
    def transaction(self) -> AbstractAsyncContextManager[None]: ...
    def savepoint(self, name: str) -> AbstractAsyncContextManager[None]: ...
    def advisory_lock(self, key: int) -> AbstractAsyncContextManager[None]: ...
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    async def fetch_many(self, queries: Sequence[Query]) -> list[list[Row]]: ...
    async def user_version(self) -> int: ...
    async def close(self) -> None: ...


@functools.lru_cache(maxsize=1024)
def to_numbered(sql: str) -> str:
    """`?` placeholders → PostgreSQL's `$1, $2, …`, leaving `?` inside string literals,
    quoted identifiers and comments alone (jsonpath's `? (…)` lives in a literal)."""
    out: list[str] = []
    n = 0
    i = 0
    length = len(sql)
    while i < length:
        ch = sql[i]
        if ch in ("'", '"'):
            end = i + 1
            while end < length:
                if sql[end] == ch:
                    if end + 1 < length and sql[end + 1] == ch:  # a doubled quote
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = length if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = length if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)
