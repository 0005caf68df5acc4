"""The moderator audit log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import from_us, to_us
from bot.storage.sql import Dialect, SqlDatabase

MEMBER_KEYS: tuple[str, ...] = ("member", "members", "user", "users", "partner")
"""Detail keys whose values (an id, or a list of ids) name the members an entry is about."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    moderator: int
    action: str
    details: dict[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to list. `member`: entries by that moderator or about that member (any
    id under a member key of the details). `actions`: exact action names; `prefixes`: action
    families such as ``"badge."``. An entry passes when it matches any action or prefix
    (both empty: every action)."""

    member: int | None = None
    actions: Sequence[str] = ()
    prefixes: Sequence[str] = ()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(dialect: Dialect, guild: int, which: AuditFilter | None) -> tuple[str, list[Any]]:
    clauses = ["guild_id = ?"]
    params: list[Any] = [guild]
    if which is None:
        return clauses[0], params
    if which.member is not None:
        about, times = dialect.json_member_match("audit.details", MEMBER_KEYS)
        clauses.append(f"(moderator_id = ? OR {about})")
        params += [which.member] * (1 + times)
    kinds: list[str] = []
    if which.actions:
        kinds.append(f"action IN ({', '.join('?' for _ in which.actions)})")
        params += list(which.actions)
    for prefix in which.prefixes:
        kinds.append("action LIKE ? ESCAPE '\\'")
        params.append(_escape_like(prefix) + "%")
    if kinds:
        clauses.append("(" + " OR ".join(kinds) + ")")
    return " AND ".join(clauses), params


class AuditRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def record(
        self, guild: int, moderator: int, action: str, details: dict[str, Any], at: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO audit (guild_id, moderator_id, action, details, ts) "
            "VALUES (?, ?, ?, ?, ?)",
            (guild, moderator, action, json.dumps(details, sort_keys=True), to_us(at)),
        )

    async def page(
        self, guild: int, limit: int, offset: int, which: AuditFilter | None = None
    ) -> list[AuditEntry]:
        """Newest first; only the entries `which` lets through."""
        where, params = _where(self.db.dialect, guild, which)
        rows = await self.db.fetchall(
            f"SELECT id, moderator_id, action, details, ts FROM audit WHERE {where} "  # noqa: S608
            "ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [
            AuditEntry(int(r[0]), int(r[1]), str(r[2]), json.loads(r[3]), from_us(r[4]))
            for r in rows
        ]

    async def count(self, guild: int, which: AuditFilter | None = None) -> int:
        where, params = _where(self.db.dialect, guild, which)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM audit WHERE {where}",  # noqa: S608
            params,
        )
        return int(row[0]) if row else 0
