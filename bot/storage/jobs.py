"""Bookkeeping of the scheduled jobs per guild (which day was served, the live board message)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.sql import SqlDatabase

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class JobState:
    last_reminder_day: str | None = None
    last_board_day: str | None = None
    leaderboard_message: int | None = None
    last_recap_end: int | None = None  # microseconds since the epoch (UTC)


_UPSERT = (
    "INSERT INTO guild_jobs (guild_id, {col}) VALUES (?, ?) "
    "ON CONFLICT (guild_id) DO UPDATE SET {col} = excluded.{col}"
)
_COLUMNS = ("last_reminder_day", "last_board_day", "leaderboard_message", "last_recap_end")
_SELECT = "SELECT guild_id, " + ", ".join(_COLUMNS) + " FROM guild_jobs"  # noqa: S608 - constants


def _opt_int(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) else None


class JobStateRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def all(self) -> dict[int, JobState]:
        rows = await self.db.fetchall(_SELECT)
        return {int(r[0]): JobState(r[1], r[2], _opt_int(r[3]), _opt_int(r[4])) for r in rows}

    async def get(self, guild: int) -> JobState:
        r = await self.db.fetchone(_SELECT + " WHERE guild_id = ?", (guild,))
        if r is None:
            return JobState()
        return JobState(r[1], r[2], _opt_int(r[3]), _opt_int(r[4]))

    async def mark(self, column: str, values: list[tuple[int, str | int | None]]) -> None:
        """Set one column for many guilds: (guild, value) pairs."""
        if column not in _COLUMNS:
            raise ValueError(column)
        sql = _UPSERT.format(col=column)
        async with self.db.transaction():
            for start in range(0, len(values), _CHUNK):
                await self.db.executemany(sql, values[start : start + _CHUNK])
