"""Live gateway events and history backfill feed the one tracking pipeline."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.domain.interactions import CursorRecord, DeleteRecord, MemberRecord
from cogs.tracking._convert import message_record, reaction_record

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)

BACKFILL_PAGE = 100


class TrackingCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self._backfill_lock = asyncio.Lock()
        self._backfill_task: asyncio.Task[int] | None = None
        # channels whose history was read since the last (re)connect: only their live
        # messages move the backfill cursor
        self._caught_up: set[int] = set()

    async def cog_unload(self) -> None:
        task, self._backfill_task = self._backfill_task, None
        if task is not None and not task.done():
            task.cancel()

    # -- live events ----------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        record = message_record(message, message.channel.id in self._caught_up)
        if record is not None:
            await self.bot.pipeline.submit(record)

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self._caught_up.clear()  # events may be missed until the next backfill

    @commands.Cog.listener()
    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        self._caught_up.add(channel.id)  # new: it has no past to read

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        self._caught_up.add(thread.id)

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
        if self._backfill_task is None or self._backfill_task.done():
            self._backfill_task = asyncio.create_task(self.backfill_all(), name="kindling-backfill")

    async def backfill_all(self) -> int:
        """Read every tracked channel's history since its cursor; returns messages fed."""
        total = 0
        async with self._backfill_lock:
            for guild in list(self.bot.guilds):
                try:
                    total += await self.backfill_guild(guild)
                except discord.HTTPException:
                    log.exception(
                        "backfill of guild %s failed; will retry on next connect", guild.id
                    )
        if total:
            log.info("backfill fed %d missed messages", total)
        return total

    async def backfill_guild(self, guild: discord.Guild) -> int:
        pipeline = self.bot.pipeline
        cursors = await pipeline.cursors(guild.id)
        state = await pipeline.state(guild.id)
        me = guild.me
        channels: list[discord.TextChannel | discord.Thread] = [
            *guild.text_channels,
            *guild.threads,
        ]
        for member in guild.members:
            known = state.members.get(member.id)
            if known is None or (known.joined_at is None and member.joined_at is not None):
                await pipeline.submit(
                    MemberRecord(guild.id, member.id, member.bot, member.joined_at)
                )
        fed = 0
        for channel in channels:
            parent = channel.parent_id if isinstance(channel, discord.Thread) else None
            if not state.tracks(channel.id, parent) or (
                me is not None and not channel.permissions_for(me).read_message_history
            ):
                self._caught_up.add(channel.id)
                continue
            cursor = cursors.get(channel.id)
            if cursor is None:
                # never seen: count from now on, not the channel's whole past
                if channel.last_message_id is not None:
                    await pipeline.submit(
                        CursorRecord(guild.id, channel.id, channel.last_message_id)
                    )
                self._caught_up.add(channel.id)
                continue
            async for message in channel.history(
                limit=None, after=discord.Object(id=cursor), oldest_first=True
            ):
                record = message_record(message)
                if record is not None:
                    await pipeline.submit(record)
                    fed += 1
            self._caught_up.add(channel.id)
        await pipeline.flush()
        return fed
