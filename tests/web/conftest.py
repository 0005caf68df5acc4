"""The web boards over a real SQLite pipeline, served by aiohttp's test server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.interactions import MessageRecord
from bot.services import Services
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from bot.web import WebDeps, build_app
from tests.e2e.conftest import START, Harness
from tests.helpers import svc

G = 1
DAY0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday
MOD = 900


@dataclass
class FakeDirectory:
    """The bot's member cache, as a dict."""

    guild: str = "Cosy Corner"
    known: dict[int, str] = field(default_factory=dict)

    def guild_name(self, guild: int) -> str | None:
        return self.guild if guild == G else None

    async def names(self, guild: int, users: Sequence[int]) -> Mapping[int, str]:
        return {u: self.known[u] for u in users if u in self.known}


@dataclass
class Site:
    pipeline: TrackingPipeline
    services: Services
    clock: ManualClock
    directory: FakeDirectory
    client: TestClient  # type: ignore[type-arg]
    next_message: int = 1000

    async def talk(self, a: int, b: int, days: int, start: int = 0) -> None:
        """`a` mentions `b` and `b` replies, on `days` consecutive days from DAY0 + start."""
        for d in range(start, start + days):
            at = DAY0 + timedelta(days=d)
            mid = self.next_message
            self.next_message += 2
            await self.pipeline.submit(
                MessageRecord(G, 5, mid, at, a, f"hi there {d} <@{b}>", None, (b,))
            )
            await self.pipeline.submit(
                MessageRecord(G, 5, mid + 1, at + timedelta(minutes=5), b, f"hello back {d}", mid)
            )
        await self.pipeline.flush()

    async def publish(self) -> str:
        """Turn the web page on; its path."""
        _, slug = await self.services.settings.set_web(G, True, False, MOD, self.clock.now())
        assert slug is not None
        return f"/g/{slug}"

    async def get_text(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path)
        return response.status, await response.text()


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    clock = ManualClock(DAY0 + timedelta(days=6, hours=3))
    directory = FakeDirectory()
    app = build_app(WebDeps(services.challenges.reads, services, clock, directory))
    async with TestClient(TestServer(app)) as client:
        yield Site(pipeline, services, clock, directory, client)
    await pipeline.close()
    await db.close()


class WebHarness(Harness):
    """The e2e harness with the web boards on (a free port unless told otherwise)."""

    web_port = 0

    def settings(self) -> Settings:
        return (
            super().settings().model_copy(update={"web_enabled": True, "web_port": self.web_port})
        )


@pytest.fixture
async def web_harness(tmp_path: Path) -> AsyncIterator[WebHarness]:
    async with WebHarness(tmp_path / "kindling.db", start=START, task_name="kindling-web") as h:
        await h.start_bot()
        yield h
        await h.stop_bot()
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not pending, f"tasks left pending: {pending}"
