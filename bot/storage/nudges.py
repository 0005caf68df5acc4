"""Nudges: one per member, pair and local day."""

from __future__ import annotations

from datetime import date

from bot.storage.database import Database


class NudgeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_nudge(self, guild: int, a: int, b: int, day: date, by: int) -> bool:
        """False when this member already nudged this pair today."""
        count = await self.db.execute(
            "INSERT OR IGNORE INTO nudges (guild_id, a, b, day, by_user) VALUES (?, ?, ?, ?, ?)",
            (guild, a, b, day.isoformat(), by),
        )
        return count > 0
