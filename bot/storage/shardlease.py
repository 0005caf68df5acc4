"""Shard leases on a shared PostgreSQL database (issue #13 review).

A process that runs shards (SHARD_COUNT, SHARD_IDS) takes a session-level advisory lock per
shard at start, on a connection of its own held for the life of the process, so a second
process configured for a shard that is already run (overlapping SHARD_IDS, or SHARD_COUNT
without SHARD_IDS twice) stops at start instead of applying every message a second time.
The server drops the locks when the session ends: a clean exit closes the connection, and a
killed process's connection is closed by its kernel (a machine that vanished is noticed by
the server's TCP keepalives). SQLite has its lock file instead
(bot.storage.processlock.ProcessLock).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import asyncpg

from bot.storage.filecheck import DatabaseFileError
from bot.storage.postgres import redact

log = logging.getLogger(__name__)

# the first of the two int4 keys of a shard's lock ("KS"); the second is the shard. The
# two-key locks never collide with single bigint keys (PostgreSQL keeps them apart).
LEASE_CLASS = 0x4B53
# the second key of the whole database's lock: a process that runs every guild (not sharded)
# takes it alone, a sharded process shares it, so an unsharded process and any other on the
# same database never run together (two of them would count every message twice)
WHOLE = -1
# a restarted process may find its killed predecessor's session not ended yet: it waits
# this long for the locks before refusing to start
LEASE_WAIT_SECONDS = 10.0
_RETRY_SECONDS = 0.5


def _what(shard: int) -> str:
    return "the whole database" if shard == WHOLE else f"shard {shard}"


class ShardLeaseError(DatabaseFileError):
    """Another process runs one of this process's shards on the same database."""


class ShardLease:
    """The held locks of `shards`; `release` (or the process ending) gives them back."""

    def __init__(self, conn: asyncpg.Connection, shards: tuple[int, ...]) -> None:
        self._conn: asyncpg.Connection | None = conn
        self.shards = shards

    @classmethod
    async def acquire(
        cls,
        url: str,
        shards: Sequence[int],
        count: int | None,
        *,
        wait: float | None = None,
    ) -> ShardLease:
        """Lock every shard of `shards` (of `count`) or raise ShardLeaseError naming the
        first one another process holds, after waiting up to `wait` seconds for it
        (LEASE_WAIT_SECONDS unless given). `count` None: the process is not sharded and
        runs every guild: it takes the whole database (no other process may run)."""
        conn: asyncpg.Connection = await asyncpg.connect(
            dsn=url, server_settings={"application_name": "kindling shard lease"}
        )
        wanted = [WHOLE, *sorted(set(shards))]
        held: list[int] = []
        deadline = time.monotonic() + (LEASE_WAIT_SECONDS if wait is None else wait)
        told = False
        try:
            while True:
                for shard in [s for s in wanted if s not in held]:
                    # the whole database: alone when not sharded, shared between shards
                    take = (
                        "pg_try_advisory_lock_shared"
                        if shard == WHOLE and count is not None
                        else "pg_try_advisory_lock"
                    )
                    if await conn.fetchval(
                        f"SELECT {take}($1::int4, $2::int4)", LEASE_CLASS, shard
                    ):
                        held.append(shard)
                busy = [s for s in wanted if s not in held]
                if not busy:
                    return cls(conn, tuple(s for s in wanted if s != WHOLE))
                if time.monotonic() >= deadline:
                    break
                if not told:
                    log.info("%s is held by another process; waiting for it", _what(busy[0]))
                    told = True
                await asyncio.sleep(_RETRY_SECONDS)
        except BaseException:
            await conn.close()
            raise
        await conn.close()  # releases the ones that were taken
        if busy[0] == WHOLE:
            raise ShardLeaseError(
                f"DATABASE_URL {redact(url)!r} is already used by another Kindling process"
                + (" that runs every guild (it has no SHARD_IDS)" if count is not None else "")
                + ": one process without SHARD_COUNT runs alone; run several processes "
                "with SHARD_COUNT and their own SHARD_IDS, or stop the other process first"
            )
        raise ShardLeaseError(
            f"shard {busy[0]} of {count} is already run by another Kindling process on "
            f"DATABASE_URL {redact(url)!r}: give each process its own SHARD_IDS (no shard "
            "in two processes), or stop the other process first"
        )

    @property
    def held(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()  # ending the session frees every lock it held
