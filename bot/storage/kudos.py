"""Thank-you reasons: the text a member gave with a kudos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import from_us, to_us
from bot.storage.sql import SqlDatabase


@dataclass(frozen=True, slots=True)
class ThanksRow:
    """A kudos given or received, with its reason when one was given."""

    giver: int
    receiver: int
    at: datetime
    points: int
    reason: str | None


class KudosRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def add_reason(
        self, guild: int, source: str, giver: int, receiver: int, reason: str, at: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO kudos_reasons (guild_id, source, giver_id, receiver_id, "
            "reason, ts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild, source, giver, receiver, reason, to_us(at)),
        )

    async def thanks_of(self, guild: int, user: int) -> list[ThanksRow]:
        """Every kudos the member gave or received, oldest first, with its reason."""
        rows = await self.db.fetchall(
            "SELECT i.actor_id, i.target_id, i.ts, i.points, r.reason FROM interactions i "
            "LEFT JOIN kudos_reasons r ON r.guild_id = i.guild_id AND r.source = i.source "
            "AND r.giver_id = i.actor_id AND r.receiver_id = i.target_id "
            "WHERE i.guild_id = ? AND i.kind = 'kudos' AND (i.actor_id = ? OR i.target_id = ?) "
            "ORDER BY i.ts",
            (guild, user, user),
        )
        return [ThanksRow(int(r[0]), int(r[1]), from_us(r[2]), int(r[3]), r[4]) for r in rows]
