"""Pair streaks as boards, reminders and commands read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.storage.database import to_us
from bot.storage.sql import SqlDatabase
from bot.storage.tracking import STREAK_COLUMNS, PairStreakRow, streak_from_row


def _without(users: Sequence[int]) -> tuple[str, list[int]]:
    """SQL that leaves out pairs with one of `users` (hidden members), and its parameters."""
    if not users:
        return "", []
    marks = ",".join("?" * len(users))
    return f" AND a NOT IN ({marks}) AND b NOT IN ({marks})", [*users, *users]


class StreakRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    def _alive(self, guild: int, today: date, max_freezes: int) -> tuple[str, list[object]]:
        """WHERE clause: the pair's streak is alive on `today`, i.e. its last qualifying day is
        no older than 1 + its freezes days (streaks.view_at). Plain string comparisons of ISO
        dates (one threshold per freeze count up to max_freezes), so the covering index answers
        it; a run holding more freezes than today's max_freezes (earned before a moderator
        lowered it) is judged by date arithmetic on its own count."""
        since = (today - timedelta(days=1 + max_freezes)).isoformat()
        cases = " ".join(f"WHEN {k} THEN ?" for k in range(max_freezes + 1))
        thresholds = [(today - timedelta(days=1 + k)).isoformat() for k in range(max_freezes + 1)]
        older = self.db.dialect.days_before("?", "freezes + 1")
        sql = (
            f"guild_id = ? AND (last_day >= ? OR freezes > ?) AND last_day >= CASE freezes "
            f"{cases} ELSE {older} END"
        )
        return sql, [guild, since, max_freezes, *thresholds, today.isoformat()]

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
        # typed, so PostgreSQL knows the columns of the VALUES list (SQLite: the same values)
        values = ", ".join(
            "(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), "
            "CAST(? AS BIGINT), CAST(? AS BIGINT))"
            for _ in due
        )
        missed = self.db.dialect.days_between("due.today", "p.last_day")
        params: list[object] = []
        for guild, today, max_freezes, min_streak in due:
            since = (today - timedelta(days=1 + max_freezes)).isoformat()
            yesterday = (today - timedelta(days=1)).isoformat()
            params += [guild, today.isoformat(), yesterday, since, min_streak, max_freezes]
        # a pair last seen yesterday is always alive and at risk; only older ones (covered by
        # freezes) need date arithmetic, so most rows are decided by string comparisons
        rows = await self.db.fetchall(
            f"WITH due(g, today, yesterday, since, least, maxf) AS (VALUES {values}) "  # noqa: S608
            "SELECT p.guild_id, p.a, p.b, p.current, CASE WHEN p.last_day = due.yesterday "
            f"THEN p.freezes ELSE p.freezes - ({missed} - 1) END "
            "FROM due JOIN pair_streaks p ON p.guild_id = due.g "
            "WHERE (p.last_day >= due.since OR p.freezes > due.maxf) AND p.last_day < due.today "
            "AND p.current >= due.least "
            f"AND (p.last_day = due.yesterday OR {missed} - 1 <= p.freezes) "
            "ORDER BY p.guild_id, p.current DESC, p.a, p.b",
            params,
        )
        out: dict[int, list[tuple[int, int, int, int]]] = {}
        for r in rows:
            out.setdefault(int(r[0]), []).append((int(r[1]), int(r[2]), int(r[3]), int(r[4])))
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

    async def count_alive(
        self, guild: int, today: date, max_freezes: int, exclude: Sequence[int] = ()
    ) -> int:
        """How many pairs the running-streaks board shows (alive_streaks' filter)."""
        alive, params = self._alive(guild, today, max_freezes)
        without, ids = _without(exclude)
        r = await self.db.fetchone(
            f"SELECT COUNT(*) FROM pair_streaks WHERE {alive}{without}",  # noqa: S608
            (*params, *ids),
        )
        return int(r[0]) if r else 0

    async def count_pairs(self, guild: int, exclude: Sequence[int] = ()) -> int:
        """How many pairs the best-streaks board shows (top_best's filter)."""
        without, ids = _without(exclude)
        r = await self.db.fetchone(
            f"SELECT COUNT(*) FROM pair_streaks WHERE guild_id = ?{without}",  # noqa: S608
            (guild, *ids),
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

    async def top_pairs_between(
        self, guild: int, start: datetime, end: datetime, exclude: Sequence[int], limit: int
    ) -> list[tuple[int, int, int]]:
        """(a, b, days) of the pairs with the most streak days in [start, end), most first,
        without pairs of `exclude`d members (a recap's top pairs)."""
        without, args = _without(exclude)
        rows = await self.db.fetchall(
            "SELECT a, b, COUNT(*) AS days FROM pair_days "  # noqa: S608 - placeholders only
            f"WHERE guild_id = ? AND ts >= ? AND ts < ?{without} "
            "GROUP BY a, b ORDER BY days DESC, a, b LIMIT ?",
            (guild, to_us(start), to_us(end), *args, limit),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def days_of_member(self, guild: int, user: int) -> dict[tuple[int, int], list[date]]:
        """Every qualifying day of each of `user`'s pairs, ascending (calendar heatmaps):
        the primary key answers the pairs where `user` is `a`, pair_days_by_b the others."""
        rows = await self.db.fetchall(
            "SELECT a, b, day FROM pair_days WHERE guild_id = ? AND a = ? "
            "UNION ALL SELECT a, b, day FROM pair_days WHERE guild_id = ? AND b = ? "
            "ORDER BY 1, 2, 3",
            (guild, user, guild, user),
        )
        out: dict[tuple[int, int], list[date]] = {}
        for r in rows:
            out.setdefault((int(r[0]), int(r[1])), []).append(date.fromisoformat(r[2]))
        return out
