"""A member's own choices: opting out and in, visibility, reminders; export and retention."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.services._base import Service
from bot.tracking.pipeline import TrackingPipeline


class PrivacyService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.members = self.repos.members
        self.repo = self.repos.privacy
        self.nudges = self.repos.nudges

    async def export(self, guild: int, user: int) -> dict[str, Any]:
        await self.pipeline.flush()
        return await self.repo.export(guild, user)

    async def opt_out(self, guild: int, user: int) -> None:
        """Stop tracking the member and erase what was stored about them."""
        async with self.pipeline.locked(guild) as change:
            await self.repo.erase_member(guild, user)
            change.state.forget_member(user)

    async def opt_in(self, guild: int, user: int) -> None:
        async with self.pipeline.locked(guild) as change:
            await self.members.set_flag(guild, user, "opted_out", False)
            change.state.member(user).opted_out = False

    async def set_preference(self, guild: int, user: int, name: str, value: str) -> None:
        """`notify` (channel|dm|off) or `visibility` (public|server|private)."""
        async with self.pipeline.locked(guild):
            await self.members.set_preference(guild, user, name, value)

    async def record_nudge(self, guild: int, a: int, b: int, day: date, by: int) -> bool:
        """False when this member already nudged this pair today."""
        return await self.nudges.record_nudge(guild, a, b, day, by)

    async def prune(self, now: datetime, retention_days: int) -> int:
        """Retention: raw interactions and remembered messages older than the window go."""
        await self.pipeline.flush()
        return await self.repo.prune_interactions(now - timedelta(days=retention_days))
