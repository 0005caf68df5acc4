from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline

ROOT = Path(__file__).resolve().parent.parent

# a real PostgreSQL server for the tests that need one (fixtures postgres_server, postgres_url)
pytest_plugins = ["tests.postgres"]

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
"""The spec's worked examples (SPEC §9), copied into the repository so a clone tests alone."""


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES_DIR


@pytest.fixture
async def pipeline(tmp_path: Path) -> AsyncIterator[TrackingPipeline]:
    """The tracking pipeline over a real SQLite file (a test module may define its own)."""
    db = await Database.open(tmp_path / "k.db")
    pipe = TrackingPipeline(db)
    try:
        yield pipe
    finally:
        await pipe.close()
        await db.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chaos-kills",
        type=int,
        default=None,
        help="SIGKILLs in tests/e2e/test_chaos.py (default 10, or KINDLING_CHAOS_KILLS)",
    )
