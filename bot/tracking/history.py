"""History import (SPEC §8): a tracked channel's recent past, read through the one pipeline.

Discord-free: pages of messages come from a `HistorySource` (the tracking cog reads them
from Discord's history endpoint), each message goes to the pipeline's `submit` (idempotent by
key, so overlap with live traffic and backfill changes nothing), and progress is kept by a
`HistoryLedger` (the history service, which writes it only after the pipeline committed what
came before, so a restart resumes where the import stopped and never skips a message).

Each guild's channels are read forwards from the start of the window, one page at a time,
and merged in time order, so an import gives the same streaks and points as if the bot had
been there. Guilds take turns, a page each, with a pause between page requests: one big
server neither starves live traffic nor the other servers' imports.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.domain.interactions import MessageRecord
from bot.storage.history import HistoryImport, HistoryStep

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1_420_070_400_000
PAGE_SIZE = 100  # the most Discord's history endpoint returns at once
PAUSE_SECONDS = 1.0


def snowflake_at(at: datetime) -> int:
    """The smallest message id Discord could give a message created at `at`."""
    ms = int(at.astimezone(UTC).timestamp() * 1000) - DISCORD_EPOCH_MS
    return max(ms, 0) << 22


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One message of a channel's past; `record` is None for what never counts (system
    messages): it is read past, not submitted."""

    id: int
    ts: datetime
    record: MessageRecord | None


class HistoryUnavailable(Exception):
    """The channel cannot be read now: `gone` (deleted: the import ends) or not allowed
    (its import waits for the next start)."""

    def __init__(self, gone: bool) -> None:
        super().__init__("channel deleted" if gone else "no permission to read history")
        self.gone = gone


class HistorySource(Protocol):
    async def page(self, guild: int, channel: int, after: int, limit: int) -> list[HistoryEntry]:
        """Up to `limit` messages newer than id `after`, oldest first (raises
        `HistoryUnavailable`)."""
        ...


class HistoryLedger(Protocol):
    async def advance(self, guild: int, steps: Sequence[HistoryStep]) -> None:
        """Store progress, after the pipeline committed everything submitted before it."""
        ...


def _stretches(
    guild: int,
    channel: int,
    since: datetime,
    until: int,
    now: datetime,
    forgotten: tuple[datetime, datetime] | None,
) -> list[HistoryImport]:
    """Imports of a channel's messages from `since` up to id `until`, leaving out the
    `forgotten` stretch of time (counted once, then pruned by retention: reading it again
    would count it twice)."""
    pieces = [(since, until)]
    if forgotten is not None and forgotten[0] < forgotten[1]:
        first, horizon = forgotten
        pieces = []
        if since < first:
            pieces.append((since, min(until, snowflake_at(first) - 1)))
        pieces.append((max(since, horizon), until))
    out = []
    for start, last in pieces:
        floor = snowflake_at(start) - 1
        out.append(HistoryImport(guild, channel, start, now, floor, last, 0, last <= floor))
    return out


def plan_imports(
    guild: int,
    existing: Sequence[HistoryImport],
    channels: Mapping[int, int | None],
    days: int,
    now: datetime,
    forgotten: tuple[datetime, datetime] | None = None,
) -> tuple[list[HistoryImport], list[HistoryImport]]:
    """(new imports to record, unfinished imports to run) of a guild's tracked channels.

    `channels`: every tracked channel the bot may read, with its newest message id (None
    when it has none). `days` 0 starts nothing and pauses what is unfinished. A channel
    without an import gets one of the last `days`; one whose imports start later than
    `now - days` (history_days was raised) gets the older stretch too. Nothing newer than a
    channel's newest message at the start is read: that is live traffic's and backfill's.
    `forgotten`: (first, horizon), the time from the guild's first counted point up to the
    retention horizon: what the bot counted there and pruned is never imported again.
    """
    if days <= 0:
        return [], []
    since = now - timedelta(days=days)
    by_channel: dict[int, list[HistoryImport]] = {}
    for imp in existing:
        by_channel.setdefault(imp.channel, []).append(imp)
    new: list[HistoryImport] = []
    for channel, newest in channels.items():
        stretches = by_channel.get(channel)
        if not stretches:
            new.extend(_stretches(guild, channel, since, newest or 0, now, forgotten))
            continue
        first = min(stretches, key=lambda s: s.since)
        if since < first.since and first.until_id > 0:
            # an empty channel (until_id 0) had no past before its first import either
            until = snowflake_at(first.since) - 1
            new.extend(_stretches(guild, channel, since, until, now, forgotten))
    taken = {(imp.channel, imp.since) for imp in existing}
    new = [imp for imp in new if (imp.channel, imp.since) not in taken]
    run = [imp for imp in [*existing, *new] if not imp.done and imp.channel in channels]
    return new, run


@dataclass(slots=True)
class _Channel:
    imp: HistoryImport
    after: int  # last id submitted (what the ledger is told)
    fetched: int  # last id read from the source
    seen: int
    buffer: deque[HistoryEntry] = field(default_factory=deque)
    exhausted: bool = False  # nothing left to fetch
    done: bool = False  # finished, and stored as finished
    paused: bool = False  # cannot be read now: left for the next start
    dirty: bool = False

    @property
    def idle(self) -> bool:
        return self.done or self.paused

    def step(self) -> HistoryStep:
        return HistoryStep(self.imp.channel, self.imp.since, self.after, self.seen, self.done)


class HistoryImporter:
    """Runs the unfinished imports handed to it, a page of one guild per `step()`."""

    def __init__(
        self,
        submit: Callable[[MessageRecord], Awaitable[object]],
        ledger: HistoryLedger,
        source: HistorySource,
        *,
        page_size: int = PAGE_SIZE,
        pause: float = PAUSE_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.submit = submit
        self.ledger = ledger
        self.source = source
        self.page_size = page_size
        self.pause = pause
        self.sleep = sleep
        self._guilds: dict[int, list[_Channel]] = {}
        self._turn: deque[int] = deque()
        self.pages_read = 0

    @property
    def active(self) -> bool:
        return bool(self._guilds)

    def guilds(self) -> set[int]:
        return set(self._guilds)

    def set_guild(self, guild: int, imports: Iterable[HistoryImport]) -> None:
        """Run exactly these (unfinished) imports for the guild from now on, from their stored
        progress (anything read ahead but not yet submitted is read again)."""
        channels = [
            _Channel(imp, imp.after_id, imp.after_id, imp.messages_seen)
            for imp in imports
            if not imp.done
        ]
        if channels:
            if guild not in self._guilds:
                self._turn.append(guild)
            self._guilds[guild] = channels
        else:
            self.drop(guild)

    def drop(self, guild: int) -> None:
        self._guilds.pop(guild, None)
        if guild in self._turn:
            self._turn.remove(guild)

    async def step(self) -> int | None:
        """Advance the next guild by up to one page of messages; how many were read, or None
        when there is nothing left to import."""
        if not self._turn:
            return None
        guild = self._turn[0]
        self._turn.rotate(-1)
        channels = self._guilds[guild]
        try:
            read = await self._advance(guild, channels)
        finally:
            # progress is stored only after the pipeline committed what came before it
            # (the ledger flushes first): a crash never skips a message, at worst reads
            # some again, which the pipeline ignores by key
            touched = [c.step() for c in channels if c.dirty]
            if touched:
                await self.ledger.advance(guild, touched)
                for c in channels:
                    c.dirty = False
        left = [c for c in channels if not c.idle]
        if left:
            self._guilds[guild] = left
        else:
            self.drop(guild)
            log.info("history import of guild %s finished", guild)
        return read

    async def _advance(self, guild: int, channels: list[_Channel]) -> int:
        read = 0
        while read < self.page_size:
            await self._refill(guild, channels)
            ready = [c for c in channels if c.buffer]
            for c in channels:
                if not c.buffer and c.exhausted and not c.idle:
                    c.done = c.dirty = True
            if not ready:
                break
            # the oldest next message of all channels: the guild's past in time order
            chosen = min(ready, key=lambda c: (c.buffer[0].ts, c.buffer[0].id))
            entry = chosen.buffer.popleft()
            if entry.record is not None:
                await self.submit(entry.record)
            chosen.after = entry.id
            chosen.seen += 1
            chosen.dirty = True
            read += 1
            if not chosen.buffer and chosen.exhausted and not chosen.paused:
                chosen.done = True
        return read

    async def _refill(self, guild: int, channels: list[_Channel]) -> None:
        """Every unfinished channel has its next message at hand (or is exhausted)."""
        for c in channels:
            if c.buffer or c.exhausted or c.idle:
                continue
            if c.fetched >= c.imp.until_id:
                c.exhausted = True
                continue
            if self.pages_read:
                await self.sleep(self.pause)
            try:
                page = await self.source.page(guild, c.imp.channel, c.fetched, self.page_size)
            except HistoryUnavailable as exc:
                c.exhausted = True
                if exc.gone:
                    log.info("channel %s was deleted: its history import ends", c.imp.channel)
                    c.done = c.dirty = True
                else:
                    log.warning(
                        "cannot read the history of channel %s: its import waits for the next "
                        "start",
                        c.imp.channel,
                    )
                    c.paused = True
                continue
            self.pages_read += 1
            before = c.fetched
            for entry in page:
                if entry.id <= c.fetched:
                    continue  # a source that repeats itself is not trusted to be ordered
                if entry.id > c.imp.until_id:
                    c.exhausted = True
                    break
                c.buffer.append(entry)
                c.fetched = entry.id
            if len(page) < self.page_size or c.fetched == before:
                c.exhausted = True
