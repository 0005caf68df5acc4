"""Members of a guild as commands read them, their preferences and flags."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.sql import SqlDatabase


@dataclass(frozen=True, slots=True)
class MemberRow:
    user: int
    reputation: int
    notify: str
    visibility: str
    opted_out: bool
    excluded: bool
    bot: bool


class MemberRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

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
        """`notify`, `visibility` or `cards`."""
        if name not in ("notify", "visibility", "cards"):
            raise ValueError(name)
        await self._set_column(guild, user, name, value)

    async def _set_column(self, guild: int, user: int, column: str, value: str | int) -> None:
        """One member column (a name checked by the caller), creating the member's row."""
        await self.db.execute(
            f"INSERT INTO members (guild_id, user_id, {column}) VALUES (?, ?, ?) "  # noqa: S608
            f"ON CONFLICT (guild_id, user_id) DO UPDATE SET {column} = excluded.{column}",
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

    async def count_reputation(self, guild: int, public_only: bool = False) -> int:
        """How many members the reputation board shows (top_reputation's filter)."""
        shown = "visibility = 'public'" if public_only else "visibility != 'private'"
        r = await self.db.fetchone(
            "SELECT COUNT(*) FROM members WHERE guild_id = ? AND reputation > 0 "  # noqa: S608
            f"AND bot = 0 AND opted_out = 0 AND excluded = 0 AND {shown}",
            (guild,),
        )
        return int(r[0]) if r else 0

    async def set_flag(self, guild: int, user: int, flag: str, value: bool) -> None:
        """`opted_out` or `excluded`."""
        if flag not in ("opted_out", "excluded"):
            raise ValueError(flag)
        await self._set_column(guild, user, flag, int(value))

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

    async def card_style(self, guild: int, user: int) -> str:
        """'image' (the default) or 'text': how the member wants their cards."""
        r = await self.db.fetchone(
            "SELECT cards FROM members WHERE guild_id = ? AND user_id = ?", (guild, user)
        )
        return str(r[0]) if r else "image"
