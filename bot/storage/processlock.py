"""The one-process-per-file lock of an SQLite database (a ``.lock`` file beside it)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from bot.storage.filecheck import DatabaseFileError


class ProcessLock:
    """An exclusive lock on ``<database>.lock`` held for the life of the process (the
    kernel drops it when the process dies, SIGKILL included): a running bot holds it, so a
    second bot on the same SQLite file stops at start, and `replay --db` / `restore` refuse a
    database a running bot is using."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, database: Path) -> ProcessLock:
        real = database.resolve()  # one lock whichever link or relative path names it
        path = real.with_name(real.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise DatabaseFileError(
                f"DATABASE_PATH {str(database)!r} is in use by another Kindling process "
                f"({holder}): an SQLite file serves one process at a time. Stop that "
                "process first, or run several processes (SHARD_IDS) on a shared "
                "PostgreSQL database"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the lock
            self._handle = None
