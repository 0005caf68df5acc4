"""The real Kindling bot against the local sandbox, in the test's event loop, on port 0."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.harness import KindlingHarness, SandboxBot
from bot.scheduling.scheduler import SLOT_JOB

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Harness(KindlingHarness):
    """The shared harness, plus waiting until the bot has processed and written everything.
    The slot's quarter-hour runs on the wall clock are paused once its start-up run is done:
    tests run slots on the test's clock themselves, and one crossing :00, :15, :30 or :45
    would otherwise race its own `run_slot` (seen once in CI)."""

    async def start_bot(self) -> SandboxBot:
        bot = await super().start_bot()
        job = bot.scheduler.get_job(SLOT_JOB)
        if job is not None:
            started = datetime.now(UTC)
            for _ in range(250):  # the start-up run is dispatched: the next one is a cron's
                if job.next_run_time is None or job.next_run_time > started:
                    break
                await asyncio.sleep(0.02)
            job.pause()
            if bot.jobs is not None:
                async with bot.jobs._slot_lock:  # the start-up run, if it is still going
                    pass
        return bot

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
        await self.drain_bot()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness(tmp_path / "kindling.db", start=START, task_name="kindling-e2e") as h:
        await h.start_bot()
        yield h
        await h.stop_bot()
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not pending, f"tasks left pending: {pending}"
