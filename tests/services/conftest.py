"""Shared fixtures of the service tests: a pipeline over a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline


@pytest.fixture
async def pipeline(tmp_path: Path) -> AsyncIterator[TrackingPipeline]:
    db = await Database.open(tmp_path / "k.db")
    pipe = TrackingPipeline(db)
    try:
        yield pipe
    finally:
        await pipe.close()
        await db.close()
