"""The Kindling bot: wiring of storage, pipeline, scheduler and cogs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.gateway import apply_reconnect_policy
from bot.images.renderer import Renderer
from bot.reads import Reads
from bot.scheduling.jobs import Jobs
from bot.services import Services
from bot.sharding import ShardPlan
from bot.storage.backends import open_database
from bot.storage.backup import scheduled_backup
from bot.storage.filecheck import DatabaseFileError
from bot.storage.processlock import ProcessLock
from bot.storage.protocols import Repositories
from bot.storage.shardlease import ShardLease
from bot.storage.sql import SqlDatabase
from bot.tracking.pipeline import TrackingPipeline
from bot.tree import KindlingTree

log = logging.getLogger(__name__)

COGS: tuple[str, ...] = (
    "cogs.tracking",
    "cogs.streaks",
    "cogs.web",
    "cogs.profile",
    "cogs.leaderboard",
    "cogs.thanks",
    "cogs.badges",
    "cogs.challenges",
    "cogs.notify",
    "cogs.privacy",
    "cogs.settings",
    "cogs.mod",
    "cogs.scheduled",
    "cogs.help",
    "cogs.welcome",
)


def default_allowed_mentions() -> discord.AllowedMentions:
    """Never @everyone or roles; users only where a message means to ping them."""
    return discord.AllowedMentions(everyone=False, roles=False, users=False, replied_user=False)


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server, only when the operator asks to."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
        log.warning("using Discord API at %s", discord.http.Route.BASE)
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
        log.warning("using Discord gateway at %s", settings.discord_gateway_url)


class KindlingBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        *,
        cogs: tuple[str, ...] = COGS,
        sync_commands: bool = True,
        **options: Any,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True
        options.setdefault("chunk_guilds_at_startup", False)
        self.shard_plan = ShardPlan.from_settings(settings)
        if self.shard_plan.sharded:
            if not isinstance(self, commands.AutoShardedBot):
                raise TypeError("SHARD_COUNT is set: build the bot with make_bot(settings)")
            options.setdefault("shard_count", self.shard_plan.count)
            options.setdefault("shard_ids", list(self.shard_plan.ids))
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=KindlingTree,
            allowed_mentions=default_allowed_mentions(),
            help_command=None,
            **options,
        )
        self.settings = settings
        apply_reconnect_policy(settings.reconnect_max_seconds)
        self.clock: Clock = clock or SystemClock()
        self.cog_names = cogs
        self.sync_commands = sync_commands
        self._db: SqlDatabase | None = None
        self._pipeline: TrackingPipeline | None = None
        self._renderer: Renderer | None = None
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._closed = False
        self.final_flush_failed = False  # the process then exits non-zero
        self.jobs: Jobs | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self.web_url: str | None = None  # where the web boards listen (cogs.web), if on
        self._process_lock: ProcessLock | None = None
        self._shard_lease: ShardLease | None = None

    # typed accessors: set in setup_hook, before any cog runs
    @property
    def db(self) -> SqlDatabase:
        assert self._db is not None, "database is opened in setup_hook"  # noqa: S101
        return self._db

    @property
    def pipeline(self) -> TrackingPipeline:
        assert self._pipeline is not None, "pipeline is started in setup_hook"  # noqa: S101
        return self._pipeline

    @property
    def renderer(self) -> Renderer:
        assert self._renderer is not None, "the renderer is made in setup_hook"  # noqa: S101
        return self._renderer

    def owns(self, guild_id: int) -> bool:
        """Is the guild on one of this process's shards (always, when not sharded)?"""
        return self.shard_plan.owns(guild_id)

    async def setup_hook(self) -> None:
        if self.shard_plan.sharded:
            log.info("this process runs %s", self.shard_plan.describe())
        # image cards, drawn by worker processes started on the first card
        self._renderer = Renderer()
        self._claim_single_file()
        self._db = await open_database(self.settings.database_target)
        await self._lease_shards()
        self._pipeline = TrackingPipeline(
            Repositories.of(self._db),
            flush_interval=self.settings.flush_interval_seconds,
            max_batch=self.settings.flush_max_batch,
            idle_seconds=self.settings.guild_idle_seconds,
            message_cache_bytes=int(self.settings.message_cache_mb * 1024 * 1024),
            lazy_members=self.settings.lazy_load_members,
            state_bytes=self.settings.guild_state_bytes,
        )
        self.reads = Reads(self._pipeline)
        self.services = Services.create(self._pipeline, self.reads)
        await self._pipeline.start()
        self.scheduler.start()
        for name in self.cog_names:
            await self.load_extension(name)
        if self.sync_commands:
            # synced once the gateway is ready, so that commands appearing means the bot is
            # listening (a one-shot start-up task, not on_ready work repeated on reconnect)
            self._sync_task = asyncio.create_task(self._sync_when_ready(), name="kindling-sync")

    def _claim_single_file(self) -> None:
        """On SQLite: one process per database file (several need PostgreSQL), so a second
        bot on the same file stops at start, and `replay --db` or `restore` refuse the file
        while this bot runs."""
        if getattr(self.settings, "postgres_url", None):
            return
        path = str(self.settings.database_path)
        if path == ":memory:":
            return
        self._process_lock = ProcessLock.acquire(Path(path))

    async def _lease_shards(self) -> None:
        """On PostgreSQL: this process's shards (all of them when not sharded) are leased in
        the database for its life, so a second process configured for one of them stops at
        start (with one line naming the shard) instead of counting its guilds' messages a
        second time."""
        url = getattr(self.settings, "postgres_url", None)
        if not url:
            return
        plan = self.shard_plan
        if not plan.sharded or plan.count is None:
            self._shard_lease = await ShardLease.acquire(url, (), None)
            return
        self._shard_lease = await ShardLease.acquire(url, plan.ids, plan.count)

    async def backup_now(self, now: datetime) -> Path | None:
        """The daily online backup (BACKUP_DIR, BACKUP_KEEP newest kept)."""
        settings = self.settings
        if settings.postgres_url or str(settings.database_path) == ":memory:":
            return None  # PostgreSQL is backed up with the server's tools (pg_dump)
        # one backup a UTC day, by one process (several share the database)
        async with self.services.schedule.global_once(
            "backup", now.date().isoformat(), now
        ) as mine:
            if not mine:
                return None
            return await scheduled_backup(
                settings.database_path, settings.backup_folder, settings.backup_keep, now
            )

    async def _sync_when_ready(self) -> None:
        await self.wait_until_ready()
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        try:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
            if self.settings.dev_guild_id:
                guild = discord.Object(id=self.settings.dev_guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild.id)
        except discord.HTTPException:
            log.exception("could not sync slash commands; existing ones stay")

    def is_moderator(self, member: discord.Member | discord.User, role: int | None) -> bool:
        """Manage Server, or the guild's configured moderator role."""
        if not isinstance(member, discord.Member):
            return False
        if member.guild_permissions.manage_guild:
            return True
        return role is not None and any(r.id == int(role) for r in member.roles)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        log.info("shutting down: closing the gateway, flushing writes")
        if self._sync_task is not None and not self._sync_task.done():
            self._sync_task.cancel()
        if self._pipeline is not None:
            # write what is pending while the gateway and HTTP still work, so the badges it
            # awards are announced (cogs deliver their pending work as they unload)
            try:
                await self._pipeline.flush()
            except Exception:
                log.exception("flush before shutdown failed")
        await super().close()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._renderer is not None:
            await self._renderer.close()
        if self._pipeline is not None:
            try:
                await self._pipeline.close()
            except Exception:
                self.final_flush_failed = True
                log.exception("final flush failed")
        if self._db is not None:
            await self._db.close()
        if self._process_lock is not None:
            self._process_lock.release()
        if self._shard_lease is not None:
            await self._shard_lease.release()
        log.info("stopped" if self.final_flush_failed else "stopped cleanly")


class ShardedKindlingBot(KindlingBot, commands.AutoShardedBot):
    """The bot on several shards in one process (SHARD_COUNT, SHARD_IDS): one gateway
    connection per shard, each bringing the guilds Discord routes to it."""


def make_bot(settings: Settings, clock: Clock | None = None, **options: Any) -> KindlingBot:
    """KindlingBot, or ShardedKindlingBot when SHARD_COUNT is set."""
    cls = ShardedKindlingBot if settings.shard_count is not None else KindlingBot
    return cls(settings, clock, **options)


async def _serve(settings: Settings, clock: Clock | None = None) -> int:
    apply_endpoints(settings)
    bot = make_bot(settings, clock)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    token = settings.discord_token or ""
    async with bot:
        runner = asyncio.create_task(bot.start(token), name="kindling-bot")
        stopper = asyncio.create_task(stop.wait(), name="kindling-stop")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            error = runner.exception()
            if isinstance(error, discord.LoginFailure):
                log.error("DISCORD_TOKEN was rejected by Discord: check the token in .env")
                return 78
            if isinstance(error, DatabaseFileError):
                log.error("%s", error)
                return 78
            if isinstance(error, discord.PrivilegedIntentsRequired):
                log.error(
                    "enable the Message Content and Server Members intents for the bot in the "
                    "Discord developer portal"
                )
                return 78
            if isinstance(error, aiohttp.ClientConnectionError):
                # no route to Discord at start (DNS, refused, TLS): one line, not a traceback
                where = settings.discord_api_base or "discord.com"
                log.error(
                    "cannot reach Discord at %s (%s): check the network, or DISCORD_API_BASE",
                    where,
                    error,
                )
                return 1
            if error is not None:
                log.error("the bot stopped: %s", error, exc_info=error)
                return 1
            return 0
        log.info("stop signal received")
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner
    if bot.final_flush_failed:
        log.error("the last writes could not be stored; backfill recovers missed messages")
        return 1
    return 0


def run_bot(settings: Settings, clock: Clock | None = None) -> int:
    return asyncio.run(_serve(settings, clock))
