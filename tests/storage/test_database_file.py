"""The database file is checked before anything is written (#12 item 6), and backups are
online, verified and restorable."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.backup import backup_file, prune_backups, restore_file, scheduled_backup
from bot.storage.database import Database, latest_version
from bot.storage.filecheck import DatabaseFileError, check_database_file

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    full.pop("DISCORD_API_BASE", None)
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=env.get("CWD", str(ROOT)),
        timeout=60,
        check=False,
    )


async def make_db(path: Path, members: int = 3) -> None:
    db = await Database.open(path)
    try:
        await db.executemany(
            "INSERT INTO members (guild_id, user_id, reputation) VALUES (1, ?, ?)",
            [(u, u * 10) for u in range(1, members + 1)],
        )
    finally:
        await db.close()


def reputations(path: Path) -> list[tuple[int, int]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT user_id, reputation FROM members ORDER BY user_id")
        return [(int(a), int(b)) for a, b in rows]
    finally:
        conn.close()


def test_a_new_file_in_a_writable_folder_is_fine(tmp_path: Path) -> None:
    check_database_file(tmp_path / "new" / "kindling.db", latest_version())
    (tmp_path / "empty.db").write_bytes(b"")
    check_database_file(tmp_path / "empty.db", latest_version())


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileError, match=r"DATABASE_PATH .* is a directory"):
        check_database_file(tmp_path, latest_version())


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not a database\n" * 10)
    with pytest.raises(DatabaseFileError, match="not a SQLite database"):
        check_database_file(path, latest_version())


def test_a_foreign_sqlite_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseFileError, match="another program"):
        check_database_file(path, latest_version())
    assert path.read_bytes() == before  # never switched to WAL or migrated
    assert not (tmp_path / "other.db-wal").exists()


async def test_opening_a_foreign_file_raises_before_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseFileError):
        await Database.open(path)
    assert path.read_bytes() == before


async def test_a_future_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    await make_db(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DatabaseFileError, match="newer Kindling"):
        await Database.open(path)


async def test_a_corrupt_page_is_found_at_start(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    await make_db(path, members=3000)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    root = int(
        conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'members'").fetchone()[0]
    )
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + 64] = b"\xff" * 64  # scribble over the table's root page header
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseFileError, match="damaged"):
        check_database_file(path, latest_version())


async def test_an_unwritable_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "k.db"
    await make_db(path)
    path.chmod(0o444)
    if os.geteuid() == 0:  # root may write anyway: the check's own view of the file
        real = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode: False if Path(p) == path else real(p, mode)
        )
    with pytest.raises(DatabaseFileError, match="not readable and writable"):
        check_database_file(path, latest_version())


def test_run_stops_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    result = cli("run", env={"DISCORD_TOKEN": "x", "DATABASE_PATH": str(tmp_path)})
    assert result.returncode == 78
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_PATH" in lines[0] and "directory" in lines[0]
    assert "Traceback" not in result.stderr


def test_replay_onto_a_foreign_db_is_a_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    events = tmp_path / "e.jsonl"
    events.write_text('{"type":"member","guild":1,"user":10}\n')
    result = cli("replay", str(events), "--now", "2026-06-01T00:00:00Z", "--db", str(other), env={})
    assert result.returncode == 2
    assert "another program" in result.stderr and "Traceback" not in result.stderr


async def test_backup_while_open_and_restore(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    await make_db(path)
    db = await Database.open(path)  # the bot is running: the backup is online
    try:
        written = backup_file(path, tmp_path / "backups")
        await db.execute("UPDATE members SET reputation = 0")
    finally:
        await db.close()
    assert written.parent == tmp_path / "backups" and written.name.startswith("kindling-")
    assert reputations(written) == [(1, 10), (2, 20), (3, 30)]
    assert reputations(path) == [(1, 0), (2, 0), (3, 0)]
    restore_file(written, path)
    assert reputations(path) == [(1, 10), (2, 20), (3, 30)]
    db = await Database.open(path)  # the restored file opens as a Kindling database
    await db.close()


def test_a_bad_backup_is_never_restored(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not a database")
    (tmp_path / "k.db").write_bytes(b"")
    with pytest.raises(DatabaseFileError):
        restore_file(bad, tmp_path / "k.db")


async def test_scheduled_backups_keep_the_newest(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    await make_db(path)
    folder = tmp_path / "backups"
    for day in range(1, 6):
        await scheduled_backup(path, folder, 3, datetime(2026, 6, day, 3, 17, tzinfo=UTC))
    (folder / "notes.txt").write_text("mine")  # not ours: never deleted
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "kindling-20260603-031700.db",
        "kindling-20260604-031700.db",
        "kindling-20260605-031700.db",
        "notes.txt",
    ]
    assert prune_backups(folder, 1) == [
        folder / "kindling-20260603-031700.db",
        folder / "kindling-20260604-031700.db",
    ]
    assert await scheduled_backup(path, folder, 0, datetime(2026, 7, 1, tzinfo=UTC)) is None


async def test_backup_and_restore_commands(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    await make_db(path)
    env = {"DATABASE_PATH": str(path)}
    made = cli("backup", str(tmp_path / "copy.db"), env=env)
    assert made.returncode == 0, made.stderr
    assert reputations(tmp_path / "copy.db") == reputations(path)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM members")
    conn.commit()
    conn.close()
    back = cli("restore", str(tmp_path / "copy.db"), env=env)
    assert back.returncode == 0, back.stderr
    assert len(reputations(path)) == 3
    missing = cli("restore", str(tmp_path / "nope.db"), env=env)
    assert missing.returncode == 2 and "no backup file" in missing.stderr
