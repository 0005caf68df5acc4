"""A member's data: export, erasure on opt-out, and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.database import from_us, to_us
from bot.storage.sql import SqlDatabase
from bot.storage.streaks import StreakRepository


class PrivacyRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def export(self, guild: int, user: int) -> dict[str, Any]:
        """Everything stored about one member of one guild."""
        member = await self.db.fetchone(
            "SELECT bot, joined_at, left_guild, opted_out, excluded, reputation, notify, "
            "visibility FROM members WHERE guild_id = ? AND user_id = ?",
            (guild, user),
        )
        out: dict[str, Any] = {"guild": guild, "user": user}
        if member is not None:
            out["member"] = {
                "bot": bool(member[0]),
                "joined_at": from_us(member[1]).isoformat() if member[1] is not None else None,
                "left": bool(member[2]),
                "opted_out": bool(member[3]),
                "excluded": bool(member[4]),
                "reputation": int(member[5]),
                "notify": member[6],
                "visibility": member[7],
            }
        out["interactions"] = [
            {
                "source": r[0],
                "actor": r[1],
                "target": r[2],
                "kind": r[3],
                "at": from_us(r[4]).isoformat(),
                "day": r[5],
                "points": r[6],
            }
            for r in await self.db.fetchall(
                "SELECT source, actor_id, target_id, kind, ts, day, points FROM interactions "
                "WHERE guild_id = ? AND (actor_id = ? OR target_id = ?) ORDER BY ts",
                (guild, user, user),
            )
        ]
        out["ledger"] = [
            {"delta": r[0], "reason": r[1], "source": r[2], "at": from_us(r[3]).isoformat()}
            for r in await self.db.fetchall(
                "SELECT delta, reason, source, ts FROM ledger WHERE guild_id = ? AND user_id = ? "
                "ORDER BY ts",
                (guild, user),
            )
        ]
        out["streaks"] = [
            {
                "partner": p.b if p.a == user else p.a,
                "current_run": p.run.current,
                "best": p.run.best,
                "last_day": p.run.last.isoformat() if p.run.last else None,
            }
            for p in await StreakRepository(self.db).pairs_of(guild, user)
        ]
        out["badges"] = [
            {"badge": r[0], "awarded_at": from_us(r[1]).isoformat()}
            for r in await self.db.fetchall(
                "SELECT badge, awarded_at FROM member_badges WHERE guild_id = ? AND user_id = ?",
                (guild, user),
            )
        ]
        out["messages_remembered"] = [
            {"id": r[0], "channel": r[1], "at": from_us(r[2]).isoformat()}
            for r in await self.db.fetchall(
                "SELECT message_id, channel_id, ts FROM messages WHERE guild_id = ? "
                "AND author_id = ? ORDER BY ts",
                (guild, user),
            )
        ]
        return out

    async def erase_member(self, guild: int, user: int) -> None:
        """Opt-out: delete the member's interactions, ledger and pairs; keep only a marker."""
        async with self.db.transaction():
            c = self.db
            await c.execute(
                "DELETE FROM interactions WHERE guild_id = ? AND (actor_id = ? OR target_id = ?)",
                (guild, user, user),
            )
            await c.execute("DELETE FROM ledger WHERE guild_id = ? AND user_id = ?", (guild, user))
            await c.execute(
                "DELETE FROM pair_days WHERE guild_id = ? AND (a = ? OR b = ?)", (guild, user, user)
            )
            await c.execute(
                "DELETE FROM pair_streaks WHERE guild_id = ? AND (a = ? OR b = ?)",
                (guild, user, user),
            )
            await c.execute(
                "DELETE FROM member_badges WHERE guild_id = ? AND user_id = ?", (guild, user)
            )
            await c.execute(
                "DELETE FROM kudos_reasons WHERE guild_id = ? "
                "AND (giver_id = ? OR receiver_id = ?)",
                (guild, user, user),
            )
            await c.execute(
                "DELETE FROM review_flags WHERE guild_id = ? AND user_id = ?", (guild, user)
            )
            await c.execute(
                "UPDATE messages SET norm = '' WHERE guild_id = ? AND author_id = ?", (guild, user)
            )
            await c.execute(
                "INSERT INTO members (guild_id, user_id, opted_out) VALUES (?, ?, 1) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET opted_out = 1, reputation = 0, "
                "active = 0",
                (guild, user),
            )

    async def prune_interactions(self, before: datetime) -> int:
        """Retention: raw interactions and remembered messages older than `before` go."""
        async with self.db.transaction():
            count = await self.db.execute("DELETE FROM interactions WHERE ts < ?", (to_us(before),))
            await self.db.execute("DELETE FROM kudos_reasons WHERE ts < ?", (to_us(before),))
            await self.db.execute("DELETE FROM messages WHERE ts < ?", (to_us(before),))
        return count
