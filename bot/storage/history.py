"""History import progress per tracked channel (SPEC §8): what is left, what was read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import from_us, to_us
from bot.storage.sql import SqlDatabase


@dataclass(frozen=True, slots=True)
class HistoryImport:
    """One channel's import of its past from `since` up to message `until_id`.

    `after_id` is the last message id done: what is left is newer than it and not newer
    than `until_id` (0: the channel had no messages when the import started)."""

    guild: int
    channel: int
    since: datetime
    started_at: datetime
    after_id: int
    until_id: int
    messages_seen: int = 0
    done: bool = False


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """Progress of one import: the new `after_id`, messages read in total, finished or not."""

    channel: int
    since: datetime
    after_id: int
    messages_seen: int
    done: bool


_COLUMNS = "guild_id, channel_id, since_ts, started_at, after_id, until_id, messages_seen, done"


class HistoryImportRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def of_guild(self, guild: int) -> list[HistoryImport]:
        """Every import of the guild, by channel and then oldest stretch first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM history_imports WHERE guild_id = ? "  # noqa: S608
            "ORDER BY channel_id, since_ts",
            (guild,),
        )
        return [
            HistoryImport(
                int(r[0]),
                int(r[1]),
                from_us(r[2]),
                from_us(r[3]),
                int(r[4]),
                int(r[5]),
                int(r[6]),
                bool(r[7]),
            )
            for r in rows
        ]

    async def oldest_counted(self, guild: int) -> datetime | None:
        """When the guild's oldest reputation ledger row was earned (None: nothing yet)."""
        row = await self.db.fetchone("SELECT MIN(ts) FROM ledger WHERE guild_id = ?", (guild,))
        return from_us(row[0]) if row is not None and row[0] is not None else None

    async def begin(self, imports: Sequence[HistoryImport]) -> int:
        """Record new imports; one that exists already (same channel and start) is kept as
        it is. Returns how many were new."""
        added = 0
        async with self.db.transaction():
            for imp in imports:
                added += await self.db.execute(
                    f"INSERT INTO history_imports ({_COLUMNS}) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        imp.guild,
                        imp.channel,
                        to_us(imp.since),
                        to_us(imp.started_at),
                        imp.after_id,
                        imp.until_id,
                        imp.messages_seen,
                        int(imp.done),
                    ),
                )
        return added

    async def advance(self, guild: int, steps: Sequence[HistoryStep]) -> None:
        """Store how far imports got. Progress never moves back, and a finished import stays
        finished."""
        greatest = self.db.dialect.greatest
        async with self.db.transaction():
            for step in steps:
                await self.db.execute(
                    f"UPDATE history_imports SET after_id = {greatest('after_id', '?')}, "  # noqa: S608
                    f"messages_seen = {greatest('messages_seen', '?')}, "
                    f"done = {greatest('done', '?')} "
                    "WHERE guild_id = ? AND channel_id = ? AND since_ts = ?",
                    (
                        step.after_id,
                        step.messages_seen,
                        int(step.done),
                        guild,
                        step.channel,
                        to_us(step.since),
                    ),
                )
