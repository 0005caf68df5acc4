"""The scheduled jobs' own bookkeeping: which local day a guild was served, its live board."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator
from typing import Any

from bot.services._base import Service
from bot.storage.jobs import JobState
from bot.storage.slots import InDoubt, SlotClaimRepository
from bot.tracking.pipeline import TrackingPipeline


class ScheduleService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.repo = self.repos.jobs
        # the backend itself (the repositories' protocols only type its transactions)
        db: Any = self.repos.db
        self.claims = SlotClaimRepository(db)

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

    # -- claims (issue #13): one process posts each reminder and recap, once -------------
    async def claim_reminder(self, guild: int, day: str, claimed_us: int) -> bool:
        return await self.claims.claim_reminder(guild, day, claimed_us)

    async def serve_without_post(self, served: list[tuple[int, str]]) -> None:
        if served:
            await self.claims.serve_without_post(served)

    async def confirm_reminder(self, guild: int, day: str) -> None:
        await self.claims.confirm_reminder(guild, day)

    async def reminders_in_doubt(self) -> list[InDoubt]:
        return await self.claims.reminders_in_doubt()

    async def claim_recap(self, guild: int, end_us: int, claimed_us: int) -> bool:
        return await self.claims.claim_recap(guild, end_us, claimed_us)

    async def note_recaps(self, ends: list[tuple[int, int]]) -> None:
        if ends:
            await self.claims.note_recaps(ends)

    async def confirm_recap(self, guild: int, end_us: int) -> None:
        await self.claims.confirm_recap(guild, end_us)

    async def recaps_in_doubt(self) -> list[InDoubt]:
        return await self.claims.recaps_in_doubt()

    @contextlib.asynccontextmanager
    async def global_once(self, name: str, period: str) -> AsyncIterator[bool]:
        """Run a job of the whole installation once per period, in one process: under the
        database's advisory lock (PostgreSQL's is server-wide) the period is claimed; the
        body runs when this yields True."""
        key = zlib.crc32(f"kindling:{name}".encode())
        lock = getattr(self.repos.db, "advisory_lock", None)
        async with lock(key) if lock is not None else contextlib.nullcontext():
            yield await self.claims.claim_global(name, period)

    async def set_board_message(self, guild: int, message: int | None) -> None:
        await self.repo.mark("leaderboard_message", [(guild, message)])


__all__ = ["InDoubt", "JobState", "ScheduleService"]
