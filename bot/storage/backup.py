"""Online backups of the SQLite database (#12): SQLite's backup API copies a consistent
snapshot while the bot keeps running (a separate connection, in steps, in a worker thread);
the copy is verified before it replaces anything. Restore is the same copy the other way,
with the bot stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.database import latest_version
from bot.storage.filecheck import DatabaseFileError, check_database_file
from bot.storage.processlock import ProcessLock

log = logging.getLogger(__name__)

BACKUP_PREFIX = "kindling-"
BACKUP_SUFFIX = ".db"
_STEP_PAGES = 2048  # pages copied per step; the source is free for writers between steps


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of `source` at `target` (written beside it, verified, renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    src = sqlite3.connect(str(source), timeout=30)
    try:
        dst = sqlite3.connect(str(partial))
        try:
            src.backup(dst, pages=_STEP_PAGES, sleep=0.005)
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise DatabaseFileError(f"the copy at {partial} failed its integrity check")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)


def backup_file(source: str | Path, target: str | Path) -> Path:
    """Copy the database at `source` to `target`: a file, or a folder (one that exists, or
    a new name without a suffix) to put a dated file in. Safe while the bot runs. Returns
    the file written."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise DatabaseFileError(
            f"DATABASE_PATH {str(source)!r} does not exist; nothing to back up."
        )
    check_database_file(source, latest_version())
    if target.is_dir() or (not target.exists() and not target.suffix):
        target = target / dated_name(datetime.now(UTC))
    if target.resolve() == source.resolve():
        raise DatabaseFileError("The backup file must not be the database itself.")
    _copy(source, target)
    return target


def restore_file(backup: str | Path, database: str | Path) -> None:
    """Replace the database with a verified backup. The bot must be stopped: its journal
    files are removed so the restored file is read as it is."""
    backup, database = Path(backup), Path(database)
    if not backup.is_file():
        raise DatabaseFileError(f"no backup file at {str(backup)!r}")
    check_database_file(backup, latest_version())
    lock = ProcessLock.acquire(database)  # refused while a bot runs on the database
    try:
        _restore(backup, database)
    finally:
        lock.release()


def _restore(backup: Path, database: Path) -> None:
    _copy(backup, database.with_name(database.name + ".restoring"))
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            database.with_name(database.name + suffix).unlink()
    os.replace(database.with_name(database.name + ".restoring"), database)


def _remove(path: Path) -> None:
    """A database file and its journals, when present."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


@contextlib.contextmanager
def staged(database: str | Path) -> Iterator[Path]:
    """Work on a copy of the database beside it (a new, empty file when there is none yet):
    the copy replaces the database only when the block ends without an error, so a failure
    anywhere in it (a full disk half-way through) leaves the database as it was. The copy's
    connections must be closed when the block ends. Nothing else may have the database open
    meanwhile (as for `restore`)."""
    # a symlinked database is replaced where it really is, and the link stays
    database = Path(database).resolve()
    # refused while a bot runs on it (its writes would be lost with the old file), and no
    # bot can start on it until the copy is in place
    lock = ProcessLock.acquire(database)
    try:
        yield from _staged(database)
    finally:
        lock.release()


def _staged(database: Path) -> Iterator[Path]:
    work = database.with_name(database.name + ".staged")
    _remove(work)
    if database.exists():
        check_database_file(database, latest_version())
        _copy(database, work)
    try:
        yield work
        if database.exists():  # the replacement keeps the file's permissions and owner
            held = database.stat()
            os.chmod(work, stat.S_IMODE(held.st_mode))
            if (held.st_uid, held.st_gid) != (work.stat().st_uid, work.stat().st_gid):
                os.chown(work, held.st_uid, held.st_gid)
    except BaseException:
        _remove(work)
        raise
    try:
        if database.exists():
            # fold the database's own journal in and drop it, so no stale journal is left
            # beside the file that replaces it
            conn = sqlite3.connect(str(database), timeout=30)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    database.with_name(database.name + suffix).unlink()
        os.replace(work, database)
    except BaseException:
        _remove(work)
        raise


def dated_name(at: datetime) -> str:
    """A backup's file name from its time in UTC (names sort as times do, for pruning)."""
    return f"{BACKUP_PREFIX}{at.astimezone(UTC):%Y%m%d-%H%M%S}{BACKUP_SUFFIX}"


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups in `folder` (only files this module
    names); returns what was deleted."""
    ours = sorted(
        p
        for p in folder.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}")
        if p.is_file() and len(p.stem) == len(BACKUP_PREFIX) + 15
    )
    gone = ours[: max(0, len(ours) - keep)]
    for path in gone:
        path.unlink()
    return gone


async def scheduled_backup(source: Path, folder: Path, keep: int, now: datetime) -> Path | None:
    """The daily backup job: a dated copy in `folder`, then the oldest beyond `keep` go.
    Off when keep is 0. Runs in a worker thread so the event loop keeps serving."""
    if keep <= 0:
        return None

    def work() -> Path:
        written = backup_file(source, folder / dated_name(now))
        prune_backups(folder, keep)
        return written

    written = await asyncio.to_thread(work)
    log.info("backed up the database to %s", written)
    return written
