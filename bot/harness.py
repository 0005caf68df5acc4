"""The real Kindling bot against the local sandbox, on a :class:`~bot.clock.ManualClock`.

Shared by ``python -m bot demo`` and the end-to-end tests::

    async with KindlingHarness(db_path, start=START) as h:  # sandbox up, discord.py aimed at it
        await h.start_bot()  # logged in, ready, guild commands synced
        alice = await h.ctl.add_member("alice")
        h.clock.advance(days=1)  # the bot and the sandbox read the same clock
    # the bot is closed, discord.py's endpoints restored, the sandbox stopped

The bot runs in the caller's event loop; nothing here is specific to tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from discord.ext import commands

from bot.app import KindlingBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sandbox import Control, Sandbox, sandbox_endpoints


class SandboxBot(KindlingBot):
    """discord.py waits 5 s before every re-IDENTIFY (Discord's rate limit); not locally."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class ShardedSandboxBot(SandboxBot, commands.AutoShardedBot):
    """SandboxBot on the shards of its settings (SHARD_COUNT, SHARD_IDS)."""


class KindlingHarness:
    """A sandbox on a manual clock, and the bot pointed at it (started and stopped on demand).

    ``async with`` starts the sandbox and points discord.py at it; leaving stops the bot if
    it is still running, restores discord.py's endpoints and stops the sandbox.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        start: datetime,
        badge_announce_seconds: float = 0.05,
        flush_interval_seconds: float = 0.05,
        timeout: float = 10.0,
        task_name: str = "kindling-sandbox",
        shard_count: int | None = None,
        shard_ids: str | None = None,
    ) -> None:
        self.clock = ManualClock(start)
        self.sandbox = Sandbox(now=self.clock, shards=shard_count or 1)
        self.shard_count = shard_count
        self.shard_ids = shard_ids
        self.db_path = db_path
        self.badge_announce_seconds = badge_announce_seconds
        self.flush_interval_seconds = flush_interval_seconds
        self.timeout = timeout
        self.task_name = task_name
        self.bot: SandboxBot | None = None
        self._task: asyncio.Task[None] | None = None
        self._endpoints: contextlib.ExitStack | None = None

    # -- the sandbox ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.sandbox.start()
        stack = contextlib.ExitStack()
        stack.enter_context(sandbox_endpoints(self.sandbox))
        self._endpoints = stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.bot is not None or self._task is not None:
                await self.stop_bot()
        finally:
            try:
                if self._endpoints is not None:
                    self._endpoints.close()
                    self._endpoints = None
            finally:
                await self.sandbox.stop()

    @property
    def ctl(self) -> Control:
        return self.sandbox.control

    @property
    def guild_id(self) -> int:
        return self.ctl.guild.id

    # -- the bot -------------------------------------------------------------------------------

    def settings(self) -> Settings:
        return Settings(
            database_path=self.db_path,
            dev_guild_id=self.guild_id,
            flush_interval_seconds=self.flush_interval_seconds,
            discord_token=self.sandbox.token,
            badge_announce_seconds=self.badge_announce_seconds,
            shard_count=self.shard_count,
            shard_ids=self.shard_ids,
        )

    async def start_bot(self) -> SandboxBot:
        """Log the bot in, run it until ready and until its guild commands are synced."""
        cls = ShardedSandboxBot if self.shard_count is not None else SandboxBot
        bot = cls(self.settings(), self.clock, guild_ready_timeout=0.05)
        await bot.login(self.sandbox.token)
        self._task = asyncio.create_task(bot.connect(reconnect=True), name=self.task_name)
        self.bot = bot  # from here on, stop_bot (or leaving the harness) closes it
        await asyncio.wait_for(bot.wait_until_ready(), timeout=self.timeout)
        await self.ctl.wait_for_commands(self.guild_id, names=("streak",), timeout=self.timeout)
        return bot

    async def stop_bot(self) -> None:
        bot, task = self.bot, self._task
        self.bot, self._task = None, None
        if bot is not None:
            await bot.close()
        if task is not None:
            await asyncio.wait_for(task, timeout=self.timeout)

    async def drain_bot(self) -> None:
        """Write what the bot has buffered: tracked events, then badge announcements."""
        if self.bot is None:
            return
        await self.bot.pipeline.flush()
        drain = getattr(self.bot.get_cog("BadgesCog"), "drain", None)
        if drain is not None:
            await drain()
