"""Badge deliveries owed (#12 item 3): written with the badge in one transaction, read by the
delivery loop, marked done after the role is given and the announcement posted (at least
once; a role given twice is a no-op)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import from_us, to_us
from bot.storage.sql import SqlDatabase


@dataclass(frozen=True, slots=True)
class OwedDelivery:
    id: int
    guild: int
    user: int
    badge: str
    awarded_at: datetime
    actor: int | None


class OutboxRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def pending(self, guild: int, limit: int) -> list[OwedDelivery]:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, user_id, badge, awarded_at, actor FROM badge_outbox "
            "WHERE guild_id = ? AND delivered_at IS NULL ORDER BY id LIMIT ?",
            (guild, limit),
        )
        return [
            OwedDelivery(
                int(r[0]),
                int(r[1]),
                int(r[2]),
                str(r[3]),
                from_us(r[4]),
                int(r[5]) if r[5] is not None else None,
            )
            for r in rows
        ]

    async def guilds_pending(self) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id FROM badge_outbox WHERE delivered_at IS NULL"
        )
        return sorted(int(r[0]) for r in rows)

    async def mark_delivered(self, ids: list[int], at: datetime) -> None:
        if not ids:
            return
        async with self.db.transaction():
            await self.db.executemany(
                "UPDATE badge_outbox SET delivered_at = ? WHERE id = ?",
                [(to_us(at), i) for i in ids],
            )

    async def prune_delivered(self, before: datetime) -> int:
        return await self.db.execute(
            "DELETE FROM badge_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
            (to_us(before),),
        )
