"""History import bookkeeping (SPEC §8): which channels' past to read, how far it got."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.guild_config import GuildConfig
from bot.services._base import Service
from bot.storage.history import HistoryImport, HistoryStep
from bot.tracking.history import plan_imports


@dataclass(frozen=True, slots=True)
class HistoryProgress:
    """A guild's history import as moderators see it."""

    days: int  # the history_days setting now
    channels: int  # channels whose import started
    finished: int
    messages: int  # messages read so far
    window_days: int  # the longest stretch imported, in days

    def summary(self) -> str:
        """One short line for /settings show."""
        if self.days == 0:
            if self.finished < self.channels:
                return f"off (stopped at {self.messages:,} messages)"
            return "off"
        if self.channels == 0:
            unit = "day" if self.days == 1 else "days"
            return f"last {self.days} {unit}, nothing read yet"
        if self.finished < self.channels:
            return f"{self.finished} of {self.channels} channels, {self.messages:,} messages so far"
        days = "day" if self.window_days == 1 else "days"
        messages = "message" if self.messages == 1 else "messages"
        return f"done: {self.window_days} {days}, {self.messages:,} {messages}"


class HistoryService(Service):
    """Progress rows change with the pipeline's own writes: `advance` first commits what was
    submitted before it, so stored progress never runs ahead of the data."""

    async def days(self, guild: int) -> int:
        return GuildConfig.from_dict(await self.repos.guilds.get_config(guild)).history_days

    async def plan(
        self,
        guild: int,
        channels: Mapping[int, int | None],
        now: datetime,
        retention_days: int | None = None,
    ) -> list[HistoryImport]:
        """Start imports for tracked channels that have none (or only a shorter one) and
        return every unfinished import of those channels. `channels`: each tracked channel
        the bot may read, with its newest message id. With `retention_days`, what the bot
        counted in this guild and then pruned as older than that is never read again."""
        async with self.pipeline.locked(guild, quiet=True, users=()):
            days = await self.days(guild)
            existing = await self.repos.history.of_guild(guild)
            forgotten = None
            if retention_days is not None:
                first = await self.repos.history.oldest_counted(guild)
                horizon = now - timedelta(days=retention_days)
                if first is not None and first < horizon:
                    forgotten = (first, horizon)
            new, run = plan_imports(guild, existing, channels, days, now, forgotten)
            if new:
                await self.repos.history.begin(new)
        return run

    async def imported_up_to(self, guild: int) -> dict[int, int]:
        """Per channel, the newest message any of its imports reads up to: live counting
        (the backfill cursor) must start there, or what came between would be nobody's."""
        out: dict[int, int] = {}
        for imp in await self.repos.history.of_guild(guild):
            if imp.until_id > 0:
                out[imp.channel] = max(out.get(imp.channel, 0), imp.until_id)
        return out

    async def end_gone(self, guild: int, channel: int) -> None:
        """A deleted channel's unfinished imports end (there is nothing left to read)."""
        async with self.pipeline.locked(guild, quiet=True, users=()):
            steps = [
                HistoryStep(imp.channel, imp.since, imp.after_id, imp.messages_seen, True)
                for imp in await self.repos.history.of_guild(guild)
                if imp.channel == channel and not imp.done
            ]
            if steps:
                await self.repos.history.advance(guild, steps)

    async def advance(self, guild: int, steps: Sequence[HistoryStep]) -> None:
        """Store how far imports got, after everything submitted so far is committed."""
        async with self.pipeline.locked(guild, quiet=True, users=()):
            await self.repos.history.advance(guild, steps)

    async def progress(self, guild: int) -> HistoryProgress:
        imports = await self.repos.history.of_guild(guild)
        window = max(
            (round((imp.started_at - imp.since).total_seconds() / 86400) for imp in imports),
            default=0,
        )
        unfinished = {imp.channel for imp in imports if not imp.done}
        channels = {imp.channel for imp in imports}
        return HistoryProgress(
            days=await self.days(guild),
            channels=len(channels),
            finished=len(channels - unfinished),
            messages=sum(imp.messages_seen for imp in imports),
            window_days=window,
        )
