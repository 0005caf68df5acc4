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

Memory does not grow with the number of guilds: a guild's rule state is evicted once it has
been idle for `idle_seconds` and everything applied to it is committed (never with rows still
pending or being written), and rebuilt from the store by its next event exactly as it was
(`GuildState.restore`; see docs/DECISIONS.md B16). Each guild keeps a memo of its messages
(author and time only), all memos together bounded by `message_cache_bytes`: when they hold
more, the least recently used guilds' memos are dropped (after a flush, so the store has every
message dropped) and their messages are looked up in the store when a reply or a reaction
needs one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, overload

from bot.domain.engine import (
    BadgeAward,
    Batch,
    DayCounters,
    GuildSnapshot,
    GuildState,
    KudosOutcome,
    MemberInfo,
)
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
from bot.storage.guild_state import GuildHeads, GuildStateStore
from bot.storage.protocols import Repositories
from bot.storage.sql import STORE_ERRORS as STORE_ERRORS  # for cogs/tracking
from bot.storage.sql import STORE_REFUSALS as STORE_REFUSALS
from bot.storage.tracking import off_loop_if_big, untraced

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 600.0
# a guild with more stored members than this is loaded member by member, on demand (B18):
# every guild, so a state holds only the members its events since the load touched (B20)
DEFAULT_LAZY_MEMBERS = 0
# a guild loaded member by member with more stored members than this is then warmed to the
# whole in the background (B18); None: none is, members only ever load on demand (B20: a
# member's load reads just their rows, by the member indexes of migration 017)
DEFAULT_WARM_ABOVE: int | None = None
# members loaded at a time by that warm-up (one short step each)
DEFAULT_WARM_MEMBERS = 1000
DEFAULT_MESSAGE_CACHE_BYTES = 32 * 1024 * 1024
# what one remembered message costs in memory (an id, an int packing author and time, and
# its dict slot), measured with tracemalloc
MESSAGE_ENTRY_BYTES = 120
# resident guild states together are kept under this many bytes: beyond it the least recently
# used (written) ones are evicted, idle or not (B19)
DEFAULT_STATE_BYTES = 24 * 1024 * 1024
# what one entry of GuildState.footprint costs in memory: a state rebuilt from the store,
# measured with tracemalloc (bench/scale.py's guilds: ~150 B; rounded up)
STATE_ENTRY_BYTES = 160

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
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        message_cache_bytes: int = DEFAULT_MESSAGE_CACHE_BYTES,
        clock: Callable[[], float] = time.monotonic,
        lazy_members: int | None = DEFAULT_LAZY_MEMBERS,
        warm_members: int = DEFAULT_WARM_MEMBERS,
        state_bytes: int | None = DEFAULT_STATE_BYTES,
        warm_above: int | None = DEFAULT_WARM_ABOVE,
    ) -> None:
        """`storage`: a backend's repositories, or an SQLite database to build them on.
        `idle_seconds` (0: never) after its last use a flushed guild's state is evicted;
        `message_cache_bytes` bounds the message memos of all guilds together; `clock`
        (seconds) measures idleness; a guild with more than `lazy_members` stored members
        (None: never) has its state loaded member by member as its records need them, and,
        with more than `warm_above` (None: never), the rest in the background,
        `warm_members` at a time between records (0: only on demand), until the state is
        whole; resident states together are kept under
        `state_bytes` (None: unbounded) by evicting the least recently used."""
        self.repos = storage if isinstance(storage, Repositories) else Repositories.sqlite(storage)
        self.db = self.repos.db
        self.store = self.repos.tracking
        self._guilds = self.repos.guilds
        self._challenges = self.repos.challenges
        self.flush_interval = flush_interval
        self.max_batch = max_batch
        self.states: dict[int, GuildState] = {}
        # per resident guild: are some of its messages only in the store (so a message not in
        # its memo must be looked up)? and the highest message id stored or applied (a newer
        # one cannot have been seen)
        self._lookup_db: dict[int, bool] = {}
        self._max_message: dict[int, int] = {}
        self._state_store = GuildStateStore(self.db)
        self.lazy_members = lazy_members
        self.warm_members = warm_members
        self.warm_above = warm_above
        self._to_warm: set[int] = set()  # partial states of guilds above warm_above
        self._warming: dict[int, asyncio.Task[None]] = {}
        # per partial (member by member) state: the newest stored interaction and the
        # reference time of the duplicate window when it was built (see _need)
        self._partial_refs: dict[int, tuple[datetime | None, datetime | None]] = {}
        self.idle_seconds = idle_seconds
        self._cache_limit = max(1, message_cache_bytes // MESSAGE_ENTRY_BYTES)
        self._cached = 0  # messages in all memos
        self._state_limit = (
            None if state_bytes is None else max(1, state_bytes // STATE_ENTRY_BYTES)
        )
        self._sizes: dict[int, int] = {}  # resident guild → its footprint when last measured
        self._size_total = 0
        self._resized: set[int] = set()  # resident guilds used since their last measure
        self._clock = clock
        self._touched: OrderedDict[int, float] = OrderedDict()  # resident guilds, LRU first
        self._next_sweep = 0.0
        # guilds with applied records not yet committed: in the batch, and being written
        self._unflushed: set[int] = set()
        self._in_flight: set[int] = set()
        self._orphan_badges: list[BadgeAward] = []
        self._flush_wanted = False  # idle guilds wait to be written before their eviction
        self.loads = 0  # guild states built from the store
        self.member_loads = 0  # members brought into partial states
        self.evictions = 0
        self.budget_evictions = 0  # of them, evicted to keep under state_bytes
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
        for warming in list(self._warming.values()):
            warming.cancel()
        await asyncio.gather(*self._warming.values(), return_exceptions=True)
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
            async with self._apply_lock:
                self._evict_idle(force=True)

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
            self._touch(guild)
            return st
        async with self._load_lock:
            st = self.states.get(guild)
            if st is None:
                st = await self._load(guild)
                self.states[guild] = st
            self._touch(guild)
            return st

    async def _load(self, guild: int, lazy: bool = True) -> GuildState:
        # two round trips to the store: what the load starts from, then the guild's rows
        limit = self.lazy_members if lazy else None
        heads = await self._state_store.heads(guild, limit, self.warm_above if lazy else None)
        settings = heads.settings
        if settings is None:
            await self._guilds.ensure(guild)
            settings = GuildSettings()
        if heads.many_members:
            return self._load_partial(guild, settings, heads)
        snapshot, recent = await self._state_store.restore_reads(guild, settings.zone, heads)
        size = len(snapshot.members) + len(snapshot.streaks) + len(snapshot.partner_pairs)
        if recent is not None:
            size += len(recent.interactions) + len(recent.qualified) + len(recent.capped)
        # a huge guild's state is built in a worker thread: the event loop (other guilds,
        # the gateway's heartbeat) keeps running meanwhile
        st = await off_loop_if_big(size, GuildState.restore, guild, settings, snapshot, recent)
        return self._loaded(st, heads)

    def _load_partial(self, guild: int, settings: GuildSettings, heads: GuildHeads) -> GuildState:
        """A huge guild's state without its members: each is loaded when a record first
        needs them (_need), so the first event after a restart waits only for its own
        members, not the whole guild (B18)."""
        newest, message = heads.newest_interaction, heads.newest_message
        st = GuildState.partial(guild, settings, newest)
        self._partial_refs[guild] = (newest, newest if newest is not None else message.ts)
        if heads.huge:
            self._to_warm.add(guild)
        return self._loaded(st, heads)

    def _loaded(self, st: GuildState, heads: GuildHeads) -> GuildState:
        guild = st.guild
        st.set_channels(heads.config.get("channel_allow"), heads.config.get("channel_deny"))
        for ch in heads.challenges:
            st.challenges[ch.id] = ch
        newest_message = heads.newest_message
        self._lookup_db[guild] = (
            heads.newest_interaction is not None or newest_message.ts is not None
        )
        self._max_message[guild] = newest_message.message
        self.loads += 1
        return st

    async def _need(self, st: GuildState, users: Iterable[int | None]) -> None:
        """Bring the members a record (or a service's change) touches into a partial
        state before it is applied. No flush is needed first: every row not yet committed
        belongs to members already loaded."""
        missing = st.missing(u for u in users if u is not None)
        if not missing:
            return
        facts, counters = await self._member_facts(st, missing, st.counters_since())
        st.add_members(missing, facts, counters)
        self.member_loads += len(missing)

    async def _member_facts(
        self, st: GuildState, users: set[int], since: date, background: bool = False
    ) -> tuple[GuildSnapshot, DayCounters]:
        newest, reference = self._partial_refs[st.guild]
        return await self._state_store.member_facts(
            st.guild,
            users,
            newest=newest,
            reference=reference,
            zone=st.settings.zone,
            since=since,
            background=background,
        )

    async def _whole(self, st: GuildState) -> GuildState:
        """A partial state replaced by the whole guild's, rebuilt from the store (called
        with everything flushed, so the rebuild is exact)."""
        guild = st.guild
        async with self._load_lock:
            self._forget_state(guild)
            whole = await self._load(guild, lazy=False)
            self.states[guild] = whole
            self._touch(guild)
        return whole

    async def member_infos(self, guild: int) -> dict[int, MemberInfo]:
        """What is known of the guild's members (backfill compares it with the gateway's
        member list): the state's own for a whole state; for a partial one, the stored rows
        with the loaded members' in memory over them."""
        st = await self.state(guild)
        if st.loaded is None:
            return dict(st.members)
        await self.catch_up()
        known = await self._state_store.members(guild)
        known.update({u: st.members[u] for u in st.loaded if u in st.members})
        return known

    # -- eviction -------------------------------------------------------------------------
    def _touch(self, guild: int) -> None:
        touched = self._touched
        touched[guild] = self._clock()
        touched.move_to_end(guild)
        self._resized.add(guild)

    def _dirty(self, guild: int) -> bool:
        return guild in self._unflushed or guild in self._in_flight

    async def evict_idle(self) -> int:
        """Evict every idle, committed guild state now; returns how many were evicted."""
        async with self._apply_lock:
            before = self.evictions
            self._evict_idle(force=True)
            return self.evictions - before

    def _evict_idle(self, force: bool = False) -> None:
        """Evict the states of guilds idle for idle_seconds whose records are all committed,
        then, while resident states hold more than state_bytes, the least recently used
        committed ones. Called with the apply lock held (no record is half-applied)."""
        if not self._touched:
            return
        now = self._clock()
        if not force and now < self._next_sweep:
            return
        recheck = min(1.0, self.idle_seconds / 10) if self.idle_seconds > 0 else 1.0
        self._next_sweep = now + recheck
        if self.idle_seconds > 0:
            cutoff = now - self.idle_seconds
            idle: list[int] = []
            waiting: list[int] = []
            for guild, last in self._touched.items():
                if last > cutoff:
                    break
                (waiting if self._dirty(guild) else idle).append(guild)
            for guild in idle:
                self._forget_state(guild)
                self.evictions += 1
            if waiting:
                # idle but not written yet: written soon (see _after_apply), looked at again
                touched = self._touched
                for guild in waiting:
                    touched[guild] = cutoff + recheck
                    touched.move_to_end(guild)
                self._flush_wanted = True
        if self._state_limit is not None and self._evict_over_budget(self._state_limit):
            self._flush_wanted = True  # over budget with states not written yet

    def _evict_over_budget(self, limit: int) -> bool:
        """Measure the states used since the last sweep; while all resident states hold more
        than `limit` entries, evict the least recently used committed ones down to nine
        tenths of it (the most recently used stays, however big). Returns whether it is
        still over because some are not written yet."""
        sizes = self._sizes
        total = self._size_total
        for guild in self._resized:
            st = self.states.get(guild)
            if st is not None:
                size = st.footprint()
                total += size - sizes.get(guild, 0)
                sizes[guild] = size
        self._resized.clear()
        self._size_total = total
        if total <= limit or not self._touched:
            return False
        target = limit * 9 // 10
        newest = next(reversed(self._touched))
        unwritten = False
        for guild in list(self._touched):
            if self._size_total <= target or guild == newest:
                break
            if self._dirty(guild):
                unwritten = True
                continue
            self._forget_state(guild)
            self.evictions += 1
            self.budget_evictions += 1
        return unwritten and self._size_total > target

    def _forget_state(self, guild: int, keep_badges: bool = True) -> None:
        st = self.states.pop(guild, None)
        self._touched.pop(guild, None)
        self._size_total -= self._sizes.pop(guild, 0)
        self._resized.discard(guild)
        self._lookup_db.pop(guild, None)
        self._max_message.pop(guild, None)
        self._partial_refs.pop(guild, None)
        self._to_warm.discard(guild)
        if st is not None:
            self._cached -= len(st.messages)
            if keep_badges and st.new_badges:
                self._orphan_badges.extend(st.new_badges)
            st.new_badges = []

    def _remember(self, st: GuildState, found: dict[int, Any]) -> None:
        before = len(st.messages)
        st.messages.update(found)
        self._cached += len(st.messages) - before

    async def _shrink_cache(self, current: GuildState) -> None:
        """The memos hold more than message_cache_bytes: drop the least recently used
        guilds' memos (then the current guild's oldest messages) down to three quarters,
        after a flush, so every dropped message is in the store to be looked up."""
        try:
            await self.flush()
        except Exception:  # the store refuses writes: keep the memos until it takes them
            log.warning("message memos over budget; kept until the store takes writes again")
            return
        target = self._cache_limit * 3 // 4
        for guild in list(self._touched):
            if self._cached <= target:
                return
            st = self.states.get(guild)
            if st is None or st is current or not len(st.messages):
                continue
            self._cached -= st.messages.clear()
            self._lookup_db[guild] = True
        if self._cached > target:
            self._cached -= current.messages.drop_oldest(self._cached - target)
            self._lookup_db[current.guild] = True

    async def settings(self, guild: int) -> GuildSettings:
        """A guild's settings without loading its whole rule state (cheap for reads)."""
        st = self.states.get(guild)
        if st is not None:
            return st.settings
        return await self._guilds.get_settings(guild) or GuildSettings()

    @contextlib.asynccontextmanager
    async def locked(
        self,
        guild: int,
        actor: int | None = None,
        *,
        quiet: bool = False,
        users: Iterable[int] | None = None,
    ) -> AsyncIterator[Change]:
        """The single-writer lock on rule state, as one unit of work (see the module doc).
        `actor` is the moderator whose action this is: badges it awards carry them.
        `quiet`: bookkeeping that changes nothing a reader or a listener cares about (an
        import's progress, a kudos reason), so change listeners are not told.
        `users`: the only members whose facts the change reads or writes (a huge guild then
        loads just them); None: any member's, so a partial state is made whole first."""
        async with self._apply_lock:
            st = await self.state(guild)
            await self.flush()  # pending rows first: the store then matches memory
            if st.loaded is not None:
                if users is None:
                    st = await self._whole(st)
                else:
                    await self._need(st, users)
            change = Change(st)
            st.acting = actor
            try:
                async with self.db.transaction():
                    yield change
                    _, recomputed = await self.store.write_batch(change.batch, self._max_freezes)
            except BaseException:
                # memory may be ahead of the store: rebuild this guild from what is committed
                self._forget_state(guild, keep_badges=False)
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
            self._evict_idle()
            st = await self.state(rec.guild)
            if isinstance(rec, MessageRecord):
                result = await self._message(st, rec)
            elif isinstance(rec, ReactionRecord):
                result = await self._reaction(st, rec)
            elif isinstance(rec, KudosRecord):
                await self._need(st, (rec.giver, rec.receiver))
                if self._lookup_db[rec.guild]:
                    await self._check_key(st, rec.key_source, rec.giver, rec.receiver, "kudos")
                await self._ensure_day(st, rec.ts)
                result = st.apply_kudos(self.batch, rec)
                self._unflushed.add(rec.guild)
            elif isinstance(rec, MemberRecord):
                await self._need(st, (rec.user,))
                st.apply_member(self.batch, rec.user, rec.bot, rec.joined_at, rec.left)
                self._unflushed.add(rec.guild)
                result = None
            else:
                # a deleted message: its text is dropped from memory and the store; what it
                # already earned stays (history is not rewritten)
                if self._lookup_db[rec.guild] and rec.message not in st.messages:
                    self._remember(st, await self.store.messages_by_ids(rec.guild, [rec.message]))
                await self._need(st, (st.messages.author(rec.message),))
                st.forget_text(rec.message)
                await self.flush()
                await self.store.forget_message_text(rec.guild, rec.message)
                return None
        await self._after_apply()
        if self.warm_members > 0 and rec.guild in self._to_warm and rec.guild not in self._warming:
            partial = self.states.get(rec.guild)
            if partial is not None and partial.loaded is not None and not self.closed:
                # started once the record that built the state is applied, so the warm-up's
                # reads never delay that first record
                self._warming[rec.guild] = asyncio.create_task(
                    self._warm(partial), name=f"kindling-warm-{rec.guild}"
                )
        return result

    async def _warm(self, st: GuildState) -> None:
        """Load a partial state's remaining stored members in steps of `warm_members`, then
        call the state whole: every member with stored facts has a member row, so once they
        are all loaded the state holds what restoring the whole guild gives. Stops when the
        state is evicted or replaced.

        A step's rows are read without the apply lock, so records go on meanwhile, and are
        added under it: a member loaded since (by a record) is skipped, and so is every pair
        with one (add_members); what is left cannot have changed, since a change needs one of
        its members loaded. Only an older day brought into memory meanwhile makes the read
        incomplete: the step is then read again."""
        guild = st.guild
        try:
            users = await self._state_store.member_ids(guild)
            step = self.warm_members
            for i in range(0, len(users), step):
                chunk = users[i : i + step]
                while True:
                    if self.states.get(guild) is not st or self.closed:
                        return
                    missing = st.missing(chunk)
                    if not missing:
                        break
                    since = st.counters_since()
                    facts, counters = await self._member_facts(st, missing, since, True)
                    async with self._apply_lock:
                        if self.states.get(guild) is not st or self.closed:
                            return
                        if st.counters_since() < since:
                            continue
                        missing = st.missing(missing)
                        with untraced():  # no full collection walks the growing state
                            st.add_members(missing, facts, counters)
                        self.member_loads += len(missing)
                    break
                await asyncio.sleep(0)
            async with self._apply_lock:
                if self.states.get(guild) is st:
                    st.loaded = None
                    self._partial_refs.pop(guild, None)
                    self._to_warm.discard(guild)
        except STORE_ERRORS as exc:  # stays partial: its members still load on demand
            log.warning("loading guild %s in the background stopped: %s", guild, exc)
        finally:
            self._warming.pop(guild, None)

    async def _message(self, st: GuildState, rec: MessageRecord) -> int:
        newest = self._max_message[rec.guild]
        if self._lookup_db[rec.guild]:
            # an id above every stored and applied one cannot have been seen
            need = [] if rec.id in st.messages or rec.id > newest else [rec.id]
            if (
                rec.reply_to is not None
                and rec.reply_author is None
                and rec.reply_to <= newest
                and (rec.reply_to not in st.messages)
            ):
                need.append(rec.reply_to)
            if need:
                self._remember(st, await self.store.messages_by_ids(rec.guild, need))
        if st.loaded is not None:
            replied = st.messages.author(rec.reply_to) if rec.reply_to is not None else None
            await self._need(st, (rec.author, rec.reply_author, replied, *rec.mentions, *rec.bots))
        await self._ensure_day(st, rec.ts)
        before = len(st.messages)
        produced = st.apply_message(self.batch, rec)
        self._unflushed.add(rec.guild)  # before any await: its rows are in this batch
        self._cached += len(st.messages) - before
        if rec.id > newest:
            self._max_message[rec.guild] = rec.id
        if self._cached > self._cache_limit:
            await self._shrink_cache(st)
        return produced

    async def _reaction(self, st: GuildState, rec: ReactionRecord) -> bool:
        if self._lookup_db[rec.guild]:
            if (
                rec.message_author is None
                and rec.message not in st.messages
                and rec.message <= self._max_message[rec.guild]
            ):
                self._remember(st, await self.store.messages_by_ids(rec.guild, [rec.message]))
            author = rec.message_author
            if author is None:
                author = st.messages.author(rec.message)
            if author is not None:
                kind = "kudos" if rec.emoji == st.settings.kudos_emoji else "reaction"
                await self._check_key(st, str(rec.message), rec.user, author, kind)
        if st.loaded is not None:
            author = rec.message_author
            if author is None:
                author = st.messages.author(rec.message)
            await self._need(st, (rec.user, author))
        await self._ensure_day(st, rec.ts)
        applied = st.apply_reaction(self.batch, rec)
        self._unflushed.add(rec.guild)
        return applied

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

    async def _after_apply(self) -> None:
        if self.batch.count >= self.max_batch or (
            self._flush_wanted and (self._writing is None or self._writing.done())
        ):
            self._flush_wanted = False
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
            writing, self._unflushed = self._unflushed, set()
            if batch.empty:
                return
            self._in_flight = writing
            write = asyncio.ensure_future(self.store.write_batch(batch, self._max_freezes))
            try:
                # shielded: a cancellation never interrupts a transaction half-way, so a
                # committed batch is never put back and written twice
                rows, recomputed = await asyncio.shield(write)
            except asyncio.CancelledError:
                await asyncio.wait({write})
                if write.cancelled() or write.exception() is not None:
                    self.batch = _merge(batch, self.batch)
                    self._unflushed |= writing
                else:
                    rows, recomputed = write.result()
                    self.rows_written += rows
                    self._apply_recomputed(recomputed)
                self._in_flight = set()
                raise
            except BaseException:
                self.batch = _merge(batch, self.batch)
                self._unflushed |= writing
                self._in_flight = set()
                self.write_failing = True
                raise
            self._in_flight = set()
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
        except STORE_REFUSALS as exc:  # flagged in write_failing, retried later
            log.warning("reading without the latest writes: the store refused them (%s)", exc)

    def _apply_recomputed(self, recomputed: dict[tuple[int, int, int], Any]) -> None:
        for (guild, a, b), run in recomputed.items():
            st = self.states.get(guild)
            if st is not None:
                st.streaks[(a, b)] = run

    async def _deliver(self, awards: list[BadgeAward]) -> None:
        await _notify(self._badge_listeners, awards)

    def _drain_badges(self) -> list[BadgeAward]:
        out, self._orphan_badges = self._orphan_badges, []
        for st in self.states.values():
            if st.new_badges:
                out.extend(st.new_badges)
                st.new_badges = []
        return out
