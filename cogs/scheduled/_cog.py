"""Owns the scheduled jobs: installs them at load (rebuilt from the database every start)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from bot.scheduling.jobs import Jobs
from bot.scheduling.scheduler import install_jobs
from cogs.scheduled._poster import DiscordPoster
from cogs.scheduled._views import NudgeButton

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)


class ScheduledCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self.jobs = Jobs(bot.services, bot.reads, DiscordPoster(bot), owns=bot.owns)
        self._startup: asyncio.Task[object] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NudgeButton)
        self.bot.jobs = self.jobs
        settings = self.bot.settings
        ids = install_jobs(
            self.bot.scheduler,
            self.jobs,
            self.bot.clock,
            settings.retention_days,
            self.bot.backup_now if settings.backup_keep > 0 else None,
        )
        log.info("scheduled jobs: %s", ", ".join(ids))
        # challenges that started or ended while the bot was down: handled once, now
        self._startup = asyncio.create_task(self.jobs.run_challenges(self.bot.clock.now()))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NudgeButton)
        for job in self.bot.scheduler.get_jobs():
            job.remove()
        if self._startup is not None and not self._startup.done():
            self._startup.cancel()
