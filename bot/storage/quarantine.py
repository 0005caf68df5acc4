"""Rows that cannot be stored (#12 item 1). A value SQLite cannot bind - an integer outside
64 bits, text holding a lone surrogate - or a row a constraint refuses would make the whole
write-behind batch fail, again and again, for every guild. Such rows are set aside in the
`quarantine` table (an ASCII rendering, the error, the time), logged once, and everything
else is written."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from bot.storage.sql import SqlDatabase

log = logging.getLogger(__name__)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# errors that belong to one row's values, not to the database or the disk
ROW_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    # PostgreSQL: a value outside a column's range or encoding (text with NUL), a constraint
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    OverflowError,
    UnicodeEncodeError,
    ValueError,
    TypeError,
)


def unstorable(row: Sequence[Any]) -> str | None:
    """Why SQLite could not bind this row's values, or None when it can."""
    for index, value in enumerate(row):
        if isinstance(value, bool) or value is None or isinstance(value, float | bytes):
            continue
        if isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                return f"value {index} is an integer outside 64 bits"
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"value {index} is text with a lone surrogate"
        else:
            return f"value {index} has an unstorable type {type(value).__name__}"
    return None


def table_of(sql: str) -> str:
    words = sql.split()
    return words[words.index("INTO") + 1] if "INTO" in words else "?"


class QuarantineRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def add(self, sql: str, rows: list[tuple[Sequence[Any], str]]) -> None:
        """Keep rows that could not be written (inside the caller's transaction), each
        once: a row already kept (its batch written again after a COMMIT whose outcome was
        unknown) is not kept again."""
        if not rows:
            return
        table = table_of(sql)
        now = time.time_ns() // 1000
        values = []
        for row, error in rows:
            guild = row[0] if row and isinstance(row[0], int) else None
            if guild is not None and not INT64_MIN <= guild <= INT64_MAX:
                guild = None
            text = ascii(tuple(row))[:4000]
            kept = await self.db.fetchone(
                "SELECT 1 FROM quarantine WHERE table_name = ? AND row = ?", (table, text)
            )
            if kept is None:
                values.append((guild, table, text, error[:500], now))
        if not values:
            return
        await self.db.executemany(
            "INSERT INTO quarantine (guild_id, table_name, row, error, ts) VALUES (?, ?, ?, ?, ?)",
            values,
        )
        log.warning(
            "%d row(s) for %s could not be stored and were quarantined (first: %s); "
            "see `python -m bot quarantine`",
            len(values),
            table,
            values[0][3],
        )

    async def recent(self, limit: int) -> tuple[int, list[tuple[int | None, str, str, str, int]]]:
        total = await self.db.fetchone("SELECT COUNT(*) FROM quarantine")
        rows = await self.db.fetchall(
            "SELECT guild_id, table_name, row, error, ts FROM quarantine ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return int(total[0]) if total else 0, [
            (r[0], str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows
        ]
