"""Claims of the scheduled posts (issue #13), so each is posted by one process, once.

A guild's reminder of a local day (and its recap of a period) is *claimed* before it is
posted: a compare-and-set that succeeds for one caller only, whichever process it runs in.
It is *confirmed* after it was posted. A claim without its confirmation is a post in
doubt: the process stopped in between, and the next slot looks in the channel to see
whether the post went out before posting it. A claimed reminder records the digest it
plans (its messages) and how many of them were sent, so a digest cut short is resumed where
it stopped. The slot claims a chunk of guilds' reminders at once, each with its planned
digest (`claim_reminders`). Jobs that are not per guild are claimed once per period by
name, with a lease, and marked done after they ran."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.storage.sql import SQLITE

_CHUNK = 500
_CLAIMS_PER_STATEMENT = 100  # reminders claimed by one statement (5 parameters each)
# The writes made once per posted message (reminder_sent, reminder_done) need no row count,
# so they go through executemany with one row: on SQLite one round trip to the connection's
# thread, where execute takes two (it also closes its cursor, for the count).


class _Db(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[None]: ...
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    async def executemany(self, sql: str, rows: Any) -> None: ...
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class InDoubt:
    """A post claimed at `claimed_us` (microseconds, UTC) and never confirmed: the
    reminder of local day `key`, or the recap of the period ending at `key` (microseconds)."""

    guild: int
    key: str | int
    claimed_us: int | None  # the claim, or (a reminder) the last message sent after it
    plan: str | None = None  # a reminder's planned digest (JSON), None before it was planned
    sent: int = 0  # how many of the planned messages went out
    tries: int = 0  # how many times settling it failed


_CLAIM_REMINDER = (
    "INSERT INTO guild_jobs (guild_id, last_reminder_day, reminder_claim_us) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id) DO UPDATE SET last_reminder_day = excluded.last_reminder_day, "
    "reminder_claim_us = excluded.reminder_claim_us, reminder_plan = NULL, "
    "reminder_sent = NULL, reminder_tries = 0 "
    "WHERE guild_jobs.last_reminder_day IS NULL "
    "OR guild_jobs.last_reminder_day <> excluded.last_reminder_day"
)
# a claim that records its planned digest too (none of it sent yet), or NULL: planned later
_CLAIM_PLANNED_COLUMNS = (
    "INSERT INTO guild_jobs (guild_id, last_reminder_day, reminder_claim_us, reminder_plan, "
    "reminder_sent) VALUES "
)
_CLAIM_PLANNED_ROW = "(?, ?, ?, ?, ?)"
_CLAIM_PLANNED_UPSERT = (
    " ON CONFLICT (guild_id) DO UPDATE SET last_reminder_day = excluded.last_reminder_day, "
    "reminder_claim_us = excluded.reminder_claim_us, reminder_plan = excluded.reminder_plan, "
    "reminder_sent = excluded.reminder_sent, reminder_tries = 0 "
    "WHERE guild_jobs.last_reminder_day IS NULL "
    "OR guild_jobs.last_reminder_day <> excluded.last_reminder_day"
)
_SERVE_REMINDERS = (
    "INSERT INTO guild_jobs (guild_id, last_reminder_day, reminder_done_day) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id) DO UPDATE SET last_reminder_day = excluded.last_reminder_day, "
    "reminder_done_day = excluded.reminder_done_day"
)
_PLAN_REMINDER = (
    "UPDATE guild_jobs SET reminder_plan = ?, reminder_sent = 0 "
    "WHERE guild_id = ? AND last_reminder_day = ?"
)
_REMINDER_SENT = (
    "UPDATE guild_jobs SET reminder_sent = ?, reminder_claim_us = ? "
    "WHERE guild_id = ? AND last_reminder_day = ?"
)
_REMINDER_FAILED = (
    "UPDATE guild_jobs SET reminder_tries = reminder_tries + 1 "
    "WHERE guild_id = ? AND last_reminder_day = ?"
)
_CONFIRM_REMINDER = "UPDATE guild_jobs SET reminder_done_day = ? WHERE guild_id = ?"
_REMINDER_DONE = (
    "UPDATE guild_jobs SET reminder_done_day = ?, reminder_sent = ? "
    "WHERE guild_id = ? AND last_reminder_day = ?"
)
_REMINDERS_IN_DOUBT = (
    "SELECT guild_id, last_reminder_day, reminder_claim_us, reminder_plan, reminder_sent, "
    "reminder_tries FROM guild_jobs "
    "WHERE last_reminder_day IS NOT NULL "
    "AND (reminder_done_day IS NULL OR reminder_done_day <> last_reminder_day)"
)
_CLAIM_RECAP = (
    "INSERT INTO guild_jobs (guild_id, last_recap_end, recap_claim_us) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id) DO UPDATE SET last_recap_end = excluded.last_recap_end, "
    "recap_claim_us = excluded.recap_claim_us, recap_tries = 0 "
    "WHERE guild_jobs.last_recap_end IS NULL "
    "OR guild_jobs.last_recap_end < excluded.last_recap_end"
)
_NOTE_RECAPS = (
    "INSERT INTO guild_jobs (guild_id, last_recap_end, recap_done_end) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id) DO UPDATE SET last_recap_end = excluded.last_recap_end, "
    "recap_done_end = excluded.recap_done_end"
)
_CONFIRM_RECAP = "UPDATE guild_jobs SET recap_done_end = ? WHERE guild_id = ?"
_RECAP_FAILED = (
    "UPDATE guild_jobs SET recap_tries = recap_tries + 1 WHERE guild_id = ? AND last_recap_end = ?"
)
_RECAPS_IN_DOUBT = (
    "SELECT guild_id, last_recap_end, recap_claim_us, recap_tries FROM guild_jobs "
    "WHERE last_recap_end IS NOT NULL "
    "AND (recap_done_end IS NULL OR recap_done_end <> last_recap_end)"
)
# a period not done yet, and not claimed by a live run (its lease not expired)
_CLAIM_GLOBAL = (
    "INSERT INTO global_jobs (name, last_period, claim_us) VALUES (?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET last_period = excluded.last_period, "
    "claim_us = excluded.claim_us "
    "WHERE (global_jobs.done_period IS NULL OR global_jobs.done_period <> excluded.last_period) "
    "AND (global_jobs.last_period <> excluded.last_period OR global_jobs.claim_us IS NULL "
    "OR global_jobs.claim_us < ?)"
)
_DONE_GLOBAL = "UPDATE global_jobs SET done_period = ? WHERE name = ? AND last_period = ?"
_RELEASE_GLOBAL = (
    "UPDATE global_jobs SET claim_us = NULL WHERE name = ? AND last_period = ? AND claim_us = ?"
)


def _opt_int(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) else None


def _returns_upserted_rows(db: object) -> bool:
    """Can an upsert say which rows it wrote (`RETURNING`)? PostgreSQL, and SQLite from 3.35."""
    dialect = getattr(db, "dialect", None)
    return getattr(dialect, "name", None) != SQLITE or sqlite3.sqlite_version_info >= (3, 35)


class SlotClaimRepository:
    def __init__(self, db: _Db) -> None:
        self.db = db
        # False: each claim of a batch is its own statement (an SQLite without RETURNING)
        self.returning = _returns_upserted_rows(db)

    # -- reminders ------------------------------------------------------------------------
    async def claim_reminder(self, guild: int, day: str, claimed_us: int) -> bool:
        """Claim the guild's reminder of local `day`; False when it was claimed already."""
        return await self.db.execute(_CLAIM_REMINDER, (guild, day, claimed_us)) > 0

    async def claim_reminders(
        self, claims: Sequence[tuple[int, str, str | None]], claimed_us: int
    ) -> set[int]:
        """Claim the reminders (guild, local day, planned digest or None) in one transaction,
        each with its plan (none of it sent yet; None: planned after the claim, with
        `plan_reminder`); returns the guilds claimed here, not those claimed already. The
        rows are written in guild order, so two processes claiming overlapping chunks lock
        them in the same order (PostgreSQL)."""
        unique = {
            guild: (guild, day, claimed_us, plan, None if plan is None else 0)
            for guild, day, plan in claims
        }
        rows = [unique[guild] for guild in sorted(unique)]
        won: set[int] = set()
        if not rows:
            return won
        async with self.db.transaction():
            if not self.returning:
                single = _CLAIM_PLANNED_COLUMNS + _CLAIM_PLANNED_ROW + _CLAIM_PLANNED_UPSERT
                for row in rows:
                    if await self.db.execute(single, row) > 0:
                        won.add(row[0])
                return won
            for start in range(0, len(rows), _CLAIMS_PER_STATEMENT):
                part = rows[start : start + _CLAIMS_PER_STATEMENT]
                sql = (
                    _CLAIM_PLANNED_COLUMNS
                    + ", ".join([_CLAIM_PLANNED_ROW] * len(part))
                    + _CLAIM_PLANNED_UPSERT
                    + " RETURNING guild_id"
                )
                params = [value for row in part for value in row]
                won.update(int(r[0]) for r in await self.db.fetchall(sql, params))
        return won

    async def serve_without_post(self, served: list[tuple[int, str]]) -> None:
        """Guilds whose reminder of a day needs no post (nothing at risk): served and done."""
        rows = [(guild, day, day) for guild, day in served]
        async with self.db.transaction():
            for start in range(0, len(rows), _CHUNK):
                await self.db.executemany(_SERVE_REMINDERS, rows[start : start + _CHUNK])

    async def confirm_reminder(self, guild: int, day: str) -> None:
        await self.db.execute(_CONFIRM_REMINDER, (day, guild))

    async def reminder_done(self, guild: int, day: str, sent: int) -> None:
        """The claimed reminder of `day` is done, `sent` messages of its digest posted: the
        confirmation, which also records the last message sent (none is recorded alone)."""
        await self.db.executemany(_REMINDER_DONE, [(day, sent, guild, day)])

    async def plan_reminder(self, guild: int, day: str, plan: str) -> None:
        """The digest the claimed reminder of `day` posts (none of it sent yet)."""
        await self.db.execute(_PLAN_REMINDER, (plan, guild, day))

    async def reminder_sent(self, guild: int, day: str, sent: int, at_us: int) -> None:
        """`sent` messages of the planned digest went out, the last at `at_us`."""
        await self.db.executemany(_REMINDER_SENT, [(sent, at_us, guild, day)])

    async def reminder_failed(self, guild: int, day: str) -> None:
        """Settling the reminder in doubt failed once more."""
        await self.db.execute(_REMINDER_FAILED, (guild, day))

    async def reminders_in_doubt(self) -> list[InDoubt]:
        rows = await self.db.fetchall(_REMINDERS_IN_DOUBT)
        return [
            InDoubt(
                int(r[0]),
                str(r[1]),
                _opt_int(r[2]),
                None if r[3] is None else str(r[3]),
                _opt_int(r[4]) or 0,
                _opt_int(r[5]) or 0,
            )
            for r in rows
        ]

    # -- recaps ---------------------------------------------------------------------------
    async def claim_recap(self, guild: int, end_us: int, claimed_us: int) -> bool:
        """Claim the recap of the period ending at `end_us`; False when it (or a later one)
        was claimed already."""
        return await self.db.execute(_CLAIM_RECAP, (guild, end_us, claimed_us)) > 0

    async def note_recaps(self, ends: list[tuple[int, int]]) -> None:
        """Where recaps start counting (a period that ended before gets none): done."""
        rows = [(guild, end, end) for guild, end in ends]
        for start in range(0, len(rows), _CHUNK):
            await self.db.executemany(_NOTE_RECAPS, rows[start : start + _CHUNK])

    async def confirm_recap(self, guild: int, end_us: int) -> None:
        await self.db.execute(_CONFIRM_RECAP, (end_us, guild))

    async def recap_failed(self, guild: int, end_us: int) -> None:
        await self.db.execute(_RECAP_FAILED, (guild, end_us))

    async def recaps_in_doubt(self) -> list[InDoubt]:
        rows = await self.db.fetchall(_RECAPS_IN_DOUBT)
        return [
            InDoubt(int(r[0]), int(r[1]), _opt_int(r[2]), tries=_opt_int(r[3]) or 0) for r in rows
        ]

    # -- jobs of the whole installation ---------------------------------------------------
    async def claim_global(self, name: str, period: str, now_us: int, lease_us: int) -> bool:
        """Claim job `name` for `period` (e.g. a UTC date) at `now_us`; False when it ran
        already, or another run claimed it less than `lease_us` ago."""
        return await self.db.execute(_CLAIM_GLOBAL, (name, period, now_us, now_us - lease_us)) > 0

    async def done_global(self, name: str, period: str) -> None:
        """Job `name` ran for `period`: never run again for it."""
        await self.db.execute(_DONE_GLOBAL, (period, name, period))

    async def release_global(self, name: str, period: str, claimed_us: int) -> None:
        """The run claimed at `claimed_us` failed: the next one may claim the period."""
        await self.db.execute(_RELEASE_GLOBAL, (name, period, claimed_us))
