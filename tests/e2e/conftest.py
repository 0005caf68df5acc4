"""The real Kindling bot against the local sandbox, in the test's event loop, on port 0."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import KindlingBot
from bot.config import Settings
from bot.sandbox import Control, ManualClock, Sandbox, sandbox_endpoints

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class SandboxClock:
    """The bot reads time from the sandbox's clock, so tests move both at once."""

    def __init__(self, manual: ManualClock) -> None:
        self.manual = manual

    def now(self) -> datetime:
        return self.manual()


class TestBot(KindlingBot):
    """discord.py waits 5 s before every re-IDENTIFY (Discord's rate limit); not in tests."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@dataclass
class Harness:
    sandbox: Sandbox
    clock: ManualClock
    db_path: Path
    bot: TestBot | None = None
    _task: asyncio.Task[None] | None = None
    started: list[TestBot] = field(default_factory=list)

    @property
    def ctl(self) -> Control:
        return self.sandbox.control

    @property
    def guild_id(self) -> int:
        return self.ctl.guild.id

    async def start_bot(self) -> TestBot:
        settings = Settings(
            database_path=self.db_path,
            dev_guild_id=self.guild_id,
            flush_interval_seconds=0.05,
            discord_token=self.sandbox.token,
            badge_announce_seconds=0.05,
        )
        bot = TestBot(settings, SandboxClock(self.clock), guild_ready_timeout=0.05)
        await bot.login(self.sandbox.token)
        self._task = asyncio.create_task(bot.connect(reconnect=True), name="kindling-e2e")
        await asyncio.wait_for(bot.wait_until_ready(), timeout=10)
        await self.ctl.wait_for_commands(self.guild_id, names=("streak",))
        self.bot = bot
        self.started.append(bot)
        return bot

    async def stop_bot(self) -> None:
        bot, task = self.bot, self._task
        self.bot, self._task = None, None
        if bot is not None:
            await bot.close()
        if task is not None:
            await asyncio.wait_for(task, timeout=10)

    async def settle(self) -> None:
        """Let the bot process everything the sandbox sent, and write it."""
        await self.sandbox.flush()
        for _ in range(5):
            await asyncio.sleep(0.02)
        assert self.bot is not None
        tracking = self.bot.get_cog("TrackingCog")
        task = getattr(tracking, "_backfill_task", None)
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout=10)
        await self.bot.pipeline.flush()
        badges = self.bot.get_cog("BadgesCog")
        if badges is not None:
            await badges.drain()  # type: ignore[attr-defined]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = ManualClock(START)
    sandbox = Sandbox(now=clock)
    await sandbox.start()
    h = Harness(sandbox, clock, tmp_path / "kindling.db")
    try:
        with sandbox_endpoints(sandbox):
            await h.start_bot()
            yield h
            await h.stop_bot()
    finally:
        if h.bot is not None:
            await h.stop_bot()
        await sandbox.stop()
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not pending, f"tasks left pending: {pending}"
