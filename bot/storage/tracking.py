"""Persistence of the tracking pipeline: batch writes and rebuilding rule state."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.domain.challenges import WindowInteraction
from bot.domain.engine import (
    FLAG_STREAK,
    Batch,
    CappedAward,
    DayCounters,
    GuildSnapshot,
    MemberInfo,
    StoredInteraction,
    StoredMessage,
)
from bot.domain.points import DUPLICATE_WINDOW_SECONDS
from bot.domain.streaks import StreakRun, run_days
from bot.storage.database import from_us, to_us
from bot.storage.quarantine import ROW_ERRORS, QuarantineRepository, unstorable
from bot.storage.sql import Query, SqlDatabase

_INSERT_MESSAGE = (
    "INSERT INTO messages (guild_id, message_id, channel_id, author_id, ts, norm) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_INTERACTION = (
    "INSERT INTO interactions (guild_id, source, actor_id, target_id, kind, ts, day, "
    "channel_id, points, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
# a ledger row is keyed by (guild, user, reason, source) (migration 015): written again - a
# batch put back after a COMMIT whose outcome was unknown - it adds nothing
_INSERT_LEDGER = (
    "INSERT INTO ledger (guild_id, user_id, delta, reason, source, ts, day, partner_id, capped, "
    "held) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_PAIR_DAY = (
    "INSERT INTO pair_days (guild_id, a, b, day, ts) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_UPSERT_STREAK = (
    "INSERT INTO pair_streaks (guild_id, a, b, current, best, freezes, last_day, run_start) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, a, b) DO UPDATE SET "
    "current = excluded.current, best = excluded.best, freezes = excluded.freezes, "
    "last_day = excluded.last_day, run_start = excluded.run_start"
)
_UPSERT_REPUTATION = (
    "INSERT INTO members (guild_id, user_id, reputation, active) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (guild_id, user_id) DO UPDATE SET reputation = excluded.reputation, active = 1"
)
_MARK_ACTIVE = (
    "INSERT INTO members (guild_id, user_id, active) VALUES (?, ?, 1) "
    "ON CONFLICT (guild_id, user_id) DO UPDATE SET active = 1"
)
_UPSERT_MEMBER = (
    "INSERT INTO members (guild_id, user_id, bot, joined_at, left_guild, opted_out, excluded) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET "
    "bot = excluded.bot, joined_at = excluded.joined_at, left_guild = excluded.left_guild, "
    "opted_out = excluded.opted_out, excluded = excluded.excluded"
)
_ADVANCE_CURSOR = (
    "INSERT INTO channel_cursors (guild_id, channel_id, last_message_id) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id, channel_id) DO UPDATE SET last_message_id = CASE "
    "WHEN excluded.last_message_id > channel_cursors.last_message_id "
    "THEN excluded.last_message_id ELSE channel_cursors.last_message_id END"
)
_INSERT_OUTBOX = (
    "INSERT INTO badge_outbox (guild_id, user_id, badge, awarded_at, actor) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_BADGE = (
    "INSERT INTO member_badges (guild_id, user_id, badge, awarded_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)


@dataclass(frozen=True, slots=True)
class PairStreakRow:
    guild: int
    a: int
    b: int
    run: StreakRun


_T = TypeVar("_T")


@functools.lru_cache(maxsize=4096)
def _iso_day(value: str) -> date:
    return date.fromisoformat(value)


STREAK_COLUMNS = "a, b, current, best, freezes, last_day, run_start"


def streak_params(guild: int, a: int, b: int, run: StreakRun) -> tuple[Any, ...]:
    """A pair streak as the parameters of _UPSERT_STREAK."""
    return (
        guild,
        a,
        b,
        run.current,
        run.best,
        run.freezes,
        run.last.isoformat() if run.last else "",
        run.run_start.isoformat() if run.run_start else "",
    )


def streak_from_row(guild: int, r: Any) -> PairStreakRow:
    """A row selected as STREAK_COLUMNS → PairStreakRow."""
    return PairStreakRow(
        guild,
        int(r[0]),
        int(r[1]),
        StreakRun(
            int(r[2]),
            int(r[3]),
            int(r[4]),
            _iso_day(r[5]) if r[5] else None,
            _iso_day(r[6]) if r[6] else None,
        ),
    )


# a result of more rows than this is turned into Python objects in a worker thread, so the
# event loop keeps running meanwhile (a huge guild's rebuild); smaller ones inline (a thread
# hop costs more than they do)
OFF_LOOP_ROWS = 20_000


async def off_loop_if_big(rows: int, build: Callable[..., _T], *args: Any) -> _T:
    """`build(*args)`, in a worker thread when it converts more than OFF_LOOP_ROWS rows."""
    if rows > OFF_LOOP_ROWS:
        return await asyncio.to_thread(build_untraced, build, *args)
    return build(*args)


def build_untraced(build: Callable[..., _T], *args: Any) -> _T:
    with untraced():
        return build(*args)


@contextlib.contextmanager
def untraced() -> Iterator[None]:
    """Build a huge guild's objects without the cyclic garbage collector: its full
    collections, triggered again and again by a million new objects, each hold every thread
    (the event loop too) for up to a few hundred milliseconds. What was built is then moved
    out of the collector's sight (gc.freeze: plain data without cycles, freed by reference
    counting when the state is evicted), so no later collection walks it either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def snapshot_from_rows(
    g: int,
    newest: datetime | None,
    member_rows: Sequence[Any],
    streak_rows: Sequence[Any],
    pair_rows: Sequence[Any],
    badge_rows: Sequence[Any],
    recent_rows: Sequence[Any],
    holding_rows: Sequence[Any],
) -> GuildSnapshot:
    members: dict[int, MemberInfo] = {}
    reputation: dict[int, int] = {}
    active: set[int] = set()
    for row in member_rows:
        user = int(row[0])
        members[user] = MemberInfo(
            bool(row[1]),
            from_us(row[2]) if row[2] is not None else None,
            bool(row[4]),
            bool(row[5]),
            bool(row[3]),
        )
        if row[6]:
            reputation[user] = int(row[6])
        if row[7]:
            active.add(user)
    streaks = {(r.a, r.b): r.run for r in (streak_from_row(g, row) for row in streak_rows)}
    partner_pairs = [(int(r[0]), int(r[1])) for r in pair_rows]
    badges = [(int(r[0]), str(r[1])) for r in badge_rows]
    recent = [(int(r[0]), from_us(r[1]), str(r[2])) for r in recent_rows]
    holding = {int(r[0]): from_us(r[1]) for r in holding_rows}
    return GuildSnapshot(
        members, reputation, active, streaks, partner_pairs, badges, newest, recent, holding
    )


def days_from_rows(
    interaction_rows: Sequence[Any], qualified_rows: Sequence[Any], capped_rows: Sequence[Any]
) -> DayCounters:
    interactions = [
        StoredInteraction(
            str(r[0]), int(r[1]), int(r[2]), str(r[3]), from_us(r[4]), _iso_day(r[5]), int(r[6])
        )
        for r in interaction_rows
    ]
    qualified = [(int(r[0]), int(r[1]), _iso_day(r[2])) for r in qualified_rows]
    capped = [CappedAward(int(r[0]), int(r[1]), _iso_day(r[2]), int(r[3])) for r in capped_rows]
    return DayCounters(interactions, qualified, capped)


# -- what a guild's rule state is rebuilt from: the statements, then their rows' conversion
# (also composed with other reads into one round trip by GuildStateStore)


def snapshot_reads(guild: int) -> list[Query]:
    """The reads of a guild's snapshot (snapshot_from_reads turns their rows into it)."""
    g = guild
    window_us = (DUPLICATE_WINDOW_SECONDS + 1) * 1_000_000
    return [
        (
            "SELECT user_id, bot, joined_at, left_guild, opted_out, excluded, reputation, active "
            "FROM members WHERE guild_id = ?",
            (g,),
        ),
        (f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ?", (g,)),  # noqa: S608
        ("SELECT DISTINCT a, b FROM pair_days WHERE guild_id = ?", (g,)),
        ("SELECT user_id, badge FROM member_badges WHERE guild_id = ?", (g,)),
        ("SELECT MAX(ts) FROM interactions WHERE guild_id = ?", (g,)),
        # the duplicate window before the newest interaction (nothing without one)
        (
            "SELECT author_id, ts, norm FROM messages WHERE guild_id = ? AND ts >= "
            "(SELECT MAX(ts) FROM interactions WHERE guild_id = ?) - ? ORDER BY ts",
            (g, g, window_us),
        ),
        (
            "SELECT user_id, since FROM review_flags WHERE guild_id = ? "
            "AND state = 'pending' AND mode = 'hold'",
            (g,),
        ),
    ]


def snapshot_from_reads(guild: int, rows: Sequence[Sequence[Any]]) -> GuildSnapshot:
    members, streaks, pairs, badges, latest, recent, holding = rows
    newest = from_us(latest[0][0]) if latest and latest[0][0] is not None else None
    return snapshot_from_rows(guild, newest, members, streaks, pairs, badges, recent, holding)


def day_reads(guild: int, zone: ZoneInfo, first: date, last: date | None) -> list[Query]:
    """The reads of local days first..last (open-ended when last is None)."""
    # a day's rows lie within a day either side of its local midnight, whatever the zone
    ts_from = to_us(datetime.combine(first, time.min, tzinfo=zone) - timedelta(days=1))
    ts_to = (
        to_us(datetime.combine(last, time.min, tzinfo=zone) + timedelta(days=2))
        if last is not None
        else 2**62
    )
    lo, hi = first.isoformat(), (last.isoformat() if last is not None else "9999-12-31")
    window = (guild, ts_from, ts_to, lo, hi)
    return [
        (
            "SELECT source, actor_id, target_id, kind, ts, day, flags FROM interactions "
            "WHERE guild_id = ? AND ts >= ? AND ts < ? AND day >= ? AND day <= ? ORDER BY ts",
            window,
        ),
        (
            "SELECT a, b, day FROM pair_days WHERE guild_id = ? AND ts >= ? AND ts < ? "
            "AND day >= ? AND day <= ?",
            window,
        ),
        (
            "SELECT user_id, partner_id, day, delta FROM ledger WHERE guild_id = ? "
            "AND ts >= ? AND ts < ? AND day >= ? AND day <= ? AND capped = 1",
            window,
        ),
    ]


def days_from_reads(rows: Sequence[Sequence[Any]]) -> DayCounters:
    interactions, qualified, capped = rows
    return days_from_rows(interactions, qualified, capped)


class TrackingStore:
    """Writes pipeline batches in one transaction and reloads rule state of a guild."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        self.quarantine = QuarantineRepository(db)

    @staticmethod
    def batch_rows(batch: Batch) -> list[tuple[str, Sequence[tuple[Any, ...]]]]:
        """The (statement, rows) pairs that persist a batch, in write order."""
        touched = [(g, u) for g, u in batch.active if (g, u) not in batch.reputation]
        plan: list[tuple[str, Sequence[tuple[Any, ...]]]] = [
            (
                _UPSERT_MEMBER,
                [
                    (
                        g,
                        u,
                        int(m.bot),
                        to_us(m.joined_at) if m.joined_at else None,
                        int(m.left),
                        int(m.opted_out),
                        int(m.excluded),
                    )
                    for (g, u), m in batch.members.items()
                ],
            ),
            # the engine produces these rows in their stored form already
            (_INSERT_MESSAGE, batch.messages),
            (_INSERT_INTERACTION, batch.interactions),
            (_INSERT_LEDGER, batch.ledger),
            (_INSERT_PAIR_DAY, batch.pair_days),
            (
                _UPSERT_STREAK,
                [streak_params(g, a, b, r) for (g, a, b), r in batch.streaks.items()],
            ),
            (_UPSERT_REPUTATION, [(g, u, rep) for (g, u), rep in batch.reputation.items()]),
            (_MARK_ACTIVE, touched),
            (_INSERT_BADGE, batch.badges),
            (_INSERT_OUTBOX, batch.outbox),
            (_ADVANCE_CURSOR, [(g, c, m) for (g, c), m in batch.cursors.items()]),
        ]
        return [(sql, rows) for sql, rows in plan if rows]

    async def write_batch(
        self, batch: Batch, max_freezes: Callable[[int], int] = lambda _guild: 2
    ) -> tuple[int, dict[tuple[int, int, int], StreakRun]]:
        """Persist a batch atomically, with the streaks of pairs that gained an older day
        recomputed from all their stored days in the same transaction (so a crash never
        leaves a stale streak); returns the rows written and the recomputed streaks.

        Writing a batch again changes nothing it wrote the first time, so a batch whose
        COMMIT succeeded although the caller saw an error (PostgreSQL's connection lost
        during COMMIT; the pipeline puts it back and writes it with what came since) is
        applied once: every row is inserted by its key with ON CONFLICT DO NOTHING (messages,
        interactions, ledger, pair days, badges, badge deliveries) or set to the value in
        memory (members, reputation, streaks; a recomputed streak is read from the stored
        days), cursors only move forward and a quarantined row is kept once."""
        plan = self.batch_rows(batch)
        recomputed: dict[tuple[int, int, int], StreakRun] = {}
        written = 0
        async with self.db.transaction():
            for sql, rows in plan:
                written += await self._write_rows(sql, rows)
            for guild, a, b in sorted(batch.recompute):
                run = run_days(await self.pair_days_of(guild, a, b), max_freezes(guild))
                await self.save_streak(guild, a, b, run)
                recomputed[(guild, a, b)] = run
        return written + len(recomputed), recomputed

    async def _write_rows(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
        """All rows at once; when one of them cannot be stored (a value the database cannot
        bind, a constraint), row by row, setting the bad ones aside in the quarantine so the
        rest of the batch - every other guild's too - is written. Returns rows written."""
        try:
            async with self.db.savepoint("write_rows"):
                await self.db.executemany(sql, rows)
        except ROW_ERRORS:
            pass
        else:
            return len(rows)
        bad: list[tuple[Sequence[Any], str]] = []
        for row in rows:
            why = unstorable(row)
            if why is None:
                try:
                    async with self.db.savepoint("write_row"):
                        await self.db.execute(sql, row)
                except ROW_ERRORS as exc:
                    why = f"{type(exc).__name__}: {exc}"
            if why is not None:
                bad.append((row, why))
        await self.quarantine.add(sql, bad)
        return len(rows) - len(bad)

    async def cursors(self, guild: int) -> dict[int, int]:
        """Last message id seen per channel (for history backfill)."""
        rows = await self.db.fetchall(
            "SELECT channel_id, last_message_id FROM channel_cursors WHERE guild_id = ?", (guild,)
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def forget_message_text(self, guild: int, message_id: int) -> None:
        """A deleted message keeps its author and time (replies to it are still judged)
        but not its text."""
        await self.db.execute(
            "UPDATE messages SET norm = '' WHERE guild_id = ? AND message_id = ?",
            (guild, message_id),
        )

    async def pair_days_of(self, guild: int, a: int, b: int) -> list[date]:
        rows = await self.db.fetchall(
            "SELECT day FROM pair_days WHERE guild_id = ? AND a = ? AND b = ? ORDER BY day",
            (guild, a, b),
        )
        return [_iso_day(r[0]) for r in rows]

    async def save_streak(self, guild: int, a: int, b: int, run: StreakRun) -> None:
        await self.db.execute(_UPSERT_STREAK, streak_params(guild, a, b, run))

    async def messages_by_ids(self, guild: int, ids: list[int]) -> dict[int, StoredMessage]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT message_id, author_id, ts FROM messages WHERE guild_id = ? "  # noqa: S608
            f"AND message_id IN ({marks})",
            (guild, *ids),
        )
        return {int(r[0]): StoredMessage(int(r[1]), from_us(r[2])) for r in rows}

    async def interaction_exists(
        self, guild: int, source: str, actor: int, target: int, kind: str
    ) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM interactions WHERE guild_id = ? AND source = ? AND actor_id = ? "
            "AND target_id = ? AND kind = ?",
            (guild, source, actor, target, kind),
        )
        return row is not None

    async def has_data(self, guild: int) -> bool:
        """Has anything been tracked in this guild (so keys must be checked in the store)?"""
        row = await self.db.fetchone(
            "SELECT 1 FROM messages WHERE guild_id = ? UNION ALL "
            "SELECT 1 FROM interactions WHERE guild_id = ? LIMIT 1",
            (guild, guild),
        )
        return row is not None

    async def fetch_snapshot(self, guild: int) -> GuildSnapshot:
        """What a guild's rule state is rebuilt from (GuildState.restore), read in one round
        trip; turning a big guild's rows into the snapshot runs in a worker thread, so the
        event loop is not stalled meanwhile."""
        rows = await self.db.fetch_many(snapshot_reads(guild))
        return await off_loop_if_big(sum(map(len, rows)), snapshot_from_reads, guild, rows)

    async def fetch_days(
        self, guild: int, zone: ZoneInfo, first: date, last: date | None
    ) -> DayCounters:
        """The stored facts of local days first..last (open-ended when last is None):
        interactions, qualifying days and capped ledger rows."""
        rows = await self.db.fetch_many(day_reads(guild, zone, first, last))
        return await off_loop_if_big(sum(map(len, rows)), days_from_reads, rows)

    # -- read models --------------------------------------------------------------------
    async def all_pair_streaks(self, guild: int) -> list[PairStreakRow]:
        rows = await self.db.fetchall(
            f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ? ORDER BY a, b",  # noqa: S608
            (guild,),
        )
        return [streak_from_row(guild, r) for r in rows]

    async def window_interactions(
        self, guild: int, start: datetime, end: datetime
    ) -> list[WindowInteraction]:
        rows = await self.db.fetchall(
            "SELECT actor_id, target_id, kind, ts, flags FROM interactions "
            "WHERE guild_id = ? AND ts >= ? AND ts < ?",
            (guild, to_us(start), to_us(end)),
        )
        return [
            WindowInteraction(
                int(r[0]), int(r[1]), str(r[2]), from_us(r[3]), bool(int(r[4]) & FLAG_STREAK)
            )
            for r in rows
        ]

    async def window_pair_days(
        self, guild: int, start: datetime, end: datetime
    ) -> list[tuple[int, int, date]]:
        rows = await self.db.fetchall(
            "SELECT a, b, day FROM pair_days WHERE guild_id = ? AND ts >= ? AND ts < ?",
            (guild, to_us(start), to_us(end)),
        )
        return [(int(r[0]), int(r[1]), _iso_day(r[2])) for r in rows]

    async def window_points(self, guild: int, start: datetime, end: datetime) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT user_id, SUM(delta) FROM ledger WHERE guild_id = ? AND ts >= ? AND ts < ? "
            "AND held = 0 GROUP BY user_id",
            (guild, to_us(start), to_us(end)),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def active_members(self, guild: int) -> list[tuple[int, int]]:
        """(user, reputation) of every non-bot member who took part in an interaction."""
        rows = await self.db.fetchall(
            "SELECT user_id, reputation FROM members WHERE guild_id = ? AND active = 1 "
            "AND bot = 0 ORDER BY user_id",
            (guild,),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def badges_of_guild(self, guild: int) -> dict[int, list[str]]:
        rows = await self.db.fetchall(
            "SELECT user_id, badge FROM member_badges WHERE guild_id = ?", (guild,)
        )
        out: dict[int, list[str]] = {}
        for r in rows:
            out.setdefault(int(r[0]), []).append(str(r[1]))
        return out
