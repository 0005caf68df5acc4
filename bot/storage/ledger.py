"""Sums over the reputation ledger (weekly boards, recent activity)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.database import to_us
from bot.storage.sql import SqlDatabase


class LedgerRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def points_since(
        self, guild: int, since: datetime, limit: int, offset: int
    ) -> list[tuple[int, int]]:
        rows = await self.db.fetchall(
            "SELECT l.user_id, SUM(l.delta) AS pts FROM ledger l "
            "LEFT JOIN members m ON m.guild_id = l.guild_id AND m.user_id = l.user_id "
            "WHERE l.guild_id = ? AND l.ts >= ? AND l.held = 0 "
            "AND COALESCE(m.visibility, 'public') != 'private' "
            "AND COALESCE(m.opted_out, 0) = 0 AND COALESCE(m.excluded, 0) = 0 "
            "GROUP BY l.user_id HAVING SUM(l.delta) > 0 "
            "ORDER BY pts DESC, l.user_id LIMIT ? OFFSET ?",
            (guild, to_us(since), limit, offset),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def activity(self, guild: int, user: int, since: datetime) -> dict[str, int]:
        """Points earned per local day since `since` (the member's recent activity)."""
        rows = await self.db.fetchall(
            "SELECT day, SUM(delta) FROM ledger WHERE guild_id = ? AND user_id = ? AND ts >= ? "
            "AND held = 0 "
            "GROUP BY day",
            (guild, user, to_us(since)),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def points_between(
        self, guild: int, start: datetime, end: datetime, exclude: list[int], limit: int
    ) -> list[tuple[int, int]]:
        """(member, points) earned in [start, end), most first, without `exclude`d members
        (a recap's top members)."""
        without, args = _without("user_id", exclude)
        rows = await self.db.fetchall(
            "SELECT user_id, SUM(delta) AS pts FROM ledger "  # noqa: S608 - placeholders only
            f"WHERE guild_id = ? AND ts >= ? AND ts < ? AND held = 0{without} "
            "GROUP BY user_id HAVING SUM(delta) > 0 ORDER BY pts DESC, user_id LIMIT ?",
            (guild, to_us(start), to_us(end), *args, limit),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def milestones_between(
        self, guild: int, start: datetime, end: datetime
    ) -> list[tuple[int, int, int]]:
        """(a, b, length) of the streak milestones paid in [start, end), one per pair and
        length, longest first (the ledger reason is `milestone-<length>`)."""
        low = self.db.dialect.least("user_id", "partner_id")
        high = self.db.dialect.greatest("user_id", "partner_id")
        rows = await self.db.fetchall(
            f"SELECT {low}, {high}, "  # noqa: S608 - dialect fragments only
            "CAST(SUBSTR(reason, 11) AS INTEGER) AS length FROM ledger "
            "WHERE guild_id = ? AND ts >= ? AND ts < ? AND held = 0 "
            "AND reason LIKE 'milestone-%' AND partner_id IS NOT NULL "
            "GROUP BY 1, 2, 3 ORDER BY length DESC, 1, 2",
            (guild, to_us(start), to_us(end)),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


def _without(column: str, users: list[int]) -> tuple[str, list[int]]:
    if not users:
        return "", []
    marks = ", ".join("?" * len(users))
    return f" AND {column} NOT IN ({marks})", list(users)
