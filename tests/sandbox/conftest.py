"""Fixtures: a sandbox per test, discord.py pointed at it, and an event recorder."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.sandbox import Control, Sandbox, sandbox_endpoints

log = logging.getLogger(__name__)


@pytest.fixture(autouse=True)
async def _no_leftover_tasks() -> AsyncIterator[None]:
    """Every test must leave the loop clean: no task still pending after teardown."""
    yield
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not pending, f"tasks left pending: {pending}"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox()
    await sb.start()
    try:
        with sandbox_endpoints(sb):
            yield sb
    finally:
        await sb.stop()


@pytest.fixture
def ctl(sandbox: Sandbox) -> Control:
    return sandbox.control


class FastBot(commands.Bot):
    """discord.py waits 5 s before every re-IDENTIFY (Discord's identify rate limit); not here."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_bot(
    *, message_content: bool = True, members: bool = True, chunk: bool = False
) -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = message_content
    intents.members = members
    return FastBot(
        command_prefix="!",
        intents=intents,
        guild_ready_timeout=0.05,
        chunk_guilds_at_startup=chunk,
        help_command=None,
    )


class Events:
    """Records discord.py events of a bot; ``await events.wait(name, pred)`` sees past ones too."""

    def __init__(self, bot: commands.Bot, *names: str) -> None:
        self.seen: dict[str, list[Any]] = defaultdict(list)
        self._changed = asyncio.Event()
        for name in names:
            bot.add_listener(self._listener(name), f"on_{name}")

    def _listener(self, name: str) -> Callable[..., Any]:
        async def listener(*args: Any) -> None:
            self.seen[name].append(args[0] if len(args) == 1 else args)
            self._changed.set()

        return listener

    async def wait(
        self, name: str, predicate: Callable[[Any], bool] = lambda _: True, timeout: float = 5.0
    ) -> Any:
        async def probe() -> Any:
            while True:
                for item in self.seen[name]:
                    if predicate(item):
                        return item
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(probe(), timeout)

    def count(self, name: str, predicate: Callable[[Any], bool] = lambda _: True) -> int:
        return sum(1 for item in self.seen[name] if predicate(item))
