"""`python -m bot migrate-db`: copy an SQLite database into PostgreSQL (#13 item 2).

The source is read in one read transaction (a consistent snapshot, also of a database a
running bot is writing: WAL readers see the moment they started), the target written in one
transaction: every table copied with COPY, its identity sequences moved past the copied ids,
and every table's row count compared with the source's before it commits. A failure leaves
the target as it was; a value the target refuses is named by its table and row. A target
that already holds rows is refused unless `replace`.

Text PostgreSQL cannot hold is copied as the bot now stores it (`normalise_content`): a NUL
becomes U+FFFD, as does a byte sequence that is not UTF-8 (SQLite stores what it is given).
Older Kindling versions stored message text with NUL; each table's count of changed values is
in the result and logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.database import Database, latest_version
from bot.storage.filecheck import check_database_file
from bot.storage.postgres import PostgresDatabase, redact

log = logging.getLogger(__name__)

CHUNK = 5000
NUL = "\x00"
REPLACEMENT = "\ufffd"
_COPY_LINE = re.compile(r"\bline (\d+)")
# what COPY refuses for a value's sake (client-side encoding or the server's check)
_VALUE_ERRORS = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    ValueError,
    TypeError,
    OverflowError,
)

Progress = Callable[[str, int, int], None]
"""progress(table, rows copied in all, rows in all)"""


class MigrationError(Exception):
    """The copy cannot be made or did not verify; the message says what to do."""


@dataclass(frozen=True, slots=True)
class CopiedTable:
    name: str
    rows: int
    replaced: int = 0  # text values whose NUL (or bytes not UTF-8) became U+FFFD


def _clean(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], int]:
    """The rows with NUL in text replaced by U+FFFD; and how many values changed."""
    changed = 0
    out = rows
    for index, row in enumerate(rows):
        if any(isinstance(v, str) and NUL in v for v in row):
            if out is rows:
                out = list(rows)
            out[index] = tuple(
                v.replace(NUL, REPLACEMENT) if isinstance(v, str) else v for v in row
            )
            changed += sum(1 for v in row if isinstance(v, str) and NUL in v)
    return out, changed


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Snapshot:
    """The SQLite source in one read transaction, read in chunks off the event loop."""

    def __init__(self, path: Path) -> None:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        self.conn.text_factory = self._text
        self.undecodable = 0  # text values that were not UTF-8 (read with U+FFFD)
        self.conn.execute("BEGIN")

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.undecodable += 1
            return raw.decode("utf-8", "replace")

    def tables(self) -> dict[str, list[str]]:
        names = [
            str(r[0])
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: [str(c[1]) for c in self.conn.execute(f"PRAGMA table_info({_quote(name)})")]
            for name in names
        }

    def count(self, table: str) -> int:
        row = self.conn.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()  # noqa: S608
        return int(row[0])

    def cursor(self, table: str, columns: list[str]) -> sqlite3.Cursor:
        cols = ", ".join(_quote(c) for c in columns)
        return self.conn.execute(f"SELECT {cols} FROM {_quote(table)}")  # noqa: S608

    def close(self) -> None:
        try:
            self.conn.execute("COMMIT")
        finally:
            self.conn.close()


async def _prepare_source(path: Path) -> None:
    """The source must be a Kindling SQLite database; an older schema is migrated first (as
    the bot would at its next start)."""
    if not path.is_file():
        raise MigrationError(f"no SQLite database at {path}")
    check_database_file(path, latest_version())  # DatabaseFileError: not Kindling's, newer
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as probe:
        version = int(probe.execute("PRAGMA user_version").fetchone()[0])
    probe.close()
    if version < latest_version():
        db = await Database.open(path)
        await db.close()


async def _target_tables(conn: Any) -> dict[str, list[str]]:
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    )
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(str(r[0]), []).append(str(r[1]))
    out.pop("schema_version", None)
    return out


async def copy_sqlite_to_postgres(
    source: Path, target_url: str, *, replace: bool = False, progress: Progress | None = None
) -> list[CopiedTable]:
    """Copy every table of the SQLite database `source` into the PostgreSQL database at
    `target_url` (migrated first); returns the tables and their verified row counts."""
    await _prepare_source(source)
    snapshot = await asyncio.to_thread(_Snapshot, source)
    try:
        tables = await asyncio.to_thread(snapshot.tables)
        counts = {t: await asyncio.to_thread(snapshot.count, t) for t in tables}
        total = sum(counts.values())
        target = await PostgresDatabase.open(target_url)
        try:
            async with target.transaction():
                conn = target.connection
                theirs = await _target_tables(conn)
                missing = sorted(set(tables) - set(theirs))
                if missing:
                    raise MigrationError(
                        f"the target has no table {missing[0]}: is it Kindling's schema "
                        f"version {latest_version()}?"
                    )
                held = await _occupied(conn, theirs)
                if held and not replace:
                    raise MigrationError(
                        f"{redact(target_url)} already holds data (table {held[0]}): nothing "
                        "copied; pass --replace to empty it first"
                    )
                if held:
                    names = ", ".join(_quote(t) for t in theirs)
                    await conn.execute(f"TRUNCATE {names} RESTART IDENTITY")
                done = 0
                copied: list[CopiedTable] = []
                for table, columns in tables.items():
                    cursor = await asyncio.to_thread(snapshot.cursor, table, columns)
                    replaced = -snapshot.undecodable
                    read = 0
                    while True:
                        chunk = await asyncio.to_thread(cursor.fetchmany, CHUNK)
                        if not chunk:
                            break
                        chunk, changed = _clean(chunk)
                        replaced += changed
                        await _copy(conn, table, columns, chunk, read, counts[table])
                        read += len(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(table, done, total)
                    replaced += snapshot.undecodable
                    there = int(await conn.fetchval(f"SELECT COUNT(*) FROM {_quote(table)}"))  # noqa: S608
                    if there != counts[table]:
                        raise MigrationError(
                            f"table {table}: {counts[table]} rows in the source, {there} in "
                            "the target; nothing copied"
                        )
                    if replaced:
                        log.warning(
                            "table %s: %d text value(s) held NUL or bytes that are not UTF-8 "
                            "(PostgreSQL text cannot): copied with U+FFFD in their place",
                            table,
                            replaced,
                        )
                    copied.append(CopiedTable(table, there, replaced))
                if progress is not None:
                    progress("", done, total)
                await _advance_identities(conn)
        finally:
            await target.close()
    finally:
        await asyncio.to_thread(snapshot.close)
    return copied


async def _copy(
    conn: Any, table: str, columns: list[str], chunk: list[tuple[Any, ...]], first: int, of: int
) -> None:
    """COPY one chunk (source rows first+1 … of the table's `of`); a value the target
    refuses is a MigrationError naming the table and the row."""
    await conn.execute("SAVEPOINT copy_chunk")
    try:
        await conn.copy_records_to_table(table, records=chunk, columns=columns)
    except _VALUE_ERRORS as exc:
        await conn.execute("ROLLBACK TO SAVEPOINT copy_chunk")
        where = _COPY_LINE.search(str(getattr(exc, "where", "") or ""))
        line = int(where.group(1)) if where is not None else 0
        if not 0 < line <= len(chunk):
            line = await _first_refused(conn, table, columns, chunk)
        if line:
            row = first + line
            at = f"row {row:,} of {of:,} ({_row_key(columns, chunk[line - 1])})"
        else:
            at = f"one of rows {first + 1:,}-{first + len(chunk):,} of {of:,}"
        raise MigrationError(
            f"table {table}: {at} cannot be copied ({type(exc).__name__}: {exc}); nothing copied"
        ) from exc
    await conn.execute("RELEASE SAVEPOINT copy_chunk")


async def _first_refused(
    conn: Any, table: str, columns: list[str], chunk: list[tuple[Any, ...]]
) -> int:
    """The 1-based position of the first row of a refused chunk that is refused alone (each
    tried under a savepoint, undone), 0 when none is."""
    for line, row in enumerate(chunk, start=1):
        await conn.execute("SAVEPOINT copy_row")
        try:
            await conn.copy_records_to_table(table, records=[row], columns=columns)
        except _VALUE_ERRORS:
            return line
        finally:
            await conn.execute("ROLLBACK TO SAVEPOINT copy_row")
            await conn.execute("RELEASE SAVEPOINT copy_row")
    return 0


def _row_key(columns: list[str], row: tuple[Any, ...]) -> str:
    """The row's first values, to find it in the source."""
    return ", ".join(f"{c}={v!r:.40}" for c, v in list(zip(columns, row, strict=False))[:3])


async def _occupied(conn: Any, tables: Iterable[str]) -> list[str]:
    """The tables that hold a row."""
    out = []
    for table in tables:
        if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {_quote(table)})"):  # noqa: S608
            out.append(table)
    return out


async def _advance_identities(conn: Any) -> None:
    """Identity columns continue after the largest copied id."""
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for r in rows:
        table, column = _quote(str(r[0])), _quote(str(r[1]))
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), "  # noqa: S608
            f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)",
            str(r[0]),
            str(r[1]),
        )
