"""Read models for commands and scheduled posts, and member preferences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.storage.database import Database, from_us, to_us
from bot.storage.tracking import STREAK_COLUMNS, PairStreakRow, streak_from_row


@dataclass(frozen=True, slots=True)
class MemberRow:
    user: int
    reputation: int
    notify: str
    visibility: str
    opted_out: bool
    excluded: bool
    bot: bool


def _without(users: Sequence[int]) -> tuple[str, list[int]]:
    """SQL that leaves out pairs with one of `users` (hidden members), and its parameters."""
    if not users:
        return "", []
    marks = ",".join("?" * len(users))
    return f" AND a NOT IN ({marks}) AND b NOT IN ({marks})", [*users, *users]


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- members --------------------------------------------------------------------------
    async def member(self, guild: int, user: int) -> MemberRow:
        r = await self.db.fetchone(
            "SELECT reputation, notify, visibility, opted_out, excluded, bot FROM members "
            "WHERE guild_id = ? AND user_id = ?",
            (guild, user),
        )
        if r is None:
            return MemberRow(user, 0, "channel", "public", False, False, False)
        return MemberRow(user, int(r[0]), str(r[1]), str(r[2]), bool(r[3]), bool(r[4]), bool(r[5]))

    async def members_with(self, guild: int, users: list[int]) -> dict[int, MemberRow]:
        out: dict[int, MemberRow] = {}
        for start in range(0, len(users), 500):
            chunk = users[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for r in await self.db.fetchall(
                "SELECT user_id, reputation, notify, visibility, opted_out, excluded, bot "  # noqa: S608
                f"FROM members WHERE guild_id = ? AND user_id IN ({marks})",
                (guild, *chunk),
            ):
                out[int(r[0])] = MemberRow(
                    int(r[0]), int(r[1]), str(r[2]), str(r[3]), bool(r[4]), bool(r[5]), bool(r[6])
                )
        return out

    async def hidden_members(self, guild: int, public_only: bool) -> list[int]:
        """Members left off boards: private, opted out or excluded (and, for the bot's own
        posts, those who chose server-only visibility)."""
        shown = "visibility != 'public'" if public_only else "visibility = 'private'"
        rows = await self.db.fetchall(
            f"SELECT user_id FROM members WHERE guild_id = ? AND ({shown} "  # noqa: S608
            "OR opted_out = 1 OR excluded = 1)",
            (guild,),
        )
        return [int(r[0]) for r in rows]

    async def set_preference(self, guild: int, user: int, name: str, value: str) -> None:
        if name not in ("notify", "visibility"):
            raise ValueError(name)
        await self.db.execute(
            f"INSERT INTO members (guild_id, user_id, {name}) VALUES (?, ?, ?) "  # noqa: S608
            f"ON CONFLICT (guild_id, user_id) DO UPDATE SET {name} = excluded.{name}",
            (guild, user, value),
        )

    async def reputations_ascending(self, guild: int) -> list[int]:
        """Every positive reputation in the guild, ascending (index-only)."""
        rows = await self.db.fetchall(
            "SELECT reputation FROM members WHERE guild_id = ? AND reputation > 0 "
            "ORDER BY reputation",
            (guild,),
        )
        return [int(r[0]) for r in rows]

    # -- boards ---------------------------------------------------------------------------
    async def top_reputation(
        self, guild: int, limit: int, offset: int, public_only: bool = False
    ) -> list[tuple[int, int]]:
        shown = "visibility = 'public'" if public_only else "visibility != 'private'"
        rows = await self.db.fetchall(
            "SELECT user_id, reputation FROM members WHERE guild_id = ? AND reputation > 0 "  # noqa: S608
            f"AND bot = 0 AND opted_out = 0 AND excluded = 0 AND {shown} "
            "ORDER BY reputation DESC, user_id LIMIT ? OFFSET ?",
            (guild, limit, offset),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def points_since(
        self, guild: int, since: datetime, limit: int, offset: int
    ) -> list[tuple[int, int]]:
        rows = await self.db.fetchall(
            "SELECT l.user_id, SUM(l.delta) AS pts FROM ledger l "
            "LEFT JOIN members m ON m.guild_id = l.guild_id AND m.user_id = l.user_id "
            "WHERE l.guild_id = ? AND l.ts >= ? AND COALESCE(m.visibility, 'public') != 'private' "
            "AND COALESCE(m.opted_out, 0) = 0 AND COALESCE(m.excluded, 0) = 0 "
            "GROUP BY l.user_id HAVING pts > 0 ORDER BY pts DESC, l.user_id LIMIT ? OFFSET ?",
            (guild, to_us(since), limit, offset),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    @staticmethod
    def _alive(guild: int, today: date, max_freezes: int) -> tuple[str, list[object]]:
        """WHERE clause: the pair's streak is alive on `today`, i.e. its last qualifying day is
        no older than 1 + its freezes days. Plain string comparisons of ISO dates (one
        threshold per possible freeze count), so the covering index answers it."""
        since = (today - timedelta(days=1 + max_freezes)).isoformat()
        cases = " ".join(f"WHEN {k} THEN ?" for k in range(max_freezes + 1))
        thresholds = [(today - timedelta(days=1 + k)).isoformat() for k in range(max_freezes + 1)]
        sql = f"guild_id = ? AND last_day >= ? AND last_day >= CASE freezes {cases} ELSE ? END"
        return sql, [guild, since, *thresholds, since]

    async def alive_streaks(
        self,
        guild: int,
        today: date,
        max_freezes: int,
        limit: int,
        offset: int,
        exclude: Sequence[int] = (),
    ) -> list[PairStreakRow]:
        """Pairs whose streak is alive on `today`, longest first (SQL-side paging), leaving
        out pairs with an `exclude`d member."""
        alive, params = self._alive(guild, today, max_freezes)
        without, ids = _without(exclude)
        rows = await self.db.fetchall(
            f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE {alive}{without} "  # noqa: S608
            "ORDER BY current DESC, a, b LIMIT ? OFFSET ?",
            (*params, *ids, limit, offset),
        )
        return [streak_from_row(guild, r) for r in rows]

    async def at_risk_pairs(
        self, due: list[tuple[int, date, int, int]]
    ) -> dict[int, list[tuple[int, int, int, int]]]:
        """For each (guild, today, max_freezes, min_streak): the pairs alive but not yet
        talked today with a streak at least min_streak long, as (a, b, current, freezes
        left). One query for many guilds."""
        if not due:
            return {}
        values = ", ".join("(?, ?, ?, ?, ?)" for _ in due)
        params: list[object] = []
        for guild, today, max_freezes, min_streak in due:
            since = (today - timedelta(days=1 + max_freezes)).isoformat()
            yesterday = (today - timedelta(days=1)).isoformat()
            params += [guild, today.isoformat(), yesterday, since, min_streak]
        # a pair last seen yesterday is always alive and at risk; only older ones (covered by
        # freezes) need date arithmetic, so most rows are decided by string comparisons
        rows = await self.db.fetchall(
            f"WITH due(g, today, yesterday, since, least) AS (VALUES {values}) "  # noqa: S608
            "SELECT p.guild_id, p.a, p.b, p.current, CASE WHEN p.last_day = due.yesterday "
            "THEN p.freezes ELSE p.freezes - CAST(julianday(due.today) - julianday(p.last_day) "
            "- 1 AS INTEGER) END "
            "FROM due JOIN pair_streaks p ON p.guild_id = due.g "
            "WHERE p.last_day >= due.since AND p.last_day < due.today AND p.current >= due.least "
            "AND (p.last_day = due.yesterday "
            "OR julianday(due.today) - julianday(p.last_day) - 1 <= p.freezes) "
            "ORDER BY p.guild_id, p.current DESC, p.a, p.b",
            params,
        )
        out: dict[int, list[tuple[int, int, int, int]]] = {}
        for r in rows:
            out.setdefault(int(r[0]), []).append((int(r[1]), int(r[2]), int(r[3]), int(r[4])))
        return out

    async def reminder_prefs(self, guilds: list[int]) -> dict[tuple[int, int], str]:
        """(guild, user) → 'dm', 'off' or 'dm-hidden' for members who do not take the default
        channel reminder: opted-out and excluded members are 'off'; members who are not
        public are never named in the channel digest ('dm-hidden', or 'off')."""
        if not guilds:
            return {}
        marks = ",".join("?" * len(guilds))
        rows = await self.db.fetchall(
            "SELECT guild_id, user_id, notify, opted_out, excluded, visibility FROM members "  # noqa: S608
            f"WHERE guild_id IN ({marks}) AND (notify != 'channel' OR opted_out = 1 "
            "OR excluded = 1 OR visibility != 'public')",
            guilds,
        )
        out: dict[tuple[int, int], str] = {}
        for r in rows:
            notify = "off" if (r[3] or r[4]) else str(r[2])
            if r[5] != "public" and notify != "off":
                notify = "dm-hidden"
            out[(int(r[0]), int(r[1]))] = notify
        return out

    async def count_alive_longer(
        self, guild: int, today: date, max_freezes: int, current: int
    ) -> int:
        alive, params = self._alive(guild, today, max_freezes)
        r = await self.db.fetchone(
            f"SELECT COUNT(*) FROM pair_streaks WHERE {alive} AND current > ?",  # noqa: S608
            (*params, current),
        )
        return int(r[0]) if r else 0

    async def count_best_above(self, guild: int, best: int) -> int:
        r = await self.db.fetchone(
            "SELECT COUNT(*) FROM pair_streaks WHERE guild_id = ? AND best > ?", (guild, best)
        )
        return int(r[0]) if r else 0

    async def top_best(
        self, guild: int, limit: int, offset: int, exclude: Sequence[int] = ()
    ) -> list[PairStreakRow]:
        without, ids = _without(exclude)
        rows = await self.db.fetchall(
            f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ?{without} "  # noqa: S608
            "ORDER BY best DESC, a, b LIMIT ? OFFSET ?",
            (guild, *ids, limit, offset),
        )
        return [streak_from_row(guild, r) for r in rows]

    async def pairs_of(self, guild: int, user: int) -> list[PairStreakRow]:
        rows = await self.db.fetchall(
            f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ? AND a = ? "  # noqa: S608
            f"UNION ALL SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ? AND b = ?",
            (guild, user, guild, user),
        )
        return [streak_from_row(guild, r) for r in rows]

    async def pair(self, guild: int, a: int, b: int) -> PairStreakRow | None:
        r = await self.db.fetchone(
            f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ? AND a = ? AND b = ?",  # noqa: S608
            (guild, a, b),
        )
        return streak_from_row(guild, r) if r else None

    async def activity(self, guild: int, user: int, since: datetime) -> dict[str, int]:
        """Points earned per local day since `since` (the member's recent activity)."""
        rows = await self.db.fetchall(
            "SELECT day, SUM(delta) FROM ledger WHERE guild_id = ? AND user_id = ? AND ts >= ? "
            "GROUP BY day",
            (guild, user, to_us(since)),
        )
        return {str(r[0]): int(r[1]) for r in rows}

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
            for p in await self.pairs_of(guild, user)
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

    # -- privacy and moderation writes ----------------------------------------------------
    async def erase_member(self, guild: int, user: int) -> None:
        """Opt-out: delete the member's interactions, ledger and pairs; keep only a marker."""
        async with self.db.transaction():
            c = self.db.conn
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
                "UPDATE messages SET norm = '' WHERE guild_id = ? AND author_id = ?", (guild, user)
            )
            await c.execute(
                "INSERT INTO members (guild_id, user_id, opted_out) VALUES (?, ?, 1) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET opted_out = 1, reputation = 0, "
                "active = 0",
                (guild, user),
            )

    async def set_flag(self, guild: int, user: int, flag: str, value: bool) -> None:
        if flag not in ("opted_out", "excluded"):
            raise ValueError(flag)
        await self.db.execute(
            f"INSERT INTO members (guild_id, user_id, {flag}) VALUES (?, ?, ?) "  # noqa: S608
            f"ON CONFLICT (guild_id, user_id) DO UPDATE SET {flag} = excluded.{flag}",
            (guild, user, int(value)),
        )

    async def record_nudge(self, guild: int, a: int, b: int, day: date, by: int) -> bool:
        """False when this member already nudged this pair today."""
        count = await self.db.execute(
            "INSERT OR IGNORE INTO nudges (guild_id, a, b, day, by_user) VALUES (?, ?, ?, ?, ?)",
            (guild, a, b, day.isoformat(), by),
        )
        return count > 0

    async def prune_interactions(self, before: datetime) -> int:
        """Retention: raw interactions and remembered messages older than `before` go."""
        async with self.db.transaction():
            cur = await self.db.conn.execute(
                "DELETE FROM interactions WHERE ts < ?", (to_us(before),)
            )
            count = cur.rowcount
            await self.db.conn.execute("DELETE FROM messages WHERE ts < ?", (to_us(before),))
        return count
