"""The one tracking pipeline: every source feeds records here, and nothing else writes rule state.

Records are applied to the in-memory rule state at once (so the next record sees their
effect) and their rows are written behind, in batches, each batch one transaction: when
`max_batch` records are pending, every `flush_interval` seconds, and on close. Idempotent by
key: a message id, reaction key or kudos key seen before changes nothing.

Three entry points:
- `submit(record)` ingests one record (message, reaction, kudos, member, delete, cursor);
- `flush()` writes what is pending and returns when it is committed;
- `locked(guild)` is the one way for a service to change rule state: under the single-writer
  lock, after pending rows are written, it yields a `Change` (the live state and a batch of
  its own) inside one database transaction, in which the service also writes its
  repositories and its audit row. On success the batch is committed with them; on failure
  everything is rolled back and the guild's state reloaded from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from bot.domain.engine import BadgeAward, Batch, GuildState, KudosOutcome, memory_window_start
from bot.domain.errors import DomainError
from bot.domain.guild_settings import GuildSettings
from bot.domain.interactions import (
    CursorRecord,
    DeleteRecord,
    KudosRecord,
    MemberRecord,
    MessageRecord,
    ReactionRecord,
)
from bot.domain.streaks import local_day
from bot.storage.database import Database
from bot.storage.protocols import Repositories

log = logging.getLogger(__name__)

MESSAGE_CACHE_LIMIT = 300_000

BadgeListener = Callable[[list[BadgeAward]], Any]
ChangeListener = Callable[[int], None]
Record = MessageRecord | ReactionRecord | KudosRecord | MemberRecord | DeleteRecord | CursorRecord


def _merge(older: Batch, newer: Batch) -> Batch:
    """Put a batch that failed to write in front of what arrived since."""
    older.messages.extend(newer.messages)
    older.interactions.extend(newer.interactions)
    older.ledger.extend(newer.ledger)
    older.pair_days.extend(newer.pair_days)
    older.streaks.update(newer.streaks)
    older.reputation.update(newer.reputation)
    older.badges.extend(newer.badges)
    older.outbox.extend(newer.outbox)
    older.members.update(newer.members)
    older.recompute |= newer.recompute
    older.active |= newer.active
    for key, value in newer.cursors.items():
        older.cursors[key] = max(value, older.cursors.get(key, 0))
    older.count += newer.count
    return older


async def _notify(listeners: list[BadgeListener], awards: list[BadgeAward]) -> None:
    """Call every listener (plain or coroutine function) with the awards, if there are any."""
    if awards:
        for listener in list(listeners):
            result = listener(awards)
            if asyncio.iscoroutine(result):
                await result


@dataclass(slots=True)
class Change:
    """A service's unit of work on one guild (see `TrackingPipeline.locked`)."""

    state: GuildState
    batch: Batch = field(default_factory=Batch)


class TrackingPipeline:
    def __init__(
        self,
        storage: Database | Repositories,
        *,
        flush_interval: float = 1.0,
        max_batch: int = 5000,
    ) -> None:
        """`storage`: a backend's repositories, or an SQLite database to build them on."""
        self.repos = storage if isinstance(storage, Repositories) else Repositories.sqlite(storage)
        self.db = self.repos.db
        self.store = self.repos.tracking
        self._guilds = self.repos.guilds
        self._challenges = self.repos.challenges
        self.flush_interval = flush_interval
        self.max_batch = max_batch
        self.states: dict[int, GuildState] = {}
        self._lookup_db: dict[int, bool] = {}
        self.batch = Batch()
        self._apply_lock = asyncio.Lock()
        self._flush_lock = asyncio.Lock()
        self._load_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.closed = False  # after close(): records are refused (backfill reads them later)
        # the last write of the batch failed (a full disk, a lock): what is applied now waits
        # in memory for the next flush, and replies say so
        self.write_failing = False
        # per guild, how many committed writes changed its data (readers compare it to know
        # whether what they showed may be out of date)
        self.versions: dict[int, int] = defaultdict(int)
        self._badge_listeners: list[BadgeListener] = []
        self._change_listeners: list[ChangeListener] = []
        self._revoke_listeners: list[BadgeListener] = []
        self.rows_written = 0

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._flush_loop(), name="kindling-flush")

    async def close(self) -> None:
        """Stop the flush loop (never cancelled mid-write) and write what is pending."""
        task, self._task = self._task, None
        self._stopping.set()
        if task is not None:
            await task
        async with self._apply_lock:  # a record being applied now finishes first
            self.closed = True
        await self.flush()

    async def _flush_loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.flush_interval)
            try:
                await self.flush()
            except Exception:
                log.exception("flushing tracked interactions failed; will retry")

    def add_badge_listener(self, listener: BadgeListener) -> None:
        """Called with the badges awarded by each committed write."""
        self._badge_listeners.append(listener)

    def remove_badge_listener(self, listener: BadgeListener) -> None:
        if listener in self._badge_listeners:
            self._badge_listeners.remove(listener)

    def add_revoke_listener(self, listener: BadgeListener) -> None:
        """Called with badges taken back by a committed change (their roles go too)."""
        self._revoke_listeners.append(listener)

    def remove_revoke_listener(self, listener: BadgeListener) -> None:
        if listener in self._revoke_listeners:
            self._revoke_listeners.remove(listener)

    async def announce_revoked(self, revoked: list[BadgeAward]) -> None:
        """Tell the revoke listeners, after the change that took the badges committed."""
        await _notify(self._revoke_listeners, revoked)

    def add_change_listener(self, listener: ChangeListener) -> None:
        """Called with the guild after each committed `locked` change (read caches)."""
        self._change_listeners.append(listener)

    def remove_change_listener(self, listener: ChangeListener) -> None:
        if listener in self._change_listeners:
            self._change_listeners.remove(listener)

    # -- state ----------------------------------------------------------------------------
    async def state(self, guild: int) -> GuildState:
        """The guild's rule state, loaded from the database once (concurrent callers wait
        for the same load, so no update is ever applied to a state that is then replaced).
        Services read it; only `submit` and `locked` change it."""
        st = self.states.get(guild)
        if st is not None:
            return st
        async with self._load_lock:
            st = self.states.get(guild)
            if st is not None:
                return st
            st = await self._load(guild)
            self.states[guild] = st
            return st

    async def _load(self, guild: int) -> GuildState:
        await self._guilds.ensure(guild)
        settings = await self._guilds.get_settings(guild) or GuildSettings()
        snapshot = await self.store.fetch_snapshot(guild)
        recent = None
        if snapshot.newest is not None:
            first = memory_window_start(snapshot.newest, settings.zone)
            recent = await self.store.fetch_days(guild, settings.zone, first, None)
        st = GuildState.restore(guild, settings, snapshot, recent)
        config = await self._guilds.get_config(guild)
        st.set_channels(config.get("channel_allow"), config.get("channel_deny"))
        for ch in await self._challenges.for_guild(guild):
            st.challenges[ch.id] = ch
        self._lookup_db[guild] = await self.store.has_data(guild)
        return st

    async def settings(self, guild: int) -> GuildSettings:
        """A guild's settings without loading its whole rule state (cheap for reads)."""
        st = self.states.get(guild)
        if st is not None:
            return st.settings
        return await self._guilds.get_settings(guild) or GuildSettings()

    @contextlib.asynccontextmanager
    async def locked(
        self, guild: int, actor: int | None = None, *, quiet: bool = False
    ) -> AsyncIterator[Change]:
        """The single-writer lock on rule state, as one unit of work (see the module doc).
        `actor` is the moderator whose action this is: badges it awards carry them.
        `quiet`: bookkeeping that changes nothing a reader or a listener cares about (an
        import's progress, a kudos reason), so change listeners are not told."""
        async with self._apply_lock:
            st = await self.state(guild)
            await self.flush()  # pending rows first: the store then matches memory
            change = Change(st)
            st.acting = actor
            try:
                async with self.db.transaction():
                    yield change
                    _, recomputed = await self.store.write_batch(change.batch, self._max_freezes)
            except BaseException:
                # memory may be ahead of the store: rebuild this guild from what is committed
                self.states.pop(guild, None)
                raise
            finally:
                st.acting = None
            self.versions[guild] += 1
            self._apply_recomputed(recomputed)
            awards = self._drain_badges()
        if not quiet:
            for listener in self._change_listeners:
                listener(guild)
        await self._deliver(awards)

    # -- records --------------------------------------------------------------------------
    @overload
    async def submit(self, rec: MessageRecord) -> int: ...
    @overload
    async def submit(self, rec: ReactionRecord) -> bool: ...
    @overload
    async def submit(self, rec: KudosRecord) -> KudosOutcome: ...
    @overload
    async def submit(self, rec: MemberRecord | DeleteRecord | CursorRecord) -> None: ...

    async def submit(self, rec: Record) -> int | bool | KudosOutcome | None:
        """Ingest one record: a message gives the number of interactions it produced, a
        reaction whether it became one, a kudos its outcome. After close() nothing is
        taken: an event arriving while the bot shuts down is left for backfill, and a
        kudos is refused with a message saying to try again."""
        if self.closed:
            if isinstance(rec, KudosRecord):
                raise DomainError("Kindling is restarting; please try again in a minute.")
            if isinstance(rec, MessageRecord):
                return 0
            return False if isinstance(rec, ReactionRecord) else None
        if isinstance(rec, CursorRecord):
            key = (rec.guild, rec.channel)
            self.batch.cursors[key] = max(rec.message, self.batch.cursors.get(key, 0))
            return None
        result: int | bool | KudosOutcome | None
        async with self._apply_lock:
            st = await self.state(rec.guild)
            if isinstance(rec, MessageRecord):
                result = await self._message(st, rec)
            elif isinstance(rec, ReactionRecord):
                result = await self._reaction(st, rec)
            elif isinstance(rec, KudosRecord):
                if self._lookup_db[rec.guild]:
                    await self._check_key(st, rec.key_source, rec.giver, rec.receiver, "kudos")
                await self._ensure_day(st, rec.ts)
                result = st.apply_kudos(self.batch, rec)
            elif isinstance(rec, MemberRecord):
                st.apply_member(self.batch, rec.user, rec.bot, rec.joined_at, rec.left)
                result = None
            else:
                # a deleted message: its text is dropped from memory and the store; what it
                # already earned stays (history is not rewritten)
                st.forget_text(rec.message)
                await self.flush()
                await self.store.forget_message_text(rec.guild, rec.message)
                return None
        await self._after_apply()
        return result

    async def _message(self, st: GuildState, rec: MessageRecord) -> int:
        if self._lookup_db[rec.guild]:
            need = [] if rec.id in st.messages else [rec.id]
            if (
                rec.reply_to is not None
                and rec.reply_author is None
                and (rec.reply_to not in st.messages)
            ):
                need.append(rec.reply_to)
            if need:
                st.messages.update(await self.store.messages_by_ids(rec.guild, need))
        await self._ensure_day(st, rec.ts)
        produced = st.apply_message(self.batch, rec)
        self._trim_cache(st)
        return produced

    async def _reaction(self, st: GuildState, rec: ReactionRecord) -> bool:
        if self._lookup_db[rec.guild]:
            if rec.message_author is None and rec.message not in st.messages:
                st.messages.update(await self.store.messages_by_ids(rec.guild, [rec.message]))
            author = rec.message_author
            if author is None and rec.message in st.messages:
                author = st.messages[rec.message].author
            if author is not None:
                kind = "kudos" if rec.emoji == st.settings.kudos_emoji else "reaction"
                await self._check_key(st, str(rec.message), rec.user, author, kind)
        await self._ensure_day(st, rec.ts)
        return st.apply_reaction(self.batch, rec)

    async def cursors(self, guild: int) -> dict[int, int]:
        """Last message id read per channel (what backfill resumes from)."""
        await self.flush()
        return await self.store.cursors(guild)

    async def _ensure_day(self, st: GuildState, at: datetime) -> None:
        """Before applying an event of an older local day, bring that day's counters
        (allowances, caps, kudos counts, pair-day directions) into memory from the store."""
        day = local_day(at, st.settings.zone)
        if st.needs_day(day):
            await self.flush()
            st.restore_day(day, await self.store.fetch_days(st.guild, st.settings.zone, day, day))

    async def _check_key(
        self, st: GuildState, source: str, actor: int, target: int, kind: str
    ) -> None:
        key = (source, actor, target, kind)
        if key not in st.seen_keys and await self.store.interaction_exists(
            st.guild, source, actor, target, kind
        ):
            st.seen_keys.add(key)

    def _trim_cache(self, st: GuildState) -> None:
        if len(st.messages) > MESSAGE_CACHE_LIMIT:
            # keep the newer half in memory; the rest is looked up in the database
            drop = len(st.messages) // 2
            for key in list(st.messages)[:drop]:
                del st.messages[key]
            self._lookup_db[st.guild] = True

    async def _after_apply(self) -> None:
        if self.batch.count >= self.max_batch:
            # write behind: the batch is written while the next one fills; at most one
            # write is in flight, so a slow disk slows producers down instead of piling up
            await self._wait_for_write()
            self._writing = asyncio.create_task(self.flush(), name="kindling-write")

    async def wait_idle(self) -> None:
        """Wait until no batch write is in flight."""
        await self._wait_for_write()

    async def _wait_for_write(self) -> None:
        task, self._writing = self._writing, None
        if task is not None:
            await task

    # -- writing --------------------------------------------------------------------------
    def _max_freezes(self, guild: int) -> int:
        st = self.states.get(guild)
        return st.settings.limits.max_freezes if st else GuildSettings().limits.max_freezes

    async def flush(self) -> None:
        """Write everything applied so far; returns when it is committed. Inside a `locked`
        change the store already matches memory and the change's own transaction is open, so
        there is nothing to wait for (what arrives meanwhile is written by the next flush)."""
        if self.db.in_transaction:
            return
        if self._writing is not None and self._writing is not asyncio.current_task():
            await self._wait_for_write()
        async with self._flush_lock:
            batch, self.batch = self.batch, Batch()
            if batch.empty:
                return
            write = asyncio.ensure_future(self.store.write_batch(batch, self._max_freezes))
            try:
                # shielded: a cancellation never interrupts a transaction half-way, so a
                # committed batch is never put back and written twice
                rows, recomputed = await asyncio.shield(write)
            except asyncio.CancelledError:
                await asyncio.wait({write})
                if write.cancelled() or write.exception() is not None:
                    self.batch = _merge(batch, self.batch)
                else:
                    rows, recomputed = write.result()
                    self.rows_written += rows
                    self._apply_recomputed(recomputed)
                raise
            except BaseException:
                self.batch = _merge(batch, self.batch)
                self.write_failing = True
                raise
            self.write_failing = False
            for changed in batch.guilds():
                self.versions[changed] += 1
            self.rows_written += rows
            self._apply_recomputed(recomputed)
            awards = self._drain_badges()
        await self._deliver(awards)

    async def catch_up(self) -> None:
        """Before a read: write what is pending, so the read sees it. When the store cannot
        be written right now (a full disk, another program's lock) the read goes on with
        what is stored; the batch stays for the next flush, which retries it."""
        try:
            await self.flush()
        except sqlite3.OperationalError as exc:  # flagged in write_failing, retried later
            log.warning("reading without the latest writes: the store refused them (%s)", exc)

    def _apply_recomputed(self, recomputed: dict[tuple[int, int, int], Any]) -> None:
        for (guild, a, b), run in recomputed.items():
            st = self.states.get(guild)
            if st is not None:
                st.streaks[(a, b)] = run

    async def _deliver(self, awards: list[BadgeAward]) -> None:
        await _notify(self._badge_listeners, awards)

    def _drain_badges(self) -> list[BadgeAward]:
        out: list[BadgeAward] = []
        for st in self.states.values():
            if st.new_badges:
                out.extend(st.new_badges)
                st.new_badges = []
        return out
