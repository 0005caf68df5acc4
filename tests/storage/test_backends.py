"""What every backend's database object promises (bot/storage/sql.py: SqlDatabase), tested
on SQLite and a real PostgreSQL alike: transactions owned by a task (a nested one joins, a
write from another task waits), savepoints, advisory locks, row counts, rows by position;
and the PostgreSQL specifics: one migration sequence with SQLite's, its schema version, a
newer or foreign schema refused, processes starting together migrating once, DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.storage.database import migrations
from bot.storage.filecheck import DatabaseFileError
from bot.storage.postgres import PostgresDatabase, redact
from bot.storage.quarantine import ROW_ERRORS
from bot.storage.sql import POSTGRESQL, SQLITE, SqlDatabase, to_numbered
from tests.conftest import ROOT
from tests.postgres import ENV_REQUIRE, PostgresServer, _unavailable


def test_one_numbered_sequence_for_both_backends() -> None:
    sqlite = [(v, name) for v, name, _ in migrations(SQLITE)]
    postgres = [(v, name) for v, name, _ in migrations(POSTGRESQL)]
    assert [v for v, _ in sqlite] == list(range(1, len(sqlite) + 1))  # contiguous from 1
    assert postgres == sqlite  # the same numbers and names: one sequence, two dialects


def test_question_marks_become_numbered_placeholders() -> None:
    assert to_numbered("SELECT ? + ?") == "SELECT $1 + $2"
    assert to_numbered("SELECT '?', \"a?\", ? -- ?\n, ? /* ? */") == (
        "SELECT '?', \"a?\", $1 -- ?\n, $2 /* ? */"
    )
    assert to_numbered("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"
    assert to_numbered("jsonb_path_exists(d, '$.** ? (@ == $m)', ?)") == (
        "jsonb_path_exists(d, '$.** ? (@ == $m)', $1)"
    )


async def test_rows_and_counts(backend_db: SqlDatabase) -> None:
    db = backend_db
    insert = "INSERT INTO nudges (guild_id, a, b, day, by_user) VALUES (?, ?, ?, ?, ?) "
    insert += "ON CONFLICT DO NOTHING"
    assert await db.execute(insert, (1, 2, 3, "2026-01-01", 2)) == 1
    assert await db.execute(insert, (1, 2, 3, "2026-01-01", 2)) == 0
    await db.executemany(insert, [(1, 2, 3, f"2026-01-0{d}", 3) for d in range(1, 4)])
    assert await db.execute("UPDATE nudges SET by_user = 9 WHERE by_user = ?", (3,)) == 3
    row = await db.fetchone("SELECT guild_id, day FROM nudges WHERE by_user = ? LIMIT 1", (2,))
    assert row is not None and (row[0], row[1]) == (1, "2026-01-01") and len(row) == 2
    big = 2**63 - 1  # snowflakes and microseconds are 64-bit
    await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (?, '{}')", (big,))
    assert [r[0] for r in await db.fetchall("SELECT guild_id FROM guilds")] == [big]


async def test_a_nested_transaction_joins_the_outer_one(backend_db: SqlDatabase) -> None:
    db = backend_db
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (1, '{}')")
            async with db.transaction():
                assert db.in_transaction
                await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (2, '{}')")
            assert await db.fetchall("SELECT guild_id FROM guilds ORDER BY 1") != []
            raise RuntimeError("boom")
    assert not db.in_transaction
    assert await db.fetchall("SELECT guild_id FROM guilds") == []


async def test_another_tasks_write_waits_for_the_transaction(backend_db: SqlDatabase) -> None:
    db = backend_db
    order: list[str] = []
    opened = asyncio.Event()

    async def holder() -> None:
        async with db.transaction():
            await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (1, '{}')")
            opened.set()
            await asyncio.sleep(0.2)
            order.append("holder commits")

    async def writer() -> None:
        await opened.wait()
        assert not db.in_transaction  # the other task's transaction is not this task's
        await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (2, '{}')")
        order.append("writer wrote")

    await asyncio.gather(holder(), writer())
    assert order == ["holder commits", "writer wrote"]
    assert [r[0] for r in await db.fetchall("SELECT guild_id FROM guilds ORDER BY 1")] == [1, 2]


async def test_a_cancelled_transaction_rolls_back_and_leaves_it_usable(
    backend_db: SqlDatabase,
) -> None:
    db = backend_db
    started = asyncio.Event()

    async def work() -> None:
        async with db.transaction():
            await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (1, '{}')")
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(work())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.fetchall("SELECT guild_id FROM guilds") == []
    async with db.transaction():
        await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (3, '{}')")
    assert [r[0] for r in await db.fetchall("SELECT guild_id FROM guilds")] == [3]


async def test_a_savepoint_undoes_only_its_part(backend_db: SqlDatabase) -> None:
    db = backend_db
    async with db.transaction():
        await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (1, '{}')")
        with pytest.raises(ValueError, match="inner"):
            async with db.savepoint("part"):
                await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (2, '{}')")
                raise ValueError("inner")
        async with db.savepoint("part"):
            await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (3, '{}')")
    assert [r[0] for r in await db.fetchall("SELECT guild_id FROM guilds ORDER BY 1")] == [1, 3]


async def test_an_advisory_lock_has_one_holder_at_a_time(backend_db: SqlDatabase) -> None:
    db = backend_db
    inside: list[int] = []
    most = 0

    async def job(n: int) -> None:
        nonlocal most
        async with db.advisory_lock(42):
            inside.append(n)
            most = max(most, len(inside))
            await asyncio.sleep(0.05)
            inside.remove(n)

    await asyncio.gather(*(job(n) for n in range(3)))
    assert most == 1
    async with db.advisory_lock(42), db.advisory_lock(43):  # other keys are other locks
        pass


# -- PostgreSQL specifics --------------------------------------------------------------------


async def test_postgres_advisory_lock_spans_processes(postgres_server: PostgresServer) -> None:
    """Two database objects (two pools, as two bot processes have) share the server's lock."""
    url = await postgres_server.new_database()
    one, two = await PostgresDatabase.open(url), await PostgresDatabase.open(url)
    try:
        order: list[str] = []
        held = asyncio.Event()

        async def first() -> None:
            async with one.advisory_lock(7):
                held.set()
                await asyncio.sleep(0.2)
                order.append("first")

        async def second() -> None:
            await held.wait()
            async with two.advisory_lock(7):
                order.append("second")

        await asyncio.gather(first(), second())
        assert order == ["first", "second"]
    finally:
        await one.close()
        await two.close()
        await postgres_server.drop_database(url)


async def test_postgres_schema_version_and_refusals(postgres_server: PostgresServer) -> None:
    url = await postgres_server.new_database(migrated=False)
    try:
        # processes starting together: one migrates, the others wait and find it done
        opened = await asyncio.gather(*(PostgresDatabase.open(url) for _ in range(3)))
        latest = len(migrations(POSTGRESQL))
        assert [await db.user_version() for db in opened] == [latest] * 3
        await opened[0].execute("UPDATE schema_version SET version = ?", (latest + 1,))
        for db in opened:
            await db.close()
        with pytest.raises(DatabaseFileError, match=f"schema version {latest + 1}, newer"):
            await PostgresDatabase.open(url)
    finally:
        await postgres_server.drop_database(url)
    foreign = await postgres_server.new_database(migrated=False)
    try:
        import asyncpg

        conn = await asyncpg.connect(foreign)
        await conn.execute("CREATE TABLE invoices (id INT)")
        await conn.close()
        with pytest.raises(DatabaseFileError, match="tables that are not Kindling's"):
            await PostgresDatabase.open(foreign)
    finally:
        await postgres_server.drop_database(foreign)


def test_redact_hides_the_password() -> None:
    assert redact("postgresql://bot:s3cret@db:5432/k") == "postgresql://bot:***@db:5432/k"
    assert redact("postgresql://bot@db/k") == "postgresql://bot@db/k"


def test_database_url_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:pw@db/kindling")
    settings = load_settings(_env_file=None)
    assert settings.postgres_url == settings.database_target == "postgresql://bot:pw@db/kindling"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data/k.db")  # DATABASE_PATH said another way
    settings = load_settings(_env_file=None)
    assert settings.postgres_url is None
    assert str(settings.database_target) == str(settings.database_path) == "data/k.db"
    monkeypatch.setenv("DATABASE_URL", "mysql://x/y")
    with pytest.raises(SettingsError, match="invalid setting DATABASE_URL"):
        load_settings(_env_file=None)


def test_backup_on_postgres_points_to_pg_dump(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://bot@127.0.0.1:1/k"}
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "bot", "backup", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "pg_dump" in done.stderr and done.stderr.count("\n") == 1


def test_missing_postgres_fails_in_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(ENV_REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception):
        _unavailable("not installed")
    monkeypatch.setenv(ENV_REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="must run"):
        _unavailable("not installed")
    monkeypatch.delenv(ENV_REQUIRE)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _unavailable("not installed")


async def test_executemany_keeps_row_by_row_meaning(backend_db: SqlDatabase) -> None:
    """Many rows at once (PostgreSQL: one unnest INSERT) mean what they mean row by row: a
    key twice in DO NOTHING keeps the first, twice in DO UPDATE the last; NULLs stay NULL;
    a value the column cannot hold fails the batch with a row error (the quarantine's cue)."""
    db = backend_db
    ignore = (
        "INSERT INTO channel_cursors (guild_id, channel_id, last_message_id) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING"
    )
    await db.executemany(ignore, [(1, c % 5, c) for c in range(20)])
    rows = await db.fetchall("SELECT channel_id, last_message_id FROM channel_cursors ORDER BY 1")
    assert [tuple(r) for r in rows] == [(c, c) for c in range(5)]
    upsert = (
        "INSERT INTO guilds (guild_id, settings) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET settings = excluded.settings"
    )
    await db.executemany(upsert, [(g % 3, f'{{"n": {g}}}') for g in range(12)])
    rows = await db.fetchall("SELECT guild_id, settings FROM guilds ORDER BY 1")
    assert [tuple(r) for r in rows] == [(0, '{"n": 9}'), (1, '{"n": 10}'), (2, '{"n": 11}')]
    members = "INSERT INTO members (guild_id, user_id, joined_at) VALUES (?, ?, ?)"
    await db.executemany(members, [(1, u, None if u % 2 else u) for u in range(10)])
    nulls = await db.fetchone("SELECT COUNT(*) FROM members WHERE joined_at IS NULL")
    assert nulls is not None and nulls[0] == 5
    with pytest.raises(ROW_ERRORS):
        async with db.transaction(), db.savepoint("bad"):
            await db.executemany(members, [(2, u, 2**70 if u == 5 else u) for u in range(10)])
    after = await db.fetchone("SELECT COUNT(*) FROM members WHERE guild_id = 2")
    assert after is not None and after[0] == 0
