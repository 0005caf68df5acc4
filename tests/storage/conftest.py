"""Storage tests run against every backend through the protocols of bot/storage/protocols.py
(the Red-DiscordBot pattern: one suite, several drivers): SQLite files, and a real
PostgreSQL server (tests/postgres.py finds or starts one; each test gets a fresh database).
A new backend adds itself to BACKENDS and its opening to `open_backend`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase
from bot.storage.protocols import Repositories
from bot.storage.sql import SqlDatabase
from tests.postgres import PostgresServer

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
async def backend_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlDatabase]:
    """An empty, migrated database of each backend."""
    db: SqlDatabase
    server: PostgresServer | None = None
    url = ""
    if request.param == "sqlite":
        db = await Database.open(tmp_path / "kindling.db")
    elif request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        url = await server.new_database()
        db = await PostgresDatabase.open(url)
    else:  # pragma: no cover - every listed backend is opened above
        raise AssertionError(f"unknown backend {request.param}")
    try:
        yield db
    finally:
        await db.close()
        if server is not None:
            await server.drop_database(url)


@pytest.fixture
async def repos(backend_db: SqlDatabase) -> AsyncIterator[Repositories]:
    yield Repositories.of(backend_db)
