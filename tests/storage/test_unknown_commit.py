"""A write-behind batch whose COMMIT succeeded although the caller saw an error (PostgreSQL: the
connection dropped while COMMIT's answer was on its way) is put back by the pipeline and
written again with what arrived since. The store must apply it once: the final state equals
writing every batch once, on both backends (SQLite always knows a local commit's outcome, but
the same retry must be harmless there too).

PostgreSQL: the pool's connections are of a class whose COMMIT, when armed, really commits,
then terminates the connection and raises what asyncpg raises for a connection lost in the
middle of an operation. SQLite: COMMIT really commits, then an OperationalError is raised."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.domain.engine import BadgeAward
from bot.domain.interactions import KudosRecord, MessageRecord, ReactionRecord
from bot.storage.database import Database, migrations, split_statements
from bot.storage.postgres import PostgresDatabase
from bot.storage.protocols import Repositories
from bot.storage.quarantine import QuarantineRepository
from bot.storage.sql import STORE_REFUSALS, SqlDatabase
from bot.tracking.pipeline import TrackingPipeline
from tests.postgres import PostgresServer

G = 1
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ARMED: dict[str, bool] = {"commit": False}


class CommitThenDrop(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection whose armed COMMIT commits, then the connection dies before its
    caller hears of it."""

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        status: str = await super().execute(query, *args, timeout=timeout)
        if query == "COMMIT" and ARMED["commit"]:
            ARMED["commit"] = False
            self.terminate()
            raise asyncpg.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            )
        return status


class SqliteCommitThenFail(Database):
    async def _complete(self, sql: str) -> None:
        await super()._complete(sql)
        if sql == "COMMIT" and ARMED["commit"]:
            ARMED["commit"] = False
            raise sqlite3.OperationalError("disk I/O error")


Opener = Callable[[bool], Any]


@pytest.fixture(params=["sqlite", "postgres"])
async def opener(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[bool], Any]]:
    """opener(faulty) → a fresh empty database of the backend (whose COMMIT can be armed to
    fail after committing when `faulty`)."""
    opened: list[SqlDatabase] = []
    urls: list[str] = []
    server: PostgresServer | None = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")

    async def open_one(faulty: bool) -> SqlDatabase:
        db: SqlDatabase
        if server is None:
            cls = SqliteCommitThenFail if faulty else Database
            db = await cls.open(tmp_path / f"k{len(opened)}.db")
        else:
            url = await server.new_database()
            urls.append(url)
            pool = await asyncpg.create_pool(
                dsn=url,
                min_size=1,
                max_size=4,
                connection_class=CommitThenDrop if faulty else asyncpg.Connection,
            )
            db = PostgresDatabase(pool, url)
            await db.migrate()
        opened.append(db)
        return db

    try:
        yield open_one
    finally:
        ARMED["commit"] = False
        for db in opened:
            await db.close()
        if server is not None:
            for url in urls:
                await server.drop_database(url)


def first_days() -> list[Any]:
    """Three days of two pairs talking (points, streak-day bonuses, a milestone and streak
    badges with their outbox rows), kudos and a reaction."""
    out: list[Any] = []
    mid = 1000
    for day in range(3):
        at = T0 + timedelta(days=day)
        for a, b in ((10, 11), (10, 12)):
            out.append(MessageRecord(G, 5, mid, at, a, f"hey <@{b}> {day}", None, (b,)))
            out.append(MessageRecord(G, 5, mid + 1, at + timedelta(minutes=2), b, f"hi {day}", mid))
            mid += 2
            at += timedelta(minutes=5)
    out.append(KudosRecord(G, 11, 10, T0 + timedelta(hours=3), "thanks!"))
    out.append(ReactionRecord(G, 5, 1000, 11, "👍", T0 + timedelta(hours=4)))
    return out


def later_days() -> list[Any]:
    """What arrives after the failed write: the streak goes on, a new pair starts."""
    out: list[Any] = []
    mid = 2000
    for day in range(3, 5):
        at = T0 + timedelta(days=day)
        for a, b in ((10, 11), (11, 12)):
            out.append(MessageRecord(G, 6, mid, at, a, f"again <@{b}> {day}", None, (b,)))
            out.append(
                MessageRecord(G, 6, mid + 1, at + timedelta(minutes=2), b, f"yes {day}", mid)
            )
            mid += 2
            at += timedelta(minutes=5)
    out.append(KudosRecord(G, 12, 11, T0 + timedelta(days=4, hours=3), "great"))
    return out


# every column but generated ids (and a quarantine row's wall-clock time)
TABLES = {
    "members": "*",
    "messages": "*",
    "interactions": "*",
    "ledger": "guild_id, user_id, delta, reason, source, ts, day, partner_id, capped, held",
    "pair_days": "*",
    "pair_streaks": "*",
    "member_badges": "*",
    "badge_outbox": "guild_id, user_id, badge, awarded_at, actor, delivered_at",
    "channel_cursors": "*",
    "quarantine": "guild_id, table_name, row, error",
}


async def dump(db: SqlDatabase) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(tuple(r) for r in await db.fetchall(f"SELECT {columns} FROM {table}"))
        for table, columns in TABLES.items()
    }


async def run(db: SqlDatabase, *, fail_first_commit: bool) -> list[BadgeAward]:
    pipeline = TrackingPipeline(Repositories.of(db))
    delivered: list[BadgeAward] = []
    pipeline.add_badge_listener(delivered.extend)
    try:
        for rec in first_days():
            await pipeline.submit(rec)
        if fail_first_commit:
            ARMED["commit"] = True
            with pytest.raises(STORE_REFUSALS):
                await pipeline.flush()
            assert not ARMED["commit"]  # the COMMIT ran ...
            assert pipeline.write_failing and not pipeline.batch.empty  # ... and was put back
            # ... and is committed: what the caller took for a failure is in the store
            assert (await db.fetchone("SELECT COUNT(*) FROM ledger"))[0] > 0  # type: ignore[index]
            assert delivered == []  # badges are announced after a write known to succeed
        else:
            await pipeline.flush()
        for rec in later_days():
            await pipeline.submit(rec)
        await pipeline.catch_up()  # the retry: the put-back batch with the new records
        assert not pipeline.write_failing and pipeline.batch.empty
    finally:
        await pipeline.close()
    return delivered


async def test_a_batch_committed_in_doubt_is_applied_once(
    opener: Callable[[bool], Any],
) -> None:
    control = await opener(False)
    expected_awards = await run(control, fail_first_commit=False)
    expected = await dump(control)
    assert any(r[3] == "milestone-3" for r in expected["ledger"])
    assert any(r[3] == "kudos" for r in expected["ledger"])
    assert {r[2] for r in expected["member_badges"]} >= {"streak-3"}
    assert expected_awards

    faulty = await opener(True)
    awards = await run(faulty, fail_first_commit=True)
    state = await dump(faulty)
    assert state == expected
    assert sorted(awards, key=repr) == sorted(expected_awards, key=repr)  # announced once
    # the reputation column is the sum of the member's ledger, as after one application
    sums = dict(
        (int(r[0]), int(r[1]))
        for r in await faulty.fetchall(
            "SELECT user_id, SUM(delta) FROM ledger WHERE guild_id = ? AND held = 0 "
            "GROUP BY user_id",
            (G,),
        )
    )
    reputation = {
        int(r[0]): int(r[1]) for r in await Repositories.of(faulty).tracking.active_members(G)
    }
    assert sums == {u: rep for u, rep in reputation.items() if rep}


async def test_quarantined_rows_are_kept_once_when_a_batch_is_written_again(
    opener: Callable[[bool], Any],
) -> None:
    db = await opener(False)
    quarantine = QuarantineRepository(db)
    sql = "INSERT INTO messages (guild_id) VALUES (?)"
    for _ in range(2):
        async with db.transaction():
            await quarantine.add(sql, [((G, 2**70), "value 1 is an integer outside 64 bits")])
    total, rows = await quarantine.recent(10)
    assert total == 1 and rows[0][1] == "messages"


async def test_the_ledger_key_migration_removes_rows_a_retry_doubled(
    backend_db: SqlDatabase,
) -> None:
    """A database written before the key (015) may hold rows a retry doubled: the migration
    keeps the first of each, and the key then holds."""
    db = backend_db
    (_, name, script), *_ = [m for m in migrations(db.dialect.name) if m[0] == 15]
    assert name == "015_ledger_keys.sql"
    insert = (
        "INSERT INTO ledger (guild_id, user_id, delta, reason, source, ts, day) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    rows = [
        (G, 10, 3, "reply", "1000:10:11:reply", 1, "2026-06-01"),
        (G, 10, 5, "streak_day", "day:10:11:2026-06-01", 1, "2026-06-01"),
        (G, 11, 5, "streak_day", "day:10:11:2026-06-01", 1, "2026-06-01"),
    ]
    async with db.transaction():
        await db.execute("DROP INDEX ledger_by_key")
        for row in rows + rows[:2]:  # the first two written twice
            await db.execute(insert, row)
        for statement in split_statements(script):
            await db.execute(statement)
    stored = await db.fetchall(
        "SELECT guild_id, user_id, delta, reason, source, ts, day FROM ledger ORDER BY id"
    )
    assert [tuple(r) for r in stored] == rows
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await db.execute(insert, rows[0])
