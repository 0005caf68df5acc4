"""The one tracking pipeline: every source feeds records here.

Records are applied to the in-memory rule state at once (so the next record sees their
effect) and their rows are written behind, in batches, each batch one transaction: when
`max_batch` records are pending, every `flush_interval` seconds, and on close. Idempotent by
key: a message id, reaction key or kudos key seen before changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.domain.badges import challenge_badge
from bot.domain.challenges import Challenge, Progress, evaluate_progress
from bot.domain.engine import BadgeAward, Batch, GuildState, KudosOutcome
from bot.domain.guild_settings import GuildSettings
from bot.domain.interactions import (
    DeleteRecord,
    KudosRecord,
    MemberRecord,
    MessageRecord,
    ReactionRecord,
)
from bot.domain.streaks import local_day, run_days
from bot.storage.badges import BadgeRepository
from bot.storage.challenges import ChallengeRepository
from bot.storage.database import Database
from bot.storage.guilds import GuildRepository
from bot.storage.stats import StatsRepository
from bot.storage.tracking import TrackingStore

log = logging.getLogger(__name__)

MESSAGE_CACHE_LIMIT = 300_000

BadgeListener = Callable[[list[BadgeAward]], Any]


def _merge(older: Batch, newer: Batch) -> Batch:
    """Put a batch that failed to write in front of what arrived since."""
    older.messages.extend(newer.messages)
    older.interactions.extend(newer.interactions)
    older.ledger.extend(newer.ledger)
    older.pair_days.extend(newer.pair_days)
    older.streaks.update(newer.streaks)
    older.reputation.update(newer.reputation)
    older.badges.extend(newer.badges)
    older.members.update(newer.members)
    older.recompute |= newer.recompute
    older.active |= newer.active
    for key, value in newer.cursors.items():
        older.cursors[key] = max(value, older.cursors.get(key, 0))
    older.count += newer.count
    return older


class TrackingPipeline:
    def __init__(self, db: Database, *, flush_interval: float = 1.0, max_batch: int = 5000) -> None:
        self.db = db
        self.store = TrackingStore(db)
        self.guild_repo = GuildRepository(db)
        self.challenge_repo = ChallengeRepository(db)
        self.stats = StatsRepository(db)
        self.badges = BadgeRepository(db)
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
        self._close_lock = asyncio.Lock()
        self._badge_listeners: list[BadgeListener] = []
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
        self._badge_listeners.append(listener)

    def remove_badge_listener(self, listener: BadgeListener) -> None:
        if listener in self._badge_listeners:
            self._badge_listeners.remove(listener)

    # -- state ----------------------------------------------------------------------------
    async def state(self, guild: int) -> GuildState:
        """The guild's rule state, loaded from the database once (concurrent callers wait
        for the same load, so no update is ever applied to a state that is then replaced)."""
        st = self.states.get(guild)
        if st is not None:
            return st
        async with self._load_lock:
            st = self.states.get(guild)
            if st is not None:
                return st
            await self.guild_repo.ensure(guild)
            settings = await self.guild_repo.get_settings(guild) or GuildSettings()
            st = GuildState(guild, settings)
            config = await self.guild_repo.get_config(guild)
            allow = config.get("channel_allow")
            st.channel_allow = {int(c) for c in allow} if allow else None
            st.channel_deny = {int(c) for c in config.get("channel_deny") or []}
            await self.store.load_state(st)
            for ch in await self.challenge_repo.for_guild(guild):
                st.challenges[ch.id] = ch
            self._lookup_db[guild] = await self.store.has_data(guild)
            self.states[guild] = st
            return st

    async def settings(self, guild: int) -> GuildSettings:
        """A guild's settings without loading its whole rule state (cheap for reads)."""
        st = self.states.get(guild)
        if st is not None:
            return st.settings
        return await self.guild_repo.get_settings(guild) or GuildSettings()

    async def update_settings(self, guild: int, changes: dict[str, Any]) -> GuildSettings:
        """Change only the given settings (InvalidSetting on a bad name or value)."""
        async with self._apply_lock:
            st = await self.state(guild)
            new = st.settings.apply_changes(changes)
            await self.flush()
            await self.guild_repo.save_settings(guild, new)
            st.settings = new
            return new

    async def save_config(self, guild: int, config: dict[str, Any]) -> None:
        """Store a guild's configuration; tracked channels take effect at once."""
        async with self._apply_lock:
            st = await self.state(guild)
            await self.guild_repo.save_config(guild, config)
            allow = config.get("channel_allow")
            st.channel_allow = {int(c) for c in allow} if allow else None
            st.channel_deny = {int(c) for c in config.get("channel_deny") or []}

    # -- records --------------------------------------------------------------------------
    async def submit_message(self, rec: MessageRecord) -> int:
        async with self._apply_lock:
            st = await self.state(rec.guild)
            if self._lookup_db[rec.guild]:
                need = [] if rec.id in st.messages else [rec.id]
                if (
                    rec.reply_to is not None
                    and rec.reply_author is None
                    and rec.reply_to not in st.messages
                ):
                    need.append(rec.reply_to)
                if need:
                    st.messages.update(await self.store.messages_by_ids(rec.guild, need))
            await self._ensure_day(st, rec.ts)
            produced = st.apply_message(self.batch, rec)
            self._trim_cache(st)
        await self._after_apply()
        return produced

    async def submit_reaction(self, rec: ReactionRecord) -> bool:
        async with self._apply_lock:
            st = await self.state(rec.guild)
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
            accepted = st.apply_reaction(self.batch, rec)
        await self._after_apply()
        return accepted

    async def submit_kudos(self, rec: KudosRecord) -> KudosOutcome:
        async with self._apply_lock:
            st = await self.state(rec.guild)
            if self._lookup_db[rec.guild]:
                await self._check_key(st, rec.key_source, rec.giver, rec.receiver, "kudos")
            await self._ensure_day(st, rec.ts)
            outcome = st.apply_kudos(self.batch, rec)
        await self._after_apply()
        return outcome

    async def submit_member(self, rec: MemberRecord) -> None:
        async with self._apply_lock:
            st = await self.state(rec.guild)
            st.apply_member(self.batch, rec.user, rec.bot, rec.joined_at, rec.left)
        await self._after_apply()

    async def submit_delete(self, rec: DeleteRecord) -> None:
        """A deleted message: its text is dropped from memory and the store; what it
        already earned stays (history is not rewritten)."""
        async with self._apply_lock:
            st = await self.state(rec.guild)
            st.forget_text(rec.message)
            await self.flush()
            await self.store.forget_message_text(rec.guild, rec.message)

    # -- moderation and privacy ---------------------------------------------------------
    async def opt_out(self, guild: int, user: int) -> None:
        async with self._apply_lock:
            st = await self.state(guild)
            await self.flush()
            await self.stats.erase_member(guild, user)
            st.forget_member(user)

    async def set_flag(self, guild: int, user: int, flag: str, value: bool) -> None:
        """`opted_out` (opt back in with False) or `excluded` by a moderator."""
        async with self._apply_lock:
            st = await self.state(guild)
            await self.flush()
            await self.stats.set_flag(guild, user, flag, value)
            setattr(st.member(user), flag, value)

    async def adjust_reputation(
        self, guild: int, user: int, delta: int, source: str, at: datetime
    ) -> int:
        async with self._apply_lock:
            st = await self.state(guild)
            total = st.adjust(self.batch, user, delta, source, at)
        await self.flush()
        return total

    async def restore_days(
        self, guild: int, a: int, b: int, days: list[date], at: datetime
    ) -> None:
        async with self._apply_lock:
            st = await self.state(guild)
            st.restore_days(self.batch, a, b, days, at)
        await self.flush()

    async def grant_badge(self, guild: int, user: int, badge: str, at: datetime) -> bool:
        async with self._apply_lock:
            st = await self.state(guild)
            given = st.give_badge(self.batch, user, badge, at)
        await self.flush()
        return given

    async def revoke_badge(self, guild: int, user: int, badge: str) -> bool:
        async with self._apply_lock:
            st = await self.state(guild)
            await self.flush()
            st.badges[user].discard(badge)
            return await self.badges.revoke(guild, user, badge)

    async def set_cursor(self, guild: int, channel: int, message_id: int) -> None:
        key = (guild, channel)
        self.batch.cursors[key] = max(message_id, self.batch.cursors.get(key, 0))

    async def cursors(self, guild: int) -> dict[int, int]:
        await self.flush()
        return await self.store.cursors(guild)

    async def _ensure_day(self, st: GuildState, at: datetime) -> None:
        """Before applying an event of an older local day, bring that day's counters
        (allowances, caps, kudos counts, pair-day directions) into memory from the store."""
        day = local_day(at, st.settings.zone)
        if st.needs_day(day):
            await self.flush()
            await self.store.load_day(st, day)

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

    # -- challenges -----------------------------------------------------------------------
    async def save_challenge(self, ch: Challenge) -> None:
        async with self._apply_lock:
            st = await self.state(ch.guild)
            old = st.challenges.get(ch.id)
            if old is not None and not ch.participants:
                ch.participants = old.participants
            await self.challenge_repo.upsert(ch)
            st.challenges[ch.id] = ch

    async def join_challenge(self, guild: int, challenge_id: int, user: int, at: datetime) -> bool:
        async with self._apply_lock:
            st = await self.state(guild)
            ch = st.challenges.get(challenge_id)
            if ch is None or user in ch.participants:
                return False
            await self.challenge_repo.add_participant(guild, challenge_id, user, at)
            ch.participants[user] = at
            return True

    async def leave_challenge(self, guild: int, challenge_id: int, user: int) -> bool:
        async with self._apply_lock:
            st = await self.state(guild)
            ch = st.challenges.get(challenge_id)
            if ch is None or user not in ch.participants:
                return False
            await self.challenge_repo.remove_participant(guild, challenge_id, user)
            del ch.participants[user]
            return True

    async def progress(self, ch: Challenge, now: datetime) -> Progress:
        await self.flush()
        until = min(now, ch.ends)
        return evaluate_progress(
            ch,
            now,
            await self.store.window_interactions(ch.guild, ch.starts, until),
            await self.store.window_pair_days(ch.guild, ch.starts, until),
            await self.store.window_points(ch.guild, ch.starts, until),
        )

    async def close_challenge(self, ch: Challenge, now: datetime) -> Progress | None:
        """Award the challenge badge to every completer once; None if already closed.
        Closings are serialised and judged on the guild's current copy of the challenge,
        so `/challenge end` racing the scheduled job closes it once."""
        async with self._close_lock:
            st = await self.state(ch.guild)
            current = st.challenges.get(ch.id, ch)
            if current.closed or current.cancelled or now < current.ends:
                return None
            result = await self.progress(current, now)
            async with self._apply_lock:
                badge = challenge_badge(current.id)
                for user in result.completed:
                    st.give_badge(self.batch, user, badge, current.ends)
                current.closed = True
                ch.closed = True
                await self.flush()
                await self.challenge_repo.mark_closed(current.guild, current.id)
            return result

    # -- writing --------------------------------------------------------------------------
    async def flush(self) -> None:
        """Write everything applied so far; returns when it is committed."""
        if self._writing is not None and self._writing is not asyncio.current_task():
            await self._wait_for_write()
        async with self._flush_lock:
            batch, self.batch = self.batch, Batch()
            if batch.empty:
                return
            write = asyncio.ensure_future(self.store.write_batch(batch))
            try:
                # shielded: a cancellation never interrupts a transaction half-way, so a
                # committed batch is never put back and written twice
                self.rows_written += await asyncio.shield(write)
            except asyncio.CancelledError:
                await asyncio.wait({write})
                if write.cancelled() or write.exception() is not None:
                    self.batch = _merge(batch, self.batch)
                else:
                    self.rows_written += write.result()
                raise
            except BaseException:
                self.batch = _merge(batch, self.batch)
                raise
            for guild, a, b in batch.recompute:
                await self._recompute(guild, a, b)
            awards = self._drain_badges()
        if awards:
            for listener in self._badge_listeners:
                result = listener(awards)
                if asyncio.iscoroutine(result):
                    await result

    async def _recompute(self, guild: int, a: int, b: int) -> None:
        st = self.states.get(guild)
        max_freezes = st.settings.limits.max_freezes if st else 2
        run = run_days(await self.store.pair_days_of(guild, a, b), max_freezes)
        await self.store.save_streak(guild, a, b, run)
        if st is not None:
            st.streaks[(a, b)] = run

    def _drain_badges(self) -> list[BadgeAward]:
        out: list[BadgeAward] = []
        for st in self.states.values():
            if st.new_badges:
                out.extend(st.new_badges)
                st.new_badges = []
        return out
