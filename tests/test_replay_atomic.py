"""`replay --db` is all or nothing also when the disk fills up half-way through applying a
valid file (#12 item 4): the events go to a copy that replaces the database only at the end.
The fault is real: the replay process runs with a file-size limit (RLIMIT_FSIZE) that lets the
copy be made but not the file's writes, as a full disk would."""

from __future__ import annotations

import hashlib
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.backup import restore_file
from bot.storage.filecheck import DatabaseFileError
from bot.storage.processlock import ProcessLock
from tests.conftest import ROOT
from tests.test_replay_streaming import message

NOW = "2026-06-01T00:00:00Z"


def replay(file: Path, db: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", "replay", str(file), "--now", NOW, "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        preexec_fn=cap,  # only sets a resource limit in the child
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_full_disk_mid_apply_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(message(i) for i in range(20)) + "\n")
    done = replay(first, db)
    assert done.returncode == 0, done.stderr
    before_state = json.loads(done.stdout)
    before_bytes = digest(db)

    big = tmp_path / "big.jsonl"
    lines = [json.dumps({"type": "settings", "guild": 1, "timezone": "Asia/Tokyo"})]
    lines += [message(i) for i in range(20, 3500)]
    big.write_text("\n".join(lines) + "\n")
    size = db.stat().st_size
    failed = replay(big, db, limit=size + 64 * 1024)  # the copy fits; the new rows do not
    assert failed.returncode == 1, (failed.returncode, failed.stderr)
    assert "Traceback" not in failed.stderr, failed.stderr
    assert "nothing was applied" in failed.stderr and str(db) in failed.stderr
    assert failed.stdout == ""
    assert digest(db) == before_bytes  # the database file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "big.jsonl",
        "first.jsonl",
        "k.db",
        "k.db.lock",  # the one-process lock, held while a replay or a bot has the file
    ]

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    again = replay(empty, db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == before_state

    # with room, the same file applies in full (so it was the disk, not the file)
    applied = replay(big, db)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout) != before_state
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "big.jsonl",
        "empty.jsonl",
        "first.jsonl",
        "k.db",
        "k.db.lock",
    ]


def test_the_replaced_database_keeps_its_permissions_and_its_link(tmp_path: Path) -> None:
    """The staged copy takes the file's mode (a 0600 database stays 0600), and a symlinked
    --db is replaced where it points, the link left as it was (found in review)."""
    real = tmp_path / "data" / "kindling.db"
    real.parent.mkdir()
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(message(i) for i in range(5)) + "\n")
    assert replay(first, real).returncode == 0
    real.chmod(0o600)
    link = tmp_path / "link.db"
    link.symlink_to(real)
    more = tmp_path / "more.jsonl"
    more.write_text("\n".join(message(i) for i in range(5, 12)) + "\n")
    done = replay(more, link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == real
    assert oct(real.stat().st_mode & 0o777) == oct(0o600)
    conn = sqlite3.connect(real)
    try:
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 12
    finally:
        conn.close()
    assert sorted(p.name for p in real.parent.iterdir()) == ["kindling.db", "kindling.db.lock"]


def test_a_database_a_bot_is_using_is_refused(tmp_path: Path) -> None:
    """`replay --db` and `restore` refuse the file while a bot holds it (its later writes
    would have been lost with the replaced file; found in review), and take it once the
    bot is gone."""
    db = tmp_path / "k.db"
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(message(i) for i in range(5)) + "\n")
    assert replay(first, db).returncode == 0
    before = digest(db)
    running = ProcessLock.acquire(tmp_path / "." / "k.db")  # as a running bot holds it
    try:
        refused = replay(first, db)
        assert refused.returncode == 2, refused.stderr
        assert "in use by another Kindling process" in refused.stderr
        assert "Traceback" not in refused.stderr and digest(db) == before
        backup = tmp_path / "copy.db"
        shutil.copy(db, backup)
        with pytest.raises(DatabaseFileError, match="in use"):
            restore_file(backup, db)
    finally:
        running.release()
    assert replay(first, db).returncode == 0
