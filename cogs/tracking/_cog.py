"""Live gateway events, backfill and the history import feed the one tracking pipeline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord.ext import commands

from bot.domain.interactions import (
    CursorRecord,
    DeleteRecord,
    MemberRecord,
    MessageRecord,
    ReactionRecord,
)
from bot.tracking.history import HistoryEntry, HistoryImporter, HistoryUnavailable
from bot.tracking.pipeline import STORE_ERRORS, STORE_REFUSALS
from cogs.tracking._convert import message_record, reaction_record

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)
# a backfill that fails on these is retried later (Discord, the network, either database)
_BACKFILL_FAILURES: tuple[type[Exception], ...] = (
    discord.HTTPException,
    aiohttp.ClientError,
    OSError,
    *STORE_ERRORS,
)
# the history import pauses on these and goes on later (a locked, full or unreachable store)
_IMPORT_PAUSES: tuple[type[Exception], ...] = (
    discord.HTTPException,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    *STORE_REFUSALS,
)

BACKFILL_PAGE = 100
HOLD_LIMIT = 20_000  # live events kept per guild while its backfill has not been applied


class DiscordHistory:
    """The history import's page source: Discord's history endpoint (discord.py waits out
    rate limits and retries)."""

    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    async def page(self, guild: int, channel: int, after: int, limit: int) -> list[HistoryEntry]:
        found = self.bot.get_channel(channel)
        try:
            if found is None:
                found = await self.bot.fetch_channel(channel)  # e.g. an archived thread
            if not isinstance(found, discord.TextChannel | discord.Thread):
                raise HistoryUnavailable(gone=True)
            messages = [
                m
                async for m in found.history(
                    limit=limit, after=discord.Object(id=after), oldest_first=True
                )
            ]
        except discord.NotFound:
            raise HistoryUnavailable(gone=True) from None
        except discord.Forbidden:
            raise HistoryUnavailable(gone=False) from None
        return [
            HistoryEntry(m.id, m.created_at, message_record(m, advance_cursor=False))
            for m in messages
        ]


class TrackingCog(commands.Cog):
    history_retry_seconds = 60.0  # after a failed history request

    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self._backfill_lock = asyncio.Lock()
        self._backfill_task: asyncio.Task[int] | None = None
        # channels whose history was read since the last (re)connect: only their live
        # messages move the backfill cursor
        self._caught_up: set[int] = set()
        # guilds whose missed messages are not read yet since the last (re)connect: their
        # live events wait (in arrival order) until that backfill is applied, so the result
        # never depends on which arrived first (cooldowns and caps are order-sensitive)
        self._behind: set[int] = set()
        # from a (re)connect until its backfill is scheduled every guild is behind: events
        # dispatched between READY and on_ready (or replayed before RESUMED) are held too
        self._all_behind = True
        self._held: dict[int, list[discord.Message | ReactionRecord]] = {}
        self._overflowing: set[int] = set()
        self.history = HistoryImporter(
            bot.pipeline.submit,
            bot.services.history,
            DiscordHistory(bot),
            # the pace: HISTORY_PAGE_SIZE, HISTORY_PAUSE_SECONDS (tests make it quick)
            page_size=bot.settings.history_page_size,
            pause=bot.settings.history_pause_seconds,
        )
        self._import_task: asyncio.Task[None] | None = None
        self._import_wanted: set[int] = set()
        # per guild, what its running import was planned for: (history_days, channels)
        self._import_plans: dict[int, tuple[int, frozenset[int]]] = {}

    async def cog_load(self) -> None:
        self.bot.pipeline.add_change_listener(self._guild_changed)

    async def cog_unload(self) -> None:
        self.bot.pipeline.remove_change_listener(self._guild_changed)
        task, self._backfill_task = self._backfill_task, None
        if task is not None and not task.done():
            task.cancel()
        importing, self._import_task = self._import_task, None
        if importing is not None and not importing.done():
            importing.cancel()
            # its progress is stored as it stops: wait for that before the database closes
            await asyncio.gather(importing, return_exceptions=True)

    # -- live events ----------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None and self._hold(message.guild.id, message):
            return
        record = message_record(message, message.channel.id in self._caught_up)
        if record is not None:
            await self.bot.pipeline.submit(record)

    def _hold(self, guild: int, item: discord.Message | ReactionRecord) -> bool:
        """Keep a live event until the guild's backfill is applied; False to apply it now
        (the guild is caught up, or too much is held already)."""
        if not self._all_behind and guild not in self._behind:
            return False
        held = self._held.setdefault(guild, [])
        if len(held) >= HOLD_LIMIT:
            if guild not in self._overflowing:
                self._overflowing.add(guild)
                log.warning(
                    "guild %s: %d live events held; applying the rest now", guild, HOLD_LIMIT
                )
            return False
        held.append(item)
        return True

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self._caught_up.clear()  # events may be missed until the next backfill
        self._all_behind = True

    @commands.Cog.listener()
    async def on_connect(self) -> None:
        self._all_behind = True

    @commands.Cog.listener()
    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        self._caught_up.add(channel.id)  # new: it has no past to read
        self.want_import([channel.guild.id])

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        self._caught_up.add(thread.id)
        self.want_import([thread.guild.id])

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.bot.services.history.end_gone(channel.guild.id, channel.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.want_import([guild.id])  # first seen while running: import its past

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self.bot.pipeline.submit(
                DeleteRecord(
                    payload.guild_id, payload.channel_id, payload.message_id, self.bot.clock.now()
                )
            )

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        parent = None
        channel = self.bot.get_channel(payload.channel_id)
        if isinstance(channel, discord.Thread):
            parent = channel.parent_id
        record = reaction_record(payload, self.bot.clock.now(), parent)
        if record is not None:
            if self._hold(record.guild, record):
                return
            await self.bot.pipeline.submit(record)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self.bot.pipeline.submit(
            MemberRecord(member.guild.id, member.id, member.bot, member.joined_at)
        )

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        # the member keeps their data until they ask or retention passes (SPEC §8)
        await self.bot.pipeline.submit(
            MemberRecord(payload.guild_id, payload.user.id, payload.user.bot, None, left=True)
        )

    # -- backfill on every (re)connect ----------------------------------------------------
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self._schedule_backfill()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self._schedule_backfill()

    def _schedule_backfill(self) -> None:
        self._behind.update(g.id for g in self.bot.guilds)
        self._behind.update(self._held)  # held before this guild was known
        self._all_behind = False
        if self._backfill_task is None or self._backfill_task.done():
            self._backfill_task = asyncio.create_task(self.backfill_all(), name="kindling-backfill")
        # else the running backfill picks up every guild still behind before it ends

    async def backfill_all(self) -> int:
        """Read every tracked channel's history since its cursor; returns messages fed.
        A guild whose backfill fails (Discord, or a locked database) is tried again after
        BACKFILL_RETRY_SECONDS; its live events stay held meanwhile (up to HOLD_LIMIT)."""
        total = 0
        async with self._backfill_lock:
            retry: list[int] = []
            while True:
                # guilds behind (a reconnect during the run puts guilds behind again) and
                # guilds whose backfill failed
                behind = [g for g in self.bot.guilds if g.id in self._behind or g.id in retry]
                if not behind:
                    break
                if not any(g.id in self._behind for g in behind):
                    pause = self.bot.settings.backfill_retry_seconds
                    log.warning(
                        "backfill of %d guild(s) failed; trying again in %.0f s",
                        len(behind),
                        pause,
                    )
                    await asyncio.sleep(pause)
                retry, fed = await self._backfill_guilds(behind)
                total += fed
            for gone in self._behind - {g.id for g in self.bot.guilds}:
                await self._release(gone)
        if total:
            log.info("backfill fed %d missed messages", total)
        # then the history imports: new ones for channels first seen, and the unfinished
        # ones resume (planned afresh after every connect)
        self._import_plans.clear()
        self.want_import(g.id for g in self.bot.guilds)
        return total

    async def _backfill_guilds(self, guilds: list[discord.Guild]) -> tuple[list[int], int]:
        """Backfill each guild; returns (guilds that failed, messages fed)."""
        failed: list[int] = []
        fed = 0
        for guild in guilds:
            try:
                fed += await self.backfill_guild(guild)
            except _BACKFILL_FAILURES:
                log.exception("backfill of guild %s failed", guild.id)
                failed.append(guild.id)  # its live events stay held (up to HOLD_LIMIT)
            else:
                await self._release(guild.id)
        return failed, fed

    async def _release(self, guild_id: int) -> None:
        """Apply the live events held while the guild's backfill ran, in arrival order."""
        self._behind.discard(guild_id)
        self._overflowing.discard(guild_id)
        for item in self._held.pop(guild_id, []):
            if isinstance(item, discord.Message):
                record = message_record(item, item.channel.id in self._caught_up)
                if record is not None:
                    await self.bot.pipeline.submit(record)
            else:
                await self.bot.pipeline.submit(item)

    async def backfill_guild(self, guild: discord.Guild) -> int:
        """Missed messages of every tracked channel since its cursor, applied in time order
        across the channels (as they happened), then flushed."""
        pipeline = self.bot.pipeline
        cursors = await pipeline.cursors(guild.id)
        state = await pipeline.state(guild.id)
        me = guild.me
        channels: list[discord.TextChannel | discord.Thread] = [
            *guild.text_channels,
            *guild.threads,
        ]
        members = await pipeline.member_infos(guild.id)
        for member in guild.members:
            known = members.get(member.id)
            if known is None or (known.joined_at is None and member.joined_at is not None):
                await pipeline.submit(
                    MemberRecord(guild.id, member.id, member.bot, member.joined_at)
                )
        imported = await self.bot.services.history.imported_up_to(guild.id)
        missed: list[MessageRecord] = []
        first_seen: list[int] = []
        read: list[int] = []
        for channel in channels:
            parent = channel.parent_id if isinstance(channel, discord.Thread) else None
            if not state.tracks(channel.id, parent) or (
                me is not None and not channel.permissions_for(me).read_message_history
            ):
                self._caught_up.add(channel.id)
                continue
            cursor = cursors.get(channel.id)
            if cursor is None and channel.id in imported:
                # an import was planned before a crash stored the cursor: counting goes on
                # from where the import stops, so nothing falls between the two
                cursor = imported[channel.id]
                await pipeline.submit(CursorRecord(guild.id, channel.id, cursor))
            if cursor is None:
                # never seen: live counting starts here (the history import reads its past)
                if channel.last_message_id is not None:
                    await pipeline.submit(
                        CursorRecord(guild.id, channel.id, channel.last_message_id)
                    )
                first_seen.append(channel.id)
                continue
            async for message in channel.history(
                limit=None, after=discord.Object(id=cursor), oldest_first=True
            ):
                record = message_record(message)
                if record is not None:
                    missed.append(record)
            read.append(channel.id)
        if first_seen:
            # stored before any live message moves past it: a crash before the first
            # flush then loses nothing (the next start backfills from here)
            await pipeline.flush()
        # live events held meanwhile join them: a message that arrived live after its own
        # channel was read can be older than one read later from another channel
        merged: dict[int, MessageRecord] = {r.id: r for r in missed}
        reactions: list[ReactionRecord] = []
        for item in self._held.pop(guild.id, []):
            if isinstance(item, discord.Message):
                live = message_record(item)
                if live is not None:
                    merged.setdefault(live.id, live)
            else:
                reactions.append(item)
        ordered: list[MessageRecord | ReactionRecord] = [*merged.values(), *reactions]
        ordered.sort(key=lambda r: (r.ts, r.id if isinstance(r, MessageRecord) else 0))
        for event in ordered:
            await pipeline.submit(event)
        self._caught_up.update(first_seen)
        self._caught_up.update(read)
        await pipeline.flush()
        return len(missed)

    # -- history import (SPEC §8) ---------------------------------------------------------
    def _guild_changed(self, guild: int) -> None:
        """After a committed change (tracked channels or history_days may have changed)."""
        if self.bot.get_guild(guild) is not None:
            self.want_import([guild])

    def want_import(self, guilds: Iterable[int]) -> None:
        """Plan these guilds' history imports again, and run them in the background."""
        self._import_wanted.update(guilds)
        if self._import_wanted and (self._import_task is None or self._import_task.done()):
            self._import_task = asyncio.create_task(self._import_loop(), name="kindling-history")

    async def imports_idle(self) -> None:
        """Wait until no history import is running."""
        while self._import_task is not None and not self._import_task.done():
            await asyncio.wait({self._import_task})

    async def _import_loop(self) -> None:
        while True:
            try:
                while self._import_wanted:
                    await self._plan_import(self._import_wanted.pop())
                if await self.history.step() is None and not self._import_wanted:
                    return
            except _IMPORT_PAUSES:
                log.exception(
                    "history import stopped on an error; trying again in %.0f s",
                    self.history_retry_seconds,
                )
                await asyncio.sleep(self.history_retry_seconds)
                for guild in self.history.guilds():
                    self._import_plans.pop(guild, None)
                    self._import_wanted.add(guild)
            except Exception:
                # a bug, not Discord: stop here (what was read is kept); the next connect
                # plans the imports again and they resume
                log.exception("history import failed; it resumes on the next connect")
                self._import_plans.clear()
                return

    async def _plan_import(self, guild_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            self.history.drop(guild_id)
            self._import_plans.pop(guild_id, None)
            return
        state = await self.bot.pipeline.state(guild_id)
        me = guild.me
        channels: dict[int, int | None] = {}
        readable: list[discord.TextChannel | discord.Thread] = [
            *guild.text_channels,
            *guild.threads,
        ]
        for channel in readable:
            parent = channel.parent_id if isinstance(channel, discord.Thread) else None
            if state.tracks(channel.id, parent) and (
                me is None or channel.permissions_for(me).read_message_history
            ):
                channels[channel.id] = channel.last_message_id
        days = await self.bot.services.history.days(guild_id)
        plan = (days, frozenset(channels))
        if self._import_plans.get(guild_id) == plan:
            return  # nothing that matters changed: the running import goes on
        self._import_plans[guild_id] = plan
        run = await self.bot.services.history.plan(
            guild_id, channels, self.bot.clock.now(), self.bot.settings.retention_days
        )
        self.history.set_guild(guild_id, run)
