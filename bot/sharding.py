"""Which guilds a process owns (issue #13): Discord's rule, guild → shard
``(guild_id >> 22) % shard_count``. A process tracks, imports and schedules only the guilds
of its shards; with no sharding configured it owns every guild."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.config import Settings
from bot.storage.filecheck import DatabaseFileError


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard a guild's events arrive on (Discord's formula)."""
    return (int(guild_id) >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """`count` shards in all (None: not sharded), of which this process runs `ids`."""

    count: int | None = None
    ids: tuple[int, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> ShardPlan:
        if settings.shard_count is None:
            return cls()
        ids = settings.shard_id_list or tuple(range(settings.shard_count))
        return cls(settings.shard_count, ids)

    @property
    def sharded(self) -> bool:
        return self.count is not None

    @property
    def covers_all(self) -> bool:
        """Does this process own every guild (no sharding, or every shard)?"""
        return self.count is None or set(self.ids) == set(range(self.count))

    def owns(self, guild_id: int) -> bool:
        if self.count is None:
            return True
        return shard_of(guild_id, self.count) in self.ids

    def describe(self) -> str:
        if self.count is None:
            return "not sharded"
        return f"shards {_ranges(self.ids)} of {self.count}"


def _ranges(ids: tuple[int, ...]) -> str:
    parts: list[str] = []
    start = prev = None
    for i in sorted(ids):
        if start is None:
            start = prev = i
        elif prev is not None and i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = i
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(parts)


class ProcessLock:
    """An exclusive lock on ``<database>.lock`` held for the life of the process (the
    kernel drops it when the process dies, SIGKILL included), so two sharded processes
    never share one SQLite file."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, database: Path) -> ProcessLock:
        path = database.with_name(database.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise DatabaseFileError(
                f"DATABASE_PATH {str(database)!r} is in use by another Kindling process "
                f"({holder}): an SQLite file serves one process; run several processes "
                "(SHARD_IDS) on a shared PostgreSQL database"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the lock
            self._handle = None
