"""PostgreSQL backend (asyncpg), selected by `DATABASE_URL=postgresql://…`.

The same surface as the SQLite `Database` (bot/storage/sql.py: `SqlDatabase`) with the same
transaction ownership: a transaction belongs to the task that opened it and runs on its own
pooled connection; a transaction opened inside it joins it; a write from another task (a
single statement or a transaction) waits until it ends. Reads outside a transaction use any
pooled connection and see committed data. Repository SQL is the same text as on SQLite,
its `?` placeholders numbered for asyncpg (`sql.to_numbered`). The schema version is the
`schema_version` table; migrations are `migrations/pg/NNN_*.sql`, numbered and named as
SQLite's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.database import BUSY_TIMEOUT_MS, latest_version, migrations
from bot.storage.filecheck import DatabaseFileError
from bot.storage.sql import POSTGRESQL, Dialect, PostgresDialect, Query, Row, to_numbered

log = logging.getLogger(__name__)

POOL_MAX = 8
# pg_advisory_xact_lock key held while migrating, so two processes never migrate at once
_MIGRATION_LOCK = 0x4B696E646C696E67  # "Kindling"
_COUNT = re.compile(r"(\d+)$")
# the one shape of statement executemany sends in a single round trip (see _bulk_insert)
_INSERT_VALUES = re.compile(
    r"^INSERT INTO (\w+) \(([\w\s,]+)\) VALUES \(([?\s,]+)\)(.*)$", re.DOTALL
)
_UPDATE_TARGET = re.compile(r"ON CONFLICT \(([\w\s,]+)\) DO UPDATE")
BULK_MIN_ROWS = 8


class DatabaseUrlError(DatabaseFileError):
    """The PostgreSQL server named by DATABASE_URL cannot be used; the message says why."""


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


def _rowcount(status: str) -> int:
    """asyncpg's command status ('INSERT 0 3', 'UPDATE 2', 'DELETE 0') → rows affected."""
    match = _COUNT.search(status or "")
    return int(match.group(1)) if match else -1


async def _settled(operation: Any) -> Any:
    """Await a transaction statement to its end even when the caller is cancelled meanwhile
    (its outcome must be known before the connection goes back to the pool)."""
    done = asyncio.ensure_future(operation)
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await done
        raise


def _alive(conn: asyncpg.Connection) -> bool:
    """Is the connection still usable (a lost one is closed, or detached from its pool
    proxy, which then raises on every call)?"""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:
        return False


class PostgresDatabase:
    dialect: Dialect = PostgresDialect()

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._conn: asyncpg.Connection | None = None  # the owner's transaction connection
        self._column_types: dict[str, dict[str, str]] = {}

    @classmethod
    async def open(cls, url: str, *, max_size: int = POOL_MAX) -> PostgresDatabase:
        """Connect (a small pool) and migrate. DatabaseUrlError says what is wrong."""
        where = f"DATABASE_URL {redact(url)!r}"
        try:
            pool = await asyncpg.create_pool(
                dsn=url,
                min_size=1,
                max_size=max_size,
                # a write waits at most this long for another session's lock, as on SQLite
                server_settings={
                    "lock_timeout": str(BUSY_TIMEOUT_MS),
                    "application_name": "kindling",
                },
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise DatabaseUrlError(f"{where} cannot be opened: {exc}.") from None
        db = cls(pool, url)
        try:
            await db.migrate()
        except asyncpg.InsufficientPrivilegeError as exc:
            await pool.close()
            raise DatabaseUrlError(f"{where} cannot be written: {exc}.") from None
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.pool.close(), timeout=10)
        except TimeoutError:
            self.pool.terminate()

    # -- schema ---------------------------------------------------------------------------
    async def user_version(self) -> int:
        row = await self.fetchone(
            "SELECT version FROM schema_version"
            if await self._has_version_table()
            else "SELECT 0 AS version"
        )
        return int(row[0]) if row else 0

    async def _has_version_table(self) -> bool:
        row = await self.fetchone("SELECT to_regclass('schema_version') IS NOT NULL")
        return bool(row and row[0])

    async def migrate(self) -> int:
        """Apply every pending migration in one transaction (under an advisory lock, so
        processes starting together migrate once); returns the new version."""
        latest = latest_version(POSTGRESQL)
        async with self.transaction():
            conn = self._conn
            assert conn is not None  # noqa: S101 - set by transaction()
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            if not await self._has_version_table():
                others = await conn.fetchval(
                    "SELECT COUNT(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
                if others:
                    raise DatabaseUrlError(
                        f"DATABASE_URL {redact(self.url)!r} holds tables that are not "
                        "Kindling's (no schema_version table): point it at an empty database."
                    )
                await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            current = int(await conn.fetchval("SELECT version FROM schema_version"))
            if current > latest:
                raise DatabaseUrlError(
                    f"DATABASE_URL {redact(self.url)!r} holds schema version {current}, newer "
                    f"than this Kindling's {latest}: upgrade Kindling."
                )
            pending = [m for m in migrations(POSTGRESQL) if m[0] > current]
            for _version, name, sql in pending:
                log.info("applying migration %s (PostgreSQL)", name)
                await conn.execute(sql)  # a script: the simple query protocol runs it whole
            if pending:
                await conn.execute("UPDATE schema_version SET version = $1", pending[-1][0])
        return pending[-1][0] if pending else current

    # -- transactions ---------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        """Does the current task hold the open transaction?"""
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self.in_transaction:
            yield  # joins the transaction this task already holds
            return
        async with self._write_lock:
            conn: asyncpg.Connection = await self.pool.acquire()
            self._owner = asyncio.current_task()
            self._conn = conn
            try:
                await _settled(conn.execute("BEGIN"))
                yield
                await _settled(conn.execute("COMMIT"))
            except BaseException:
                # also when BEGIN or COMMIT was cancelled or failed: the connection goes back
                # to the pool outside any transaction. A connection lost (even during COMMIT,
                # whose outcome is then unknown: a batch written again is applied once, see
                # TrackingStore.write_batch) is already detached from its proxy, whose every
                # call raises: the error that ended the transaction is the one raised
                with contextlib.suppress(Exception):
                    if conn.is_in_transaction():
                        await asyncio.shield(conn.execute("ROLLBACK"))
                raise
            finally:
                self._owner = None
                self._conn = None
                await asyncio.shield(self.pool.release(conn))

    @property
    def connection(self) -> asyncpg.Connection:
        """The task's transaction connection (for PostgreSQL-only work in bot/storage, such
        as COPY in migrate-db)."""
        if self._conn is None or not self.in_transaction:
            raise RuntimeError("only inside the task's open transaction")
        return self._conn

    @asynccontextmanager
    async def savepoint(self, name: str) -> AsyncIterator[None]:
        """Inside the task's transaction: on an error, what was done since is undone (the
        transaction goes on) and the error propagates."""
        conn = self._conn
        if conn is None or not self.in_transaction:
            raise RuntimeError("a savepoint needs the task's open transaction")
        await conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            try:
                await asyncio.shield(conn.execute(f"ROLLBACK TO SAVEPOINT {name}"))
                await asyncio.shield(conn.execute(f"RELEASE SAVEPOINT {name}"))
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                # the connection is gone: the error that got here says so, and the
                # transaction fails with it
                if _alive(conn):
                    raise
            raise
        await conn.execute(f"RELEASE SAVEPOINT {name}")

    @asynccontextmanager
    async def advisory_lock(self, key: int) -> AsyncIterator[None]:
        """A PostgreSQL session advisory lock: one holder at a time across every process
        and connection using this database (e.g. shards that must not do a job twice)."""
        conn: asyncpg.Connection = await self.pool.acquire()
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", key)
            try:
                yield
            finally:
                await asyncio.shield(conn.execute("SELECT pg_advisory_unlock($1)", key))
        finally:
            await asyncio.shield(self.pool.release(conn))

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[asyncpg.Connection | asyncpg.Pool]:
        """Where a write goes: the task's transaction, or (after another task's transaction
        ended) any pooled connection in autocommit."""
        if self.in_transaction and self._conn is not None:
            yield self._conn
            return
        async with self._write_lock:
            yield self.pool

    def _reader(self) -> asyncpg.Connection | asyncpg.Pool:
        return self._conn if self.in_transaction and self._conn is not None else self.pool

    # -- statements -----------------------------------------------------------------------
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._writing() as target:
            status = await target.execute(to_numbered(sql), *params)
        return _rowcount(str(status))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if not batch:
            return
        bulk = await self._bulk_insert(sql, batch) if len(batch) >= BULK_MIN_ROWS else None
        async with self._writing() as target:
            if bulk is not None:
                await target.execute(bulk[0], *bulk[1])
            else:
                await target.executemany(to_numbered(sql), batch)

    async def _bulk_insert(
        self, sql: str, rows: list[Sequence[Any]]
    ) -> tuple[str, list[list[Any]]] | None:
        """`INSERT INTO t (cols) VALUES (?, …) [ON CONFLICT …]` of many rows as one
        statement, `INSERT INTO t (cols) SELECT * FROM unnest($1::type[], …) [ON CONFLICT
        …]`, each parameter a column of the rows: the same rows in the same order, in one
        round trip instead of one per row (the write-behind batches are thousands of rows).
        None (row by row) for any other statement, and for an upsert whose batch holds a
        key twice (one statement cannot update a row twice; row by row the later wins)."""
        match = _INSERT_VALUES.match(sql)
        if match is None or "?" in match.group(4):
            return None
        table, rest = match.group(1), match.group(4)
        columns = [c.strip() for c in match.group(2).split(",")]
        if match.group(3).count("?") != len(columns) or any(len(r) != len(columns) for r in rows):
            return None
        target = _UPDATE_TARGET.search(rest)
        if target is not None:
            key = [columns.index(c.strip()) for c in target.group(1).split(",")]
            if len({tuple(r[i] for i in key) for r in rows}) != len(rows):
                return None
        types = await self._types_of(table)
        if any(c not in types for c in columns):
            return None
        arrays = ", ".join(f"${i}::{types[c]}[]" for i, c in enumerate(columns, start=1))
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - catalog names only
            f"SELECT * FROM unnest({arrays}){rest}"
        )
        return statement, [list(column) for column in zip(*rows, strict=True)]

    async def _types_of(self, table: str) -> dict[str, str]:
        """Column → its SQL type, from the catalog (once per table)."""
        known = self._column_types.get(table)
        if known is None:
            rows = await self._reader().fetch(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                table,
            )
            known = {str(r[0]): str(r[1]) for r in rows}
            self._column_types[table] = known
        return known

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows = await self._reader().fetch(to_numbered(sql), *params)
        return list(rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self._reader().fetchrow(to_numbered(sql), *params)
        return row

    async def fetch_many(self, queries: Sequence[Query]) -> list[list[Row]]:
        """Several reads on one connection, one after the other (as SQLite's)."""
        if self.in_transaction and self._conn is not None:
            return [list(await self._conn.fetch(to_numbered(q), *p)) for q, p in queries]
        async with self.pool.acquire() as conn:
            return [list(await conn.fetch(to_numbered(q), *p)) for q, p in queries]
