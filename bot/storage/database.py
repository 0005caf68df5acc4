"""SQLite: connection, pragmas and forward-only migrations (version in PRAGMA user_version).

The embedded default backend; `bot/storage/postgres.py` is the other one, with the same
surface (`bot/storage/sql.py`) and the same numbered migrations (`migrations/pg/`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.domain.timeutil import epoch_us, from_epoch_us
from bot.storage.filecheck import DatabaseFileError, check_database_file
from bot.storage.sql import SQLITE, Dialect, Query, Row, SqliteDialect

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
to_us = epoch_us
from_us = from_epoch_us


def migrations(dialect: str = SQLITE) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration file of a dialect, ascending. One numbered
    sequence: PostgreSQL's variants (`migrations/pg/`) carry the same numbers and names."""
    out = []
    folder = resources.files("bot.storage.migrations")
    if dialect != SQLITE:
        folder = folder.joinpath("pg")
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            out.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    out.sort()
    for expected, (version, name, _) in enumerate(out, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name} is out of sequence (expected {expected:03d})")
    return out


BUSY_TIMEOUT_MS = 2000


# PostgreSQL's "lock not available" (lock_timeout) and "deadlock detected"
_PG_BUSY_STATES = frozenset({"55P03", "40P01"})


def is_busy(error: BaseException) -> bool:
    """Is this 'another connection holds the lock' (transient)? SQLite's locked or busy
    database, or PostgreSQL's lock timeout or deadlock."""
    if getattr(error, "sqlstate", None) in _PG_BUSY_STATES:
        return True
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def latest_version(dialect: str = SQLITE) -> int:
    """The schema version this Kindling migrates to."""
    return migrations(dialect)[-1][0]


def split_statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise RuntimeError("migration ends with an incomplete statement")
    return statements


# run on the connection's thread (Database._run): a statement and its cursor's whole life
def _execute(sql: str, params: Sequence[Any], conn: sqlite3.Connection) -> int:
    cursor = conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _executemany(sql: str, rows: Iterable[Sequence[Any]], conn: sqlite3.Connection) -> None:
    conn.executemany(sql, rows).close()


def _fetchall(sql: str, params: Sequence[Any], conn: sqlite3.Connection) -> list[Row]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _fetchone(sql: str, params: Sequence[Any], conn: sqlite3.Connection) -> Row | None:
    cursor = conn.execute(sql, params)
    try:
        row: Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _fetch_many(queries: Sequence[Query], conn: sqlite3.Connection) -> list[list[Row]]:
    return [_fetchall(sql, params, conn) for sql, params in queries]


class Database:
    """One aiosqlite connection in autocommit mode; transactions are explicit.

    The connection is shared by every coroutine, so a transaction belongs to the task that
    opened it: while it is open, a write from another task waits for it to end instead of
    silently joining it (and being rolled back with it). A transaction opened inside one the
    task already holds joins the outer one, so a unit of work can call repositories that
    open their own.
    """

    dialect: Dialect = SqliteDialect()

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._advisory: dict[int, asyncio.Lock] = {}

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating and migrating) the database. The file is checked first
        (DatabaseFileError names DATABASE_PATH and what to do) and must prove writable."""
        path = str(path)
        check_database_file(path, latest_version())
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseFileError(f"DATABASE_PATH {path!r} cannot be opened: {exc}.") from None
        db = cls(conn, path)
        try:
            await db._prove_writable()
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            # a write waits at most this long for another program's lock, so a command that
            # writes still answers inside Discord's 3 s (the write-behind batch just retries)
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA temp_store=MEMORY")
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def _prove_writable(self) -> None:
        """A write lock taken and released: a read-only file, folder or disk fails here, at
        start, instead of the bot running and storing nothing."""
        try:
            await self.conn.execute("BEGIN IMMEDIATE")
            await self.conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            raise DatabaseFileError(
                f"DATABASE_PATH {self.path!r} cannot be written ({exc}). Check the file's and "
                "its folder's permissions and that the disk is not read-only or full."
            ) from None

    async def close(self) -> None:
        try:
            await self.conn.execute("PRAGMA optimize")
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            # statistics only: another connection writing now leaves them for the next close
            log.warning("closing the database without PRAGMA optimize: %s", exc)
        finally:
            await self.conn.close()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every pending migration in one transaction; returns the new version."""
        current = await self.user_version()
        pending = [m for m in migrations() if m[0] > current]
        if not pending:
            return current
        async with self.transaction():
            for _version, name, sql in pending:
                log.info("applying migration %s", name)
                for statement in split_statements(sql):
                    await self.conn.execute(statement)
            await self.conn.execute(f"PRAGMA user_version = {int(pending[-1][0])}")
        return pending[-1][0]

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
            self._owner = asyncio.current_task()
            try:
                await self._complete("BEGIN IMMEDIATE")
                yield
                await self._complete("COMMIT")
            except BaseException:
                # also when BEGIN or COMMIT itself was cancelled or failed: never leave the
                # shared connection inside a transaction nobody owns
                if self.conn.in_transaction:
                    await asyncio.shield(self.conn.execute("ROLLBACK"))
                raise
            finally:
                self._owner = None

    @asynccontextmanager
    async def savepoint(self, name: str) -> AsyncIterator[None]:
        """Inside the task's transaction: on an error, what was done since is undone (the
        transaction goes on) and the error propagates."""
        await self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await asyncio.shield(self.conn.execute(f"ROLLBACK TO {name}"))
            await asyncio.shield(self.conn.execute(f"RELEASE {name}"))
            raise
        await self.conn.execute(f"RELEASE {name}")

    @asynccontextmanager
    async def advisory_lock(self, key: int) -> AsyncIterator[None]:
        """Held by one holder at a time. An SQLite file has one writing process, so this is
        a lock of this process (PostgreSQL's is server-wide, across processes)."""
        lock = self._advisory.setdefault(key, asyncio.Lock())
        async with lock:
            yield

    async def _complete(self, sql: str) -> None:
        """Run a transaction statement to its end even when the caller is cancelled meanwhile
        (the connection's thread runs it anyway: the state must be known before going on)."""
        done = asyncio.ensure_future(self.conn.execute(sql))
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await done
            raise

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """A single write outside a transaction waits for another task's to end."""
        if self.in_transaction:
            yield
            return
        async with self._write_lock:
            yield

    async def _run(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """`fn` on the connection's own thread, in one round trip there and back (aiosqlite's
        cursor methods take one each: an execute, its fetch and its close were three, and a
        round trip costs about as much as a small query)."""
        # aiosqlite's own queueing (the one it uses for every call), untyped there
        result: _T = await self.conn._execute(fn, self.conn._conn)  # type: ignore[no-untyped-call]
        return result

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._writing():
            return await self._run(partial(_execute, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._writing():
            await self._run(partial(_executemany, sql, rows))

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._run(partial(_fetchall, sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self._run(partial(_fetchone, sql, params))

    async def fetch_many(self, queries: Sequence[Query]) -> list[list[Row]]:
        """Several reads' rows in one round trip, read one after the other with nothing of
        this connection's in between (a guild's restore reads its tables this way)."""
        return await self._run(partial(_fetch_many, tuple(queries)))
