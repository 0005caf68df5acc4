"""What the tracking pipeline reads, besides the tracking store's snapshot, to rebuild an
evicted (or restarted) guild's rule state exactly. Portable SQL (`?` placeholders, plain
aggregates), for either backend's database."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from bot.domain.challenges import Challenge
from bot.domain.engine import (
    COOLDOWN_HORIZON,
    FLAG_COOLDOWN_PASSED,
    DayCounters,
    GuildSnapshot,
    MemberInfo,
    memory_window_start,
)
from bot.domain.guild_settings import GuildSettings
from bot.domain.points import DUPLICATE_WINDOW_SECONDS
from bot.domain.timeutil import epoch_us, from_epoch_us
from bot.storage.challenges import challenges_from_rows, guild_challenge_reads
from bot.storage.guilds import SETTINGS_AND_CONFIG, parse_config, parse_settings
from bot.storage.sql import Query
from bot.storage.tracking import (
    STREAK_COLUMNS,
    build_untraced,
    day_reads,
    days_from_reads,
    days_from_rows,
    off_loop_if_big,
    snapshot_from_reads,
    snapshot_from_rows,
    snapshot_reads,
)

# users per IN (…) list of a member load (well under either backend's parameter limit)
MEMBERS_PER_QUERY = 5000


class _Reads(Protocol):
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    async def fetch_many(self, queries: Sequence[Query]) -> Sequence[Sequence[Any]]: ...


class NewestMessage(NamedTuple):
    ts: datetime | None  # the newest stored message's time (None: no message stored)
    message: int  # the highest stored message id (0: none)


_NEWEST_MESSAGE = (
    "SELECT (SELECT MAX(ts) FROM messages WHERE guild_id = ?), "
    "(SELECT MAX(message_id) FROM messages WHERE guild_id = ?)"
)
_NEWEST_INTERACTION = "SELECT MAX(ts) FROM interactions WHERE guild_id = ?"
_COOLDOWN_CLOCKS = (
    "SELECT actor_id, target_id, MAX(ts) FROM interactions WHERE guild_id = ? "
    "AND ts >= ? AND (flags & ?) = ? GROUP BY actor_id, target_id"
)
_RECENT_MESSAGES = (
    "SELECT author_id, ts, norm FROM messages WHERE guild_id = ? AND ts >= ? ORDER BY ts"
)


@dataclasses.dataclass(frozen=True)
class GuildHeads:
    """What a guild's load starts from, read in one round trip (GuildStateStore.heads)."""

    settings: GuildSettings | None  # None: the guild is not stored yet
    config: dict[str, Any]
    challenges: list[Challenge]
    newest_message: NewestMessage
    newest_interaction: datetime | None
    many_members: bool  # more stored members than the load's limit (loaded member by member)
    huge: bool = False  # more stored members than the warm-up's limit (warmed to the whole)


class GuildStateStore:
    def __init__(self, db: Any) -> None:
        self.db: _Reads = db

    async def heads(
        self, guild: int, member_limit: int | None, warm_limit: int | None = None
    ) -> GuildHeads:
        """The guild's settings, configuration and challenges, its newest stored message
        and interaction, and whether it stores more than `member_limit` members and more
        than `warm_limit` (None: not asked) - everything a load needs before it reads the
        guild's rows."""
        queries: list[Query] = [
            (SETTINGS_AND_CONFIG, (guild,)),
            (_NEWEST_MESSAGE, (guild, guild)),
            (_NEWEST_INTERACTION, (guild,)),
            *guild_challenge_reads(guild),
        ]
        limits = [limit for limit in (member_limit, warm_limit) if limit is not None]
        queries += [
            ("SELECT 1 FROM members WHERE guild_id = ? LIMIT 1 OFFSET ?", (guild, limit))
            for limit in limits
        ]
        stored, message, interaction, challenges, participants, *more = await self.db.fetch_many(
            queries
        )
        beyond = dict(zip(limits, (bool(rows) for rows in more), strict=True))
        return GuildHeads(
            parse_settings(stored[0][0]) if stored else None,
            parse_config(stored[0][1]) if stored else {},
            challenges_from_rows(guild, challenges, participants),
            _newest_message(message[0] if message else None),
            _newest(interaction[0] if interaction else None),
            member_limit is not None and beyond[member_limit],
            warm_limit is not None and beyond[warm_limit],
        )

    async def restore_reads(
        self, guild: int, zone: ZoneInfo, heads: GuildHeads
    ) -> tuple[GuildSnapshot, DayCounters | None]:
        """What GuildState.restore rebuilds the whole guild from, in one round trip: the
        snapshot (with the cooldown clocks of the 7 days before the newest interaction), and
        the stored facts of the days in memory (None when nothing was tracked yet; the
        snapshot's duplicate window then comes from the newest messages)."""
        newest = heads.newest_interaction
        snapshot = snapshot_reads(guild)
        days: list[Query] = []
        extra: list[Query] = []  # the cooldown clocks, or the duplicate window's messages
        if newest is not None:
            days = day_reads(guild, zone, memory_window_start(newest, zone), None)
            since = epoch_us(newest - COOLDOWN_HORIZON)
            extra = [(_COOLDOWN_CLOCKS, (guild, since, FLAG_COOLDOWN_PASSED, FLAG_COOLDOWN_PASSED))]
        elif heads.newest_message.ts is not None:
            since = epoch_us(heads.newest_message.ts) - (DUPLICATE_WINDOW_SECONDS + 1) * 1_000_000
            extra = [(_RECENT_MESSAGES, (guild, since))]
        rows = await self.db.fetch_many([*snapshot, *days, *extra])
        cut = len(snapshot) + len(days)
        return await off_loop_if_big(
            sum(map(len, rows)),
            _restore_from_reads,
            guild,
            rows[: len(snapshot)],
            rows[len(snapshot) : cut],
            rows[cut:],
        )

    async def members(self, guild: int) -> dict[int, MemberInfo]:
        """Every stored member of the guild."""
        rows = await self.db.fetchall(
            "SELECT user_id, bot, joined_at, left_guild, opted_out, excluded, reputation, active "
            "FROM members WHERE guild_id = ?",
            (guild,),
        )
        snapshot = await off_loop_if_big(
            len(rows), snapshot_from_rows, guild, None, rows, [], [], [], [], []
        )
        return snapshot.members

    async def member_ids(self, guild: int) -> list[int]:
        """Every member the guild stores a fact of, by id: a member row (everyone who took
        part in an interaction or earned points has one), a badge (a moderator may give one
        to anyone) or a hold."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM members WHERE guild_id = ? UNION "
            "SELECT user_id FROM member_badges WHERE guild_id = ? UNION "
            "SELECT user_id FROM review_flags WHERE guild_id = ? AND state = 'pending' "
            "AND mode = 'hold' ORDER BY 1",
            (guild, guild, guild),
        )
        return [int(r[0]) for r in rows]

    async def member_facts(
        self,
        guild: int,
        users: Collection[int],
        *,
        newest: datetime | None,
        reference: datetime | None,
        zone: ZoneInfo,
        since: date,
        background: bool = False,
    ) -> tuple[GuildSnapshot, DayCounters]:
        """What restoring the whole guild would read about `users` (GuildState.add_members):
        their member, badge and hold rows, every pair of one of them (streaks, partners), and
        their interactions, qualifying days and capped ledger rows of the local days from
        `since` on, with the cooldown clocks of the 7 days before `newest` (the newest stored
        interaction, None: none) and the messages of the duplicate window before `reference`
        - the same reference times the whole guild's restore uses."""
        parts: list[list[Any]] = [[] for _ in range(9)]
        ordered = sorted(users)
        for i in range(0, len(ordered), MEMBERS_PER_QUERY):
            chunk = ordered[i : i + MEMBERS_PER_QUERY]
            for part, rows in zip(
                parts,
                await self._member_rows(guild, chunk, newest, reference, zone, since),
                strict=True,
            ):
                part.extend(rows)
        size = sum(len(p) for p in parts)
        if background:  # (a warm-up step: never on the event loop, whatever its size)
            return await asyncio.to_thread(
                build_untraced, _facts_from_rows, guild, newest, zone, since, parts
            )
        return await off_loop_if_big(size, _facts_from_rows, guild, newest, zone, since, parts)

    async def _member_rows(
        self,
        g: int,
        users: list[int],
        newest: datetime | None,
        reference: datetime | None,
        zone: ZoneInfo,
        since: date,
    ) -> list[Sequence[Any]]:
        ids = ", ".join("?" * len(users))
        queries: list[Query] = [
            (
                "SELECT user_id, bot, joined_at, left_guild, opted_out, excluded, reputation, "  # noqa: S608
                f"active FROM members WHERE guild_id = ? AND user_id IN ({ids})",
                (g, *users),
            ),
            (
                f"SELECT {STREAK_COLUMNS} FROM pair_streaks WHERE guild_id = ? "  # noqa: S608
                f"AND a IN ({ids}) UNION SELECT {STREAK_COLUMNS} FROM pair_streaks "
                f"WHERE guild_id = ? AND b IN ({ids})",
                (g, *users, g, *users),
            ),
            (
                f"SELECT a, b FROM pair_days WHERE guild_id = ? AND a IN ({ids}) "  # noqa: S608
                f"UNION SELECT a, b FROM pair_days WHERE guild_id = ? AND b IN ({ids})",
                (g, *users, g, *users),
            ),
            (
                "SELECT user_id, badge FROM member_badges WHERE guild_id = ? "  # noqa: S608
                f"AND user_id IN ({ids})",
                (g, *users),
            ),
            (
                "SELECT user_id, since FROM review_flags WHERE guild_id = ? "  # noqa: S608
                f"AND state = 'pending' AND mode = 'hold' AND user_id IN ({ids})",
                (g, *users),
            ),
        ]
        if reference is not None:
            queries.append(
                (
                    "SELECT author_id, ts, norm FROM messages WHERE guild_id = ? AND ts >= ? "  # noqa: S608
                    f"AND author_id IN ({ids}) ORDER BY ts",
                    (g, epoch_us(reference) - (DUPLICATE_WINDOW_SECONDS + 1) * 1_000_000, *users),
                )
            )
        if newest is not None:
            first_us = _day_start_us(since, zone)
            lo = since.isoformat()
            from_us = min(first_us, epoch_us(newest - COOLDOWN_HORIZON))
            # the members' own interactions of those days, by the member indexes (017)
            queries += [
                (
                    "SELECT source, actor_id, target_id, kind, ts, day, flags "  # noqa: S608
                    f"FROM interactions WHERE guild_id = ? AND actor_id IN ({ids}) AND ts >= ? "
                    "UNION SELECT source, actor_id, target_id, kind, ts, day, flags "
                    f"FROM interactions WHERE guild_id = ? AND target_id IN ({ids}) AND ts >= ?",
                    (g, *users, from_us, g, *users, from_us),
                ),
                (
                    "SELECT a, b, day FROM pair_days WHERE guild_id = ? "  # noqa: S608
                    f"AND a IN ({ids}) AND ts >= ? AND day >= ? UNION SELECT a, b, day "
                    f"FROM pair_days WHERE guild_id = ? AND b IN ({ids}) AND ts >= ? AND day >= ?",
                    (g, *users, first_us, lo, g, *users, first_us, lo),
                ),
                (
                    "SELECT user_id, partner_id, day, delta FROM ledger WHERE guild_id = ? "  # noqa: S608
                    f"AND user_id IN ({ids}) AND ts >= ? AND day >= ? AND capped = 1",
                    (g, *users, first_us, lo),
                ),
            ]
        # one round trip for all of them
        rows = list(await self.db.fetch_many(queries))
        recent: Sequence[Any] = rows.pop(5) if reference is not None else []
        days: list[Sequence[Any]] = rows[5:] if newest is not None else [[], [], []]
        return [*rows[:5], recent, *days]


def _day_start_us(day: date, zone: ZoneInfo) -> int:
    """Where a local day's rows may start: a day before its local midnight (as fetch_days
    reads them, whatever the zone)."""
    if day <= date.min + timedelta(days=2):
        return -(2**62)
    return epoch_us(datetime.combine(day, time.min, tzinfo=zone) - timedelta(days=1))


def _facts_from_rows(
    guild: int, newest: datetime | None, zone: ZoneInfo, since: date, parts: list[list[Any]]
) -> tuple[GuildSnapshot, DayCounters]:
    members, streaks, pairs, badges, holding, recent, acts, qualified, capped = parts
    snapshot = snapshot_from_rows(guild, newest, members, streaks, pairs, badges, recent, holding)
    horizon_us = epoch_us(newest - COOLDOWN_HORIZON) if newest is not None else None
    clocks = _clocks_from_interactions(acts, horizon_us)
    first_us, lo = _day_start_us(since, zone), since.isoformat()
    day_rows = [r for r in acts if int(r[4]) >= first_us and str(r[5]) >= lo]
    counters = days_from_rows(day_rows, qualified, capped)
    return dataclasses.replace(snapshot, cooldowns=clocks), counters


def _clocks_from_interactions(
    rows: Sequence[Any], horizon_us: int | None
) -> dict[tuple[int, int], datetime]:
    """The last passing interaction of each directed pair from `horizon_us` on."""
    if horizon_us is None:
        return {}
    last: dict[tuple[int, int], int] = {}
    for r in rows:
        ts = int(r[4])
        if ts >= horizon_us and int(r[6]) & FLAG_COOLDOWN_PASSED:
            pair = (int(r[1]), int(r[2]))
            if ts > last.get(pair, -(2**63)):
                last[pair] = ts
    return {pair: from_epoch_us(ts) for pair, ts in last.items()}


def _texts_from_rows(rows: Sequence[Any]) -> list[tuple[int, datetime, str]]:
    return [(int(r[0]), from_epoch_us(int(r[1])), str(r[2])) for r in rows]


def _clocks_from_rows(rows: Sequence[Any]) -> dict[tuple[int, int], datetime]:
    return {(int(r[0]), int(r[1])): from_epoch_us(int(r[2])) for r in rows}


def _newest_message(row: Any) -> NewestMessage:
    if row is None or row[0] is None:
        return NewestMessage(None, 0)
    return NewestMessage(from_epoch_us(int(row[0])), int(row[1] or 0))


def _newest(row: Any) -> datetime | None:
    return from_epoch_us(int(row[0])) if row is not None and row[0] is not None else None


def _restore_from_reads(
    guild: int,
    snapshot_rows: Sequence[Sequence[Any]],
    day_rows: Sequence[Sequence[Any]],
    extra: Sequence[Sequence[Any]],
) -> tuple[GuildSnapshot, DayCounters | None]:
    snapshot = snapshot_from_reads(guild, snapshot_rows)
    if not day_rows:  # nothing tracked yet
        if extra:  # messages but no interaction yet: their texts count for duplicates
            snapshot = dataclasses.replace(snapshot, recent_messages=_texts_from_rows(extra[0]))
        return snapshot, None
    recent = days_from_reads(day_rows)
    return dataclasses.replace(snapshot, cooldowns=_clocks_from_rows(extra[0])), recent
