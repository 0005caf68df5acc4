"""Storage tests run against every backend through the protocols of bot/storage/protocols.py
(the Red-DiscordBot pattern: one suite, several drivers). A new backend adds itself to
BACKENDS and its opening to `repos`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.storage.protocols import Repositories

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
async def repos(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repositories]:
    if request.param == "sqlite":
        db = await Database.open(tmp_path / "kindling.db")
        try:
            yield Repositories.sqlite(db)
        finally:
            await db.close()
    else:  # pragma: no cover - every listed backend is opened above
        raise AssertionError(f"unknown backend {request.param}")
