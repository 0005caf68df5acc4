"""The moderator audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database, from_us, to_us


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    moderator: int
    action: str
    details: dict[str, Any]
    at: datetime


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self, guild: int, moderator: int, action: str, details: dict[str, Any], at: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO audit (guild_id, moderator_id, action, details, ts) "
            "VALUES (?, ?, ?, ?, ?)",
            (guild, moderator, action, json.dumps(details, sort_keys=True), to_us(at)),
        )

    async def page(self, guild: int, limit: int, offset: int) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT id, moderator_id, action, details, ts FROM audit WHERE guild_id = ? "
            "ORDER BY id DESC LIMIT ? OFFSET ?",
            (guild, limit, offset),
        )
        return [
            AuditEntry(int(r[0]), int(r[1]), str(r[2]), json.loads(r[3]), from_us(r[4]))
            for r in rows
        ]

    async def count(self, guild: int) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM audit WHERE guild_id = ?", (guild,))
        return int(row[0]) if row else 0
