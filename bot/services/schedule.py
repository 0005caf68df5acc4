"""The scheduled jobs' own bookkeeping: which local day a guild was served, its live board."""

from __future__ import annotations

from bot.services._base import Service
from bot.storage.jobs import JobState
from bot.tracking.pipeline import TrackingPipeline


class ScheduleService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.repo = self.repos.jobs

    async def all(self) -> dict[int, JobState]:
        return await self.repo.all()

    async def get(self, guild: int) -> JobState:
        return await self.repo.get(guild)

    async def mark_served(self, reminders: list[tuple[int, str]]) -> None:
        """Guilds whose reminders of a local day are done (before posting, so a restart never
        posts twice)."""
        if reminders:
            await self.repo.mark("last_reminder_day", list(reminders))

    async def mark_recaps(self, ends: list[tuple[int, int]]) -> None:
        """Guilds whose recap is done up to a period end (microseconds, UTC), marked before
        posting so a restart never posts a recap twice."""
        if ends:
            await self.repo.mark("last_recap_end", list(ends))

    async def set_board_message(self, guild: int, message: int | None) -> None:
        await self.repo.mark("leaderboard_message", [(guild, message)])


__all__ = ["JobState", "ScheduleService"]
