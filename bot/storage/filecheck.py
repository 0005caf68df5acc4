"""Checks on the database file before anything is written to it (#12): a directory, an
unwritable file or folder, a file that is not SQLite, a foreign SQLite database, a schema
newer than this Kindling, or a corrupt page stop the bot at start with one sentence naming
`DATABASE_PATH` and what to do - never a raw sqlite traceback, never a bot that runs and
stores nothing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseFileError(Exception):
    """The database file cannot be used; the message names the setting and the fix."""


def _where(path: Path) -> str:
    return f"DATABASE_PATH {str(path)!r}"


def check_database_file(path: str | Path, latest_version: int) -> None:
    """Raise DatabaseFileError when `path` cannot hold Kindling's database. A missing file
    is fine (it is created) when its folder can be written. Read-only: opens the file with
    `mode=ro`, so a foreign file is never switched to WAL or migrated."""
    if str(path) == ":memory:":
        return
    path = Path(path)
    where = _where(path)
    if path.is_dir():
        raise DatabaseFileError(f"{where} is a directory; point it at a file such as kindling.db.")
    folder = path.parent if str(path.parent) else Path(".")
    if not path.exists():
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise DatabaseFileError(f"{where}: {existing} is not a folder.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise DatabaseFileError(
                f"{where} cannot be created: the folder {existing} is not writable by this "
                "user. Choose a writable location or fix the folder's permissions."
            )
        return
    if not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseFileError(
            f"{where} is not readable and writable by this user (its permissions or a "
            "read-only disk). Fix the file's permissions, e.g. chmod 600, or move it."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseFileError(
            f"{where}: its folder {folder} is not writable, and SQLite needs to create its "
            "journal files (-wal, -shm) there. Make the folder writable."
        )
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if not header:
        return  # an empty file becomes a new database
    if header != SQLITE_HEADER:
        raise DatabaseFileError(
            f"{where} is not a SQLite database. Point it at Kindling's database file, or "
            "at a new file name to start an empty one."
        )
    _check_contents(path, where, latest_version)


def _check_contents(path: Path, where: str, latest_version: int) -> None:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"{where} cannot be opened: {exc}.") from None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {
            str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if version > latest_version:
            raise DatabaseFileError(
                f"{where} was written by a newer Kindling (schema {version}; this version "
                f"knows up to {latest_version}). Upgrade Kindling, or restore a backup made "
                "by this version."
            )
        if version == 0 and tables:
            raise DatabaseFileError(
                f"{where} is a SQLite database of another program (tables: "
                f"{', '.join(sorted(tables)[:5])}). Point it at Kindling's own file, or at a "
                "new file name to start an empty one."
            )
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
        problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        if problems:
            raise DatabaseFileError(
                f"{where} is damaged (integrity check: {problems[0][:120]}). Stop the bot "
                "and restore the latest backup (see the README, Backups)."
            )
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(
            f"{where} is damaged or not a database ({exc}). Restore the latest backup (see "
            "the README, Backups)."
        ) from None
    finally:
        conn.close()
