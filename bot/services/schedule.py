"""The scheduled jobs' own bookkeeping: which local day a guild was served, its live board."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.timeutil import epoch_us
from bot.services._base import Service
from bot.storage.jobs import JobState
from bot.storage.slots import InDoubt, SlotClaimRepository
from bot.tracking.pipeline import TrackingPipeline

log = logging.getLogger(__name__)

# how long a claimed job of the whole installation is left to its run before another run
# may take it over (its process died without finishing it)
GLOBAL_LEASE = timedelta(hours=1)


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

    async def claim_reminders(
        self, claims: list[tuple[int, str, str | None]], claimed_us: int
    ) -> set[int]:
        """Claim several guilds' reminders (guild, day, plan) in one write; the guilds won."""
        return await self.claims.claim_reminders(claims, claimed_us)

    async def reminder_done(self, guild: int, day: str, sent: int) -> None:
        """The reminder's last message is posted: recorded and confirmed in one write."""
        await self.claims.reminder_done(guild, day, sent)

    async def serve_without_post(self, served: list[tuple[int, str]]) -> None:
        if served:
            await self.claims.serve_without_post(served)

    async def confirm_reminder(self, guild: int, day: str) -> None:
        await self.claims.confirm_reminder(guild, day)

    async def plan_reminder(self, guild: int, day: str, plan: str) -> None:
        await self.claims.plan_reminder(guild, day, plan)

    async def reminder_sent(self, guild: int, day: str, sent: int, at_us: int) -> None:
        await self.claims.reminder_sent(guild, day, sent, at_us)

    async def reminder_failed(self, guild: int, day: str) -> None:
        await self.claims.reminder_failed(guild, day)

    async def reminders_in_doubt(self) -> list[InDoubt]:
        return await self.claims.reminders_in_doubt()

    async def claim_recap(self, guild: int, end_us: int, claimed_us: int) -> bool:
        return await self.claims.claim_recap(guild, end_us, claimed_us)

    async def note_recaps(self, ends: list[tuple[int, int]]) -> None:
        if ends:
            await self.claims.note_recaps(ends)

    async def confirm_recap(self, guild: int, end_us: int) -> None:
        await self.claims.confirm_recap(guild, end_us)

    async def recap_failed(self, guild: int, end_us: int) -> None:
        await self.claims.recap_failed(guild, end_us)

    async def recaps_in_doubt(self) -> list[InDoubt]:
        return await self.claims.recaps_in_doubt()

    @contextlib.asynccontextmanager
    async def global_once(
        self, name: str, period: str, now: datetime | None = None
    ) -> AsyncIterator[bool]:
        """Run a job of the whole installation once per period, in one process: the period
        is claimed (an atomic compare-and-set, no lock is waited for) with a lease of
        GLOBAL_LEASE; the body runs when this yields True and the period is marked done when
        it returns. A body that raises gives the claim back (the next run tries again), and a
        claim whose process died is taken over once its lease ran out."""
        claimed_us = epoch_us(now or datetime.now(UTC))
        lease_us = int(GLOBAL_LEASE.total_seconds() * 1_000_000)
        mine = await self.claims.claim_global(name, period, claimed_us, lease_us)
        if not mine:
            yield False
            return
        try:
            yield True
        except BaseException:
            try:
                await self.claims.release_global(name, period, claimed_us)
            except Exception:
                log.exception("could not give back the claim of %s for %s", name, period)
            raise
        await self.claims.done_global(name, period)

    async def set_board_message(self, guild: int, message: int | None) -> None:
        await self.repo.mark("leaderboard_message", [(guild, message)])


__all__ = ["InDoubt", "JobState", "ScheduleService"]
