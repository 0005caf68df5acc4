"""Authenticity review (SPEC §10): what a pass reads, the flags, and held ledger rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.review import ReviewInteraction, ReviewMessage
from bot.storage.database import from_us, to_us
from bot.storage.sql import SqlDatabase

# ledger.held: 0 counted, 1 held by an undecided flag, 2 void (a moderator rejected it)
COUNTED, HELD, VOID = 0, 1, 2


@dataclass(frozen=True, slots=True)
class StoredFlag:
    id: int
    guild: int
    user: int
    state: str  # pending | approved | rejected
    mode: str  # hold | flag
    reasons: tuple[str, ...]
    evidence: dict[str, Any]
    since: datetime
    flagged_at: datetime
    decided_at: datetime | None
    decided_by: int | None


_FLAG_COLUMNS = (
    "id, guild_id, user_id, state, mode, reasons, evidence, since, flagged_at, decided_at, "
    "decided_by"
)


def _flag(r: Any) -> StoredFlag:
    return StoredFlag(
        int(r[0]),
        int(r[1]),
        int(r[2]),
        str(r[3]),
        str(r[4]),
        tuple(json.loads(r[5])),
        dict(json.loads(r[6])),
        from_us(r[7]),
        from_us(r[8]),
        from_us(r[9]) if r[9] is not None else None,
        int(r[10]) if r[10] is not None else None,
    )


class ReviewRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    # -- what a pass reads ------------------------------------------------------------------
    async def window(
        self, guild: int, start: datetime, end: datetime
    ) -> tuple[list[ReviewInteraction], list[ReviewMessage]]:
        """Interactions and remembered messages of the guild in [start, end), oldest first."""
        lo, hi = to_us(start), to_us(end)
        interactions = [
            ReviewInteraction(int(r[0]), int(r[1]), str(r[2]), from_us(r[3]))
            for r in await self.db.fetchall(
                "SELECT actor_id, target_id, kind, ts FROM interactions WHERE guild_id = ? "
                "AND ts >= ? AND ts < ? ORDER BY ts",
                (guild, lo, hi),
            )
        ]
        messages = [
            ReviewMessage(int(r[0]), from_us(r[1]), str(r[2]))
            for r in await self.db.fetchall(
                "SELECT author_id, ts, norm FROM messages WHERE guild_id = ? AND ts >= ? "
                "AND ts < ? ORDER BY ts",
                (guild, lo, hi),
            )
        ]
        return interactions, messages

    async def members(self, guild: int) -> tuple[dict[int, datetime | None], frozenset[int]]:
        """(joined_at of every known member, the bots)."""
        joined: dict[int, datetime | None] = {}
        bots: set[int] = set()
        for r in await self.db.fetchall(
            "SELECT user_id, joined_at, bot FROM members WHERE guild_id = ?", (guild,)
        ):
            joined[int(r[0])] = from_us(r[1]) if r[1] is not None else None
            if r[2]:
                bots.add(int(r[0]))
        return joined, frozenset(bots)

    async def settled(self, guild: int) -> dict[int, datetime]:
        """Member → when a moderator last decided on a flag of theirs."""
        rows = await self.db.fetchall(
            "SELECT user_id, MAX(decided_at) FROM review_flags WHERE guild_id = ? "
            "AND decided_at IS NOT NULL GROUP BY user_id",
            (guild,),
        )
        return {int(r[0]): from_us(r[1]) for r in rows}

    # -- flags ------------------------------------------------------------------------------
    async def pending(self, guild: int) -> list[StoredFlag]:
        rows = await self.db.fetchall(
            f"SELECT {_FLAG_COLUMNS} FROM review_flags WHERE guild_id = ? "  # noqa: S608
            "AND state = 'pending' ORDER BY user_id",
            (guild,),
        )
        return [_flag(r) for r in rows]

    async def flag(self, flag_id: int) -> StoredFlag | None:
        r = await self.db.fetchone(
            f"SELECT {_FLAG_COLUMNS} FROM review_flags WHERE id = ?",  # noqa: S608
            (flag_id,),
        )
        return _flag(r) if r else None

    async def holding(self, guild: int) -> dict[int, datetime]:
        """Members whose points are held now → the start of their held window."""
        rows = await self.db.fetchall(
            "SELECT user_id, since FROM review_flags WHERE guild_id = ? AND state = 'pending' "
            "AND mode = 'hold'",
            (guild,),
        )
        return {int(r[0]): from_us(r[1]) for r in rows}

    async def add_flag(
        self,
        guild: int,
        user: int,
        mode: str,
        reasons: list[str],
        evidence: dict[str, Any],
        since: datetime,
        at: datetime,
    ) -> int:
        await self.db.execute(
            "INSERT INTO review_flags (guild_id, user_id, mode, reasons, evidence, since, "
            "flagged_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                guild,
                user,
                mode,
                json.dumps(sorted(reasons)),
                json.dumps(evidence, sort_keys=True, default=str),
                to_us(since),
                to_us(at),
            ),
        )
        row = await self.db.fetchone(
            "SELECT id FROM review_flags WHERE guild_id = ? AND user_id = ? AND state = 'pending'",
            (guild, user),
        )
        return int(row[0]) if row else 0

    async def update_flag(self, flag_id: int, reasons: list[str], evidence: dict[str, Any]) -> None:
        await self.db.execute(
            "UPDATE review_flags SET reasons = ?, evidence = ? WHERE id = ?",
            (
                json.dumps(sorted(reasons)),
                json.dumps(evidence, sort_keys=True, default=str),
                flag_id,
            ),
        )

    async def set_mode(self, flag_id: int, mode: str) -> None:
        await self.db.execute("UPDATE review_flags SET mode = ? WHERE id = ?", (mode, flag_id))

    async def decide(self, flag_id: int, state: str, at: datetime, by: int | None) -> bool:
        """Approve or reject a pending flag; False when it was already decided."""
        count = await self.db.execute(
            "UPDATE review_flags SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? "
            "AND state = 'pending'",
            (state, to_us(at), by, flag_id),
        )
        return count > 0

    # -- held points ------------------------------------------------------------------------
    async def hold(self, guild: int, user: int, since: datetime) -> None:
        """Hold what the member earned from `since` on (moderator adjustments stay)."""
        await self.db.execute(
            "UPDATE ledger SET held = ? WHERE guild_id = ? AND user_id = ? AND ts >= ? "
            "AND held = ? AND reason != 'adjust'",
            (HELD, guild, user, to_us(since), COUNTED),
        )

    async def settle(self, guild: int, user: int, to: int) -> None:
        """Held rows become counted (approve) or void (reject)."""
        await self.db.execute(
            "UPDATE ledger SET held = ? WHERE guild_id = ? AND user_id = ? AND held = ?",
            (to, guild, user, HELD),
        )

    async def counted_reputation(self, guild: int, user: int) -> int:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE guild_id = ? AND user_id = ? "
            "AND held = ?",
            (guild, user, COUNTED),
        )
        return int(row[0]) if row else 0

    async def held_points(self, guild: int) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT user_id, SUM(delta) FROM ledger WHERE guild_id = ? AND held = ? "
            "GROUP BY user_id",
            (guild, HELD),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def rep_badges_since(self, guild: int, user: int, since: datetime) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT badge FROM member_badges WHERE guild_id = ? AND user_id = ? "
            "AND badge LIKE 'rep-%' AND awarded_at >= ?",
            (guild, user, to_us(since)),
        )
        return [str(r[0]) for r in rows]
