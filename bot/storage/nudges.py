"""Nudges: one per member, pair and local day."""

from __future__ import annotations

from datetime import date

from bot.storage.sql import SqlDatabase


class NudgeRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def record_nudge(self, guild: int, a: int, b: int, day: date, by: int) -> bool:
        """False when this member already nudged this pair today."""
        count = await self.db.execute(
            "INSERT INTO nudges (guild_id, a, b, day, by_user) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (guild, a, b, day.isoformat(), by),
        )
        return count > 0
