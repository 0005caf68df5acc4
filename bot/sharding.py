"""Which guilds a process owns (issue #13): Discord's rule, guild → shard
``(guild_id >> 22) % shard_count``. A process tracks, imports and schedules only the guilds
of its shards; with no sharding configured it owns every guild."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings


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
