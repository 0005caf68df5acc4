"""`python -m bot migrate-db --from sqlite:///… --to postgresql://…` (#13 item 2): every table
copied row for row, verified by counts, with a progress bar; a non-empty target refused
unless --replace; the copy answers replay exactly as the SQLite file does; errors are one
line. Real SQLite files, a real PostgreSQL server, the real command line."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.postgres import PostgresDatabase
from bot.storage.protocols import Repositories
from tests.conftest import ROOT
from tests.oracle.engine import run_engine_file
from tests.postgres import PostgresServer
from tests.test_replay_cli import GOLDEN, cases, now_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def seeded_sqlite(folder: Path) -> Path:
    """An SQLite database with data in most tables: every golden file and worked example
    replayed into it, and an audit entry with a review flag on top."""
    db = folder / "kindling.db"
    for case in cases(EXAMPLES) + cases(GOLDEN):
        code, _, err = run_engine_file(case, now_of(case), db)
        assert code == 0, err
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO audit (guild_id, moderator_id, action, details, ts) VALUES (1, 2, "
            "'mod.adjust-rep', '{\"member\": 3}', 5)"
        )
        conn.execute(
            "INSERT INTO review_flags (guild_id, user_id, mode, reasons, evidence, since, "
            "flagged_at) VALUES (1, 3, 'hold', '[]', '{}', 1, 2)"
        )
    conn.close()
    return db


def sqlite_tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: sorted(map(tuple, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}
    finally:
        conn.close()


async def pg_tables(url: str, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        return {
            n: sorted(tuple(r) for r in await conn.fetch(f'SELECT * FROM "{n}"')) for n in names
        }
    finally:
        await conn.close()


def test_migrate_db_copies_every_row_and_the_copy_replays_alike(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    source = seeded_sqlite(tmp_path)
    expected = sqlite_tables(source)
    assert sum(1 for rows in expected.values() if rows) >= 10  # most tables hold rows
    url = asyncio.run(postgres_server.new_database(migrated=False))
    try:
        done = cli("migrate-db", "--from", f"sqlite:///{source}", "--to", url)
        assert done.returncode == 0, done.stderr
        total = sum(len(rows) for rows in expected.values())
        assert f"copied {total:,} rows in {len(expected)} tables" in done.stdout
        assert "every table's count matches" in done.stdout
        assert f"100% {total:,}/{total:,} rows" in done.stderr  # the progress bar's last state
        # row for row the same content (column order is the same on both backends)
        assert asyncio.run(pg_tables(url, list(expected))) == expected

        # the copy answers like the file: the state of both after an empty replay
        empty = tmp_path / "empty.jsonl"
        empty.write_text("", encoding="utf-8")
        now = "2026-12-01T00:00:00Z"
        code, from_sqlite, err = run_engine_file(empty, now, source)
        assert code == 0, err
        code, from_pg, err = run_engine_file(empty, now, url)
        assert code == 0, err
        assert from_pg == from_sqlite and '"guilds": [{' in from_pg

        # new rows continue after the copied ids (identity sequences were advanced)
        async def audit_after() -> list[int]:
            db = await PostgresDatabase.open(url)
            try:
                repos = Repositories.of(db)
                await repos.audit.record(1, 2, "settings", {}, datetime(2026, 12, 1, tzinfo=UTC))
                return [e.id for e in await repos.audit.page(1, 2, 0)]
            finally:
                await db.close()

        newest, before = asyncio.run(audit_after())
        assert newest == before + 1

        # a target holding data is refused (one line, exit 2) and left alone ...
        again = cli("migrate-db", "--from", f"sqlite:///{source}", "--to", url)
        assert again.returncode == 2
        assert again.stderr.startswith("error: ")
        assert "already holds data" in again.stderr and "--replace" in again.stderr
        assert again.stderr.count("\n") == 1
        assert len(asyncio.run(pg_tables(url, ["audit"]))["audit"]) == len(expected["audit"]) + 1
        # ... unless told: then it is emptied and copied again
        replaced = cli("migrate-db", "--from", f"sqlite:///{source}", "--to", url, "--replace")
        assert replaced.returncode == 0, replaced.stderr
        expected = sqlite_tables(source)  # the replay at `now` closed the challenges in both
        assert asyncio.run(pg_tables(url, list(expected))) == expected
    finally:
        asyncio.run(postgres_server.drop_database(url))


def test_migrate_db_errors_are_one_line(postgres_server: PostgresServer, tmp_path: Path) -> None:
    missing = cli(
        "migrate-db",
        "--from",
        f"sqlite:///{tmp_path / 'none.db'}",
        "--to",
        "postgresql://postgres@127.0.0.1:1/x",
    )
    assert missing.returncode == 2
    assert missing.stderr == f"error: no SQLite database at {tmp_path / 'none.db'}\n"

    source = tmp_path / "k.db"
    code, _, err = run_engine_file(cases(EXAMPLES)[0], now_of(cases(EXAMPLES)[0]), source)
    assert code == 0, err
    unreachable = cli(
        "migrate-db", "--from", str(source), "--to", "postgresql://kindling:pw@127.0.0.1:1/x"
    )
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith("error: DATABASE_URL 'postgresql://kindling:***@")
    assert "pw" not in unreachable.stderr and unreachable.stderr.count("\n") == 1

    backwards = cli("migrate-db", "--from", "postgresql://a/b", "--to", str(source))
    assert backwards.returncode == 2 and "SQLite into PostgreSQL" in backwards.stderr

    # a value PostgreSQL cannot hold (text in an integer column, which SQLite stores): nothing
    # copied, and the table and row are named
    conn = sqlite3.connect(source)
    with conn:
        user = conn.execute("SELECT MIN(user_id) FROM members").fetchone()[0]
        conn.execute("UPDATE members SET reputation = 'lots' WHERE user_id = ?", (user,))
    conn.close()
    url = asyncio.run(postgres_server.new_database(migrated=False))
    try:
        bad = cli("migrate-db", "--from", str(source), "--to", url)
        assert bad.returncode == 2, bad.stderr
        last = bad.stderr.splitlines()[-1]
        assert last.startswith("error: table members: ") and last.endswith("nothing copied")
        assert " row " in last and "(guild_id=" in last and "cannot be copied" in last
        tables = asyncio.run(pg_tables(url, ["guilds", "interactions"]))
        assert tables == {"guilds": [], "interactions": []}
    finally:
        asyncio.run(postgres_server.drop_database(url))


def test_migrate_db_copies_text_with_nul_as_the_bot_stores_it(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """An older Kindling stored message text with NUL (PostgreSQL text cannot hold it): the
    copy holds U+FFFD in its place, as normalise_content now stores it, and says so."""
    source = tmp_path / "old.db"
    code, _, err = run_engine_file(cases(EXAMPLES)[0], now_of(cases(EXAMPLES)[0]), source)
    assert code == 0, err
    conn = sqlite3.connect(source)
    with conn:
        conn.execute("UPDATE messages SET norm = 'a' || char(0) || 'b' || char(0)")
        conn.execute("UPDATE guilds SET config = '{\"x\": \"' || char(0) || '\"}'")
        messages = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        guilds = conn.execute("SELECT COUNT(*) FROM guilds").fetchone()[0]
    expected = sqlite_tables(source)
    with conn:  # text that is not UTF-8 (another program wrote it): U+FFFD too
        conn.execute(
            "INSERT INTO global_jobs (name, last_period) VALUES ('x', CAST(X'FF61' AS TEXT))"
        )
    conn.close()
    assert messages > 0
    url = asyncio.run(postgres_server.new_database(migrated=False))
    try:
        done = cli("migrate-db", "--from", f"sqlite:///{source}", "--to", url)
        assert done.returncode == 0, done.stderr
        warned = sorted(
            line.split("WARNING ", 1)[1]
            for line in done.stderr.splitlines()
            if "U+FFFD in their place" in line
        )
        said = "text value(s) held NUL or bytes that are not UTF-8"
        assert [w.split(" (PostgreSQL")[0] for w in warned] == [
            f"bot.storage.migrate: table global_jobs: 1 {said}",
            f"bot.storage.migrate: table guilds: {guilds} {said}",
            f"bot.storage.migrate: table messages: {messages} {said}",
        ], done.stderr
        copied = asyncio.run(pg_tables(url, list(expected)))
        nul, fffd = "\x00", "\ufffd"
        assert {row[-1] for row in copied["messages"]} == {f"a{fffd}b{fffd}"}
        assert {row[2] for row in copied["guilds"]} == {f'{{"x": "{fffd}"}}'}
        assert [row[:2] for row in copied["global_jobs"]] == [("x", f"{fffd}a")]
        # everything else as it was
        for table, rows in expected.items():
            if table not in ("messages", "guilds", "global_jobs"):
                assert copied[table] == rows, table
        assert all(nul not in str(rows) for rows in copied.values())
    finally:
        asyncio.run(postgres_server.drop_database(url))
