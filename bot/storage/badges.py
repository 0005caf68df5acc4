"""Badge definitions (built-in overrides and custom badges) and who holds what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.badges import BUILTIN_BADGES, BadgeInfo, challenge_badge
from bot.storage.database import from_us, to_us
from bot.storage.sql import SqlDatabase


@dataclass(frozen=True, slots=True)
class BadgeDef:
    key: str
    name: str
    emoji: str
    description: str
    role_id: int | None
    custom: bool


@dataclass(frozen=True, slots=True)
class HeldBadge:
    key: str
    awarded_at: datetime


def _from_info(info: BadgeInfo) -> BadgeDef:
    return BadgeDef(info.key, info.name, info.emoji, info.description, None, False)


class BadgeRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def definitions(self, guild: int) -> dict[str, BadgeDef]:
        """Built-ins (with the guild's overrides) and the guild's custom badges."""
        out = {key: _from_info(info) for key, info in BUILTIN_BADGES.items()}
        for r in await self.db.fetchall(
            "SELECT challenge_id, name FROM challenges WHERE guild_id = ?", (guild,)
        ):
            key = challenge_badge(int(r[0]))
            out[key] = BadgeDef(
                key, str(r[1]), "🏁", f"Completed the challenge {r[1]}", None, False
            )
        for r in await self.db.fetchall(
            "SELECT badge, name, emoji, description, role_id, custom FROM badges "
            "WHERE guild_id = ?",
            (guild,),
        ):
            out[str(r[0])] = BadgeDef(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                int(r[4]) if r[4] is not None else None,
                bool(r[5]),
            )
        return out

    async def define(self, guild: int, badge: BadgeDef) -> None:
        await self.db.execute(
            "INSERT INTO badges (guild_id, badge, name, emoji, description, role_id, custom) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, badge) DO UPDATE SET "
            "name = excluded.name, emoji = excluded.emoji, description = excluded.description, "
            "role_id = excluded.role_id, custom = excluded.custom",
            (
                guild,
                badge.key,
                badge.name,
                badge.emoji,
                badge.description,
                badge.role_id,
                int(badge.custom),
            ),
        )

    async def held(self, guild: int, user: int) -> list[HeldBadge]:
        rows = await self.db.fetchall(
            "SELECT badge, awarded_at FROM member_badges WHERE guild_id = ? AND user_id = ? "
            "ORDER BY awarded_at",
            (guild, user),
        )
        return [HeldBadge(str(r[0]), from_us(r[1])) for r in rows]

    async def holders(self, guild: int, badge: str) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM member_badges WHERE guild_id = ? AND badge = ?", (guild, badge)
        )
        return [int(r[0]) for r in rows]

    async def awarded_between(
        self, guild: int, start: datetime, end: datetime
    ) -> list[tuple[int, str]]:
        """(member, badge) of the badges awarded in [start, end), in award order."""
        rows = await self.db.fetchall(
            "SELECT user_id, badge FROM member_badges WHERE guild_id = ? AND awarded_at >= ? "
            "AND awarded_at < ? ORDER BY awarded_at, user_id",
            (guild, to_us(start), to_us(end)),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def grant(self, guild: int, user: int, badge: str, at: datetime) -> bool:
        count = await self.db.execute(
            "INSERT INTO member_badges (guild_id, user_id, badge, awarded_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild, user, badge, to_us(at)),
        )
        return count > 0

    async def revoke(self, guild: int, user: int, badge: str) -> bool:
        count = await self.db.execute(
            "DELETE FROM member_badges WHERE guild_id = ? AND user_id = ? AND badge = ?",
            (guild, user, badge),
        )
        return count > 0
