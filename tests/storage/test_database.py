from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.database import Database, from_us, migrations, split_statements, to_us
from bot.storage.guilds import GuildRepository


async def test_migrations_apply_once_and_set_user_version(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    db = await Database.open(path)
    try:
        assert await db.user_version() == len(migrations())
        tables = {
            r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {
            "members",
            "interactions",
            "ledger",
            "pair_days",
            "pair_streaks",
            "member_badges",
            "challenges",
            "challenge_participants",
            "audit",
        } <= tables
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
    finally:
        await db.close()
    db = await Database.open(path)  # re-opening applies nothing again
    try:
        assert await db.user_version() == len(migrations())
    finally:
        await db.close()


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.conn.execute("INSERT INTO guilds (guild_id, settings) VALUES (1, '{}')")
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT * FROM guilds") == []
    finally:
        await db.close()


async def test_guild_settings_round_trip(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    try:
        repo = GuildRepository(db)
        assert await repo.get_settings(5) is None
        await repo.ensure(5)
        settings = await repo.get_settings(5)
        assert settings is not None
        changed = settings.apply_changes({"timezone": "Asia/Tokyo", "limits": {"kudos_per_day": 9}})
        await repo.save_settings(5, changed)
        assert await repo.get_settings(5) == changed
        assert await repo.guild_ids() == [5]
    finally:
        await db.close()


def test_microsecond_times_round_trip() -> None:
    ts = datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=UTC)
    assert from_us(to_us(ts)) == ts


def test_split_statements() -> None:
    sql = "-- c\nCREATE TABLE a (x TEXT DEFAULT ';');\nCREATE INDEX i ON a (x);\n"
    assert len(split_statements(sql)) == 2


async def test_migration_5_moves_job_bookkeeping_out_of_the_config_blob(tmp_path: Path) -> None:
    """A database of schema 4 whose configs hold the jobs' bookkeeping keeps those values in
    guild_jobs, and the config blobs lose them (the rest of each config stays)."""
    import json
    import sqlite3

    from bot.storage.jobs import JobState, JobStateRepository

    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for _version, _name, sql in migrations()[:4]:
        for statement in split_statements(sql):
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 4")
    old = {
        "reminder_channel": 7,
        "last_reminder_day": "2026-11-30",
        "last_board_day": "2026-11-23",
        "leaderboard_message": 123456789012345678,
    }
    raw.execute(
        "INSERT INTO guilds (guild_id, settings, config) VALUES (1, '{}', ?), (2, '{}', '{}')",
        (json.dumps(old),),
    )
    raw.commit()
    raw.close()
    db = await Database.open(path)
    try:
        assert await db.user_version() == len(migrations())
        jobs = JobStateRepository(db)
        assert await jobs.get(1) == JobState("2026-11-30", "2026-11-23", 123456789012345678)
        assert await jobs.get(2) == JobState()
        assert await GuildRepository(db).get_config(1) == {"reminder_channel": 7}
    finally:
        await db.close()


@pytest.mark.parametrize("ticks", [0, 1, 2, 3, 5, 20])
async def test_a_cancelled_transaction_leaves_the_connection_usable(
    tmp_path: Path, ticks: int
) -> None:
    """Cancelled while BEGIN is under way, inside the body, or later: never an orphaned
    transaction on the shared connection."""
    import asyncio

    db = await Database.open(tmp_path / "k.db")
    try:

        async def write() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (1, '{}')")
                await asyncio.sleep(10)

        task = asyncio.create_task(write())
        for _ in range(ticks):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not db.conn.in_transaction
        async with db.transaction():
            await db.execute("INSERT INTO guilds (guild_id, settings) VALUES (2, '{}')")
        rows = await db.fetchall("SELECT guild_id FROM guilds")
        assert [r[0] for r in rows] == [2]
    finally:
        await db.close()


async def test_reminder_preferences_are_read_from_their_partial_index(tmp_path: Path) -> None:
    """A reminder slot reads who skips the channel digest for each due guild: through
    migration 018's partial index, not a walk over every member of the guild."""
    from bot.storage.members import MemberRepository

    db = await Database.open(tmp_path / "k.db")
    try:
        seen: list[str] = []
        fetchall = db.fetchall

        async def explained(sql: str, params: object = ()) -> object:
            if "FROM members" in sql:
                seen.extend(str(r[3]) for r in await fetchall(f"EXPLAIN QUERY PLAN {sql}", params))
            return await fetchall(sql, params)

        db.fetchall = explained  # type: ignore[method-assign,assignment]
        await MemberRepository(db).reminder_prefs([1, 2])
        assert seen and all("members_not_default_reminder" in step for step in seen), seen
    finally:
        await db.close()
