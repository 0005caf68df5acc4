"""What the tracking pipeline reads, besides the tracking store's snapshot, to rebuild an
evicted (or restarted) guild's rule state exactly. Portable SQL (`?` placeholders, plain
aggregates), for either backend's database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from bot.domain.engine import FLAG_COOLDOWN_PASSED
from bot.domain.points import DUPLICATE_WINDOW_SECONDS
from bot.domain.timeutil import epoch_us, from_epoch_us
from bot.storage.tracking import off_loop_if_big


class _Reads(Protocol):
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class NewestMessage(NamedTuple):
    ts: datetime | None  # the newest stored message's time (None: no message stored)
    message: int  # the highest stored message id (0: none)


class GuildStateStore:
    def __init__(self, db: Any) -> None:
        self.db: _Reads = db

    async def newest_message(self, guild: int) -> NewestMessage:
        row = await self.db.fetchone(
            "SELECT (SELECT MAX(ts) FROM messages WHERE guild_id = ?), "
            "(SELECT MAX(message_id) FROM messages WHERE guild_id = ?)",
            (guild, guild),
        )
        if row is None or row[0] is None:
            return NewestMessage(None, 0)
        return NewestMessage(from_epoch_us(int(row[0])), int(row[1] or 0))

    async def recent_messages(
        self, guild: int, newest: datetime
    ) -> list[tuple[int, datetime, str]]:
        """(author, ts, norm) of the messages of the duplicate window before `newest`."""
        since = epoch_us(newest) - (DUPLICATE_WINDOW_SECONDS + 1) * 1_000_000
        rows = await self.db.fetchall(
            "SELECT author_id, ts, norm FROM messages WHERE guild_id = ? AND ts >= ? ORDER BY ts",
            (guild, since),
        )
        return await off_loop_if_big(len(rows), _texts_from_rows, rows)

    async def cooldown_clocks(self, guild: int, since: datetime) -> dict[tuple[int, int], datetime]:
        """The last interaction of each directed pair that passed the cooldown, from `since`."""
        rows = await self.db.fetchall(
            "SELECT actor_id, target_id, MAX(ts) FROM interactions WHERE guild_id = ? "
            "AND ts >= ? AND (flags & ?) = ? GROUP BY actor_id, target_id",
            (guild, epoch_us(since), FLAG_COOLDOWN_PASSED, FLAG_COOLDOWN_PASSED),
        )
        return await off_loop_if_big(len(rows), _clocks_from_rows, rows)


def _texts_from_rows(rows: Sequence[Any]) -> list[tuple[int, datetime, str]]:
    return [(int(r[0]), from_epoch_us(int(r[1])), str(r[2])) for r in rows]


def _clocks_from_rows(rows: Sequence[Any]) -> dict[tuple[int, int], datetime]:
    return {(int(r[0]), int(r[1])): from_epoch_us(int(r[2])) for r in rows}
