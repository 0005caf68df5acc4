"""Challenges and their participants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.challenges import Challenge
from bot.storage.database import from_us, to_us
from bot.storage.sql import Query, SqlDatabase


def guild_challenge_reads(guild: int) -> list[Query]:
    """The reads of a guild's challenges and their participants (challenges_from_rows)."""
    return [
        (
            "SELECT challenge_id, name, description, goal, target, starts, ends, multiplier, "
            "join_required, cancelled, closed FROM challenges WHERE guild_id = ? "
            "ORDER BY challenge_id",
            (guild,),
        ),
        (
            "SELECT challenge_id, user_id, joined_at FROM challenge_participants "
            "WHERE guild_id = ?",
            (guild,),
        ),
    ]


def challenges_from_rows(
    guild: int, challenge_rows: Sequence[Any], participant_rows: Sequence[Any]
) -> list[Challenge]:
    out: dict[int, Challenge] = {}
    for r in challenge_rows:
        out[int(r[0])] = Challenge(
            guild=guild,
            id=int(r[0]),
            name=str(r[1]),
            description=str(r[2]),
            goal=str(r[3]),
            target=int(r[4]),
            starts=from_us(r[5]),
            ends=from_us(r[6]),
            multiplier=float(r[7]),
            join_required=bool(r[8]),
            cancelled=bool(r[9]),
            closed=bool(r[10]),
        )
    for p in participant_rows:
        ch = out.get(int(p[0]))
        if ch is not None:
            ch.participants[int(p[1])] = from_us(p[2])
    return list(out.values())


class ChallengeRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def upsert(self, ch: Challenge) -> None:
        await self.db.execute(
            "INSERT INTO challenges (guild_id, challenge_id, name, description, goal, target, "
            "starts, ends, multiplier, join_required, cancelled, closed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, challenge_id) DO UPDATE SET name = excluded.name, "
            "description = excluded.description, goal = excluded.goal, "
            "target = excluded.target, starts = excluded.starts, ends = excluded.ends, "
            "multiplier = excluded.multiplier, join_required = excluded.join_required, "
            "cancelled = excluded.cancelled, closed = excluded.closed",
            (
                ch.guild,
                ch.id,
                ch.name,
                ch.description,
                ch.goal,
                ch.target,
                to_us(ch.starts),
                to_us(ch.ends),
                ch.multiplier,
                int(ch.join_required),
                int(ch.cancelled),
                int(ch.closed),
            ),
        )

    async def next_id(self, guild_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COALESCE(MAX(challenge_id), 0) + 1 FROM challenges WHERE guild_id = ?",
            (guild_id,),
        )
        return int(row[0]) if row else 1

    async def add_participant(
        self, guild_id: int, challenge_id: int, user_id: int, at: datetime
    ) -> bool:
        count = await self.db.execute(
            "INSERT INTO challenge_participants (guild_id, challenge_id, user_id, "
            "joined_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, challenge_id, user_id, to_us(at)),
        )
        return count > 0

    async def remove_participant(self, guild_id: int, challenge_id: int, user_id: int) -> bool:
        count = await self.db.execute(
            "DELETE FROM challenge_participants WHERE guild_id = ? AND challenge_id = ? "
            "AND user_id = ?",
            (guild_id, challenge_id, user_id),
        )
        return count > 0

    async def mark_closed(self, guild_id: int, challenge_id: int) -> None:
        await self.db.execute(
            "UPDATE challenges SET closed = 1 WHERE guild_id = ? AND challenge_id = ?",
            (guild_id, challenge_id),
        )

    async def due(self, now: datetime) -> list[tuple[int, int, str]]:
        """(guild, challenge, 'start'|'end') of every challenge whose start was not announced
        or whose end was not closed by `now`, across guilds."""
        rows = await self.db.fetchall(
            "SELECT guild_id, challenge_id, 'start' FROM challenges WHERE cancelled = 0 "
            "AND announced = 0 AND starts <= ? AND ends > ? "
            "UNION ALL SELECT guild_id, challenge_id, 'end' FROM challenges WHERE cancelled = 0 "
            "AND closed = 0 AND ends <= ? ORDER BY 1, 2",
            (to_us(now), to_us(now), to_us(now)),
        )
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    async def mark_announced(self, guild_id: int, challenge_id: int) -> None:
        await self.db.execute(
            "UPDATE challenges SET announced = 1 WHERE guild_id = ? AND challenge_id = ?",
            (guild_id, challenge_id),
        )

    async def for_guild(self, guild_id: int) -> list[Challenge]:
        challenges, participants = await self.db.fetch_many(guild_challenge_reads(guild_id))
        return challenges_from_rows(guild_id, challenges, participants)
