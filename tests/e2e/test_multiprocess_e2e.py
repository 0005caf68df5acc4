"""Several bot processes on one PostgreSQL database (#13 item 5): 3 real processes of 2
shards each (6 shards), 3,000 sandbox guilds with traffic, every guild's reminder slot due at
start; one process is killed with SIGKILL while it posts its reminders and restarted, with
traffic going on meanwhile. Afterwards every message was counted exactly once and every due
reminder was posted exactly once.

The processes run the real bot (`bot.app.run_bot`, as `python -m bot run` does) with a clock
shifted so that the guilds' reminder hour has just begun; the sandbox reads the same shifted
clock, so message times and the bot's days agree. `python -m tests.e2e.test_multiprocess_e2e`
is that process (settings from the environment, like `python -m bot run`)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord

from bot.domain.interactions import MessageRecord
from bot.sandbox import Sandbox
from bot.sharding import shard_of
from tests.helpers import sandbox_env

log = logging.getLogger(__name__)

GUILDS = int(os.environ.get("KINDLING_MP_GUILDS", "3000"))
SHARDS = 6
PROCESSES = ("0-1", "2-3", "4-5")
KILLED = 1  # the process of shards 2-3
HEADING = "⏳ **Streaks at risk today**"
SHIFT_ENV = "KINDLING_TEST_CLOCK_SHIFT_SECONDS"
LIMITS = {
    "cooldown_seconds": 1,
    "interactions_per_partner_per_day": 1000,
    "pair_daily_cap": 100000,
    "member_daily_cap": 100000,
}


class ShiftedClock:
    def __init__(self, shift: timedelta) -> None:
        self.shift = shift

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def __call__(self) -> datetime:
        return self.now()


def target_shift() -> timedelta:
    """The shift that makes the clock read one minute past the next full hour now."""
    real = datetime.now(UTC)
    target = real.replace(minute=1, second=0, microsecond=0) + timedelta(hours=1)
    return target - real


def env(sandbox: Sandbox, url: str, shards: str, shift: timedelta, home: Path) -> dict[str, str]:
    return {
        **sandbox_env(
            sandbox,
            database_url=url,
            database_path=home / "unused.db",
            shard_count=SHARDS,
            shard_ids=shards,
            flush_interval_seconds=0.2,
            backup_keep=0,
            history_pause_seconds=0,
            log_level="WARNING",
        ),
        SHIFT_ENV: str(shift.total_seconds()),
    }


class Fleet:
    def __init__(self, sandbox: Sandbox, url: str, shift: timedelta, home: Path) -> None:
        self.sandbox, self.url, self.shift, self.home = sandbox, url, shift, home
        self.procs: dict[int, asyncio.subprocess.Process] = {}
        self.logs: list[Path] = []

    async def start(self, index: int) -> None:
        log_path = self.home / f"bot-{index}-{len(self.logs)}.log"
        self.logs.append(log_path)
        with log_path.open("wb") as out:  # a file, never a pipe that can fill up
            self.procs[index] = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.e2e.test_multiprocess_e2e",
                cwd=self.home,
                env=env(self.sandbox, self.url, PROCESSES[index], self.shift, self.home),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=out,
            )

    async def stop_all(self) -> list[int | None]:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.procs.values():
            try:
                codes.append(await asyncio.wait_for(proc.wait(), timeout=60))
            except TimeoutError:
                proc.kill()
                codes.append(await proc.wait())
        return codes

    def tail(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in self.logs)


def reminders_by_guild(sandbox: Sandbox) -> Counter[int]:
    bot = sandbox.bot_user_id
    return Counter(
        m.guild_id
        for m in list(sandbox.world.messages.values())
        if m.author_id == bot and m.guild_id is not None and m.content.startswith(HEADING)
    )


async def seed(url: str, sandbox: Sandbox, clock: ShiftedClock) -> dict[int, tuple[int, int]]:
    """Each guild's settings (reminders in #general at this hour, any streak), and one pair
    that talked yesterday: at risk today. Written as an operator would, before the start."""
    from bot.storage.backends import open_database
    from bot.storage.protocols import Repositories
    from bot.tracking.pipeline import TrackingPipeline
    from tests.helpers import svc

    now = clock.now()
    yesterday = now - timedelta(days=1)
    db = await open_database(url)
    pipeline = TrackingPipeline(Repositories.of(db), flush_interval=0.5, max_batch=20000)
    await pipeline.start()
    services = svc(pipeline)
    pairs: dict[int, tuple[int, int]] = {}
    base = discord.utils.time_snowflake(yesterday)
    try:
        for n, guild in enumerate(list(sandbox.world.guilds.values())):
            if guild.id == sandbox.control.guild.id:
                continue
            general = sandbox.control.channel("general", guild=guild).id
            a, b = (m for m in guild.members if m not in (guild.owner_id, sandbox.bot_user_id))
            pairs[guild.id] = (a, b)
            await services.settings.change_settings(
                guild.id, {"review_mode": "off", "limits": LIMITS}, None, now
            )
            await services.settings.configure(
                guild.id,
                {
                    "reminder_channel": general,
                    "reminder_hour": now.hour,
                    "reminder_min_streak": 1,
                    "history_days": 0,
                },
                None,
                now,
            )
            first = base + 2 * n
            await pipeline.submit(
                MessageRecord(
                    guild.id, general, first, yesterday, a, f"hi there <@{b}>", None, (b,)
                )
            )
            await pipeline.submit(
                MessageRecord(
                    guild.id,
                    general,
                    first + 1,
                    yesterday + timedelta(minutes=1),
                    b,
                    "hello back to you",
                    first,
                    reply_author=a,
                )
            )
        await pipeline.flush()
    finally:
        await pipeline.close()
        await db.close()
    return pairs


async def count(url: str, sql: str) -> int:
    from bot.storage.backends import open_database

    db = await open_database(url)
    try:
        row = await db.fetchone(sql)
        return int(row[0]) if row is not None else 0
    finally:
        await db.close()


async def traffic(
    sandbox: Sandbox, pairs: dict[int, tuple[int, int]], stop: asyncio.Event, sent: list[int]
) -> None:
    """Round robin over the guilds (one pair never twice within the 1 s cooldown)."""
    ctl = sandbox.control
    guilds = sorted(pairs)
    channels = {g: ctl.channel("general", guild=sandbox.world.guilds[g]) for g in guilds}
    n = 0
    while not stop.is_set():
        guild = guilds[n % len(guilds)]
        a, b = pairs[guild]
        if (n // len(guilds)) % 2:
            a, b = b, a
        msg = await ctl.send_message(a, f"note {n} for <@{b}>", channel=channels[guild])
        sent.append(msg.id)
        n += 1
        await asyncio.sleep(0.004)


async def test_three_processes_six_shards_kill_9_counts_and_reminds_once(
    tmp_path: Path, postgres_url: str
) -> None:
    started = time.monotonic()
    clock = ShiftedClock(target_shift())
    sandbox = Sandbox(now=clock, shards=SHARDS)
    await sandbox.start()
    ctl = sandbox.control
    world = sandbox.world
    for i in range(GUILDS):
        guild = world.create_guild(f"g{i}", shard=(i % SHARDS, SHARDS))
        for name in ("ann", "bo"):
            user = world.create_user(f"{name}{i}")
            world.add_member(guild.id, user.id)
    pairs = await seed(postgres_url, sandbox, clock)
    seeded = time.monotonic()
    fleet = Fleet(sandbox, postgres_url, clock.shift, tmp_path)
    stop = asyncio.Event()
    sent: list[int] = []
    sender: asyncio.Task[None] | None = None
    killed_at = 0
    killed_guilds = {g for g in pairs if shard_of(g, SHARDS) in (2, 3)}
    # kill the second process while it posts its guilds' reminders: by the sandbox, the
    # moment it stores the 100th of them (before its answer goes back), since the batched
    # slot posts a thousand guilds' reminders in well under a second - a poll could miss it
    create_message = world.create_message
    kill_at = 100
    seen = 0
    killed = asyncio.Event()

    def create_and_kill(*args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        msg = create_message(*args, **kwargs)
        if (
            not killed.is_set()
            and msg.author_id == sandbox.bot_user_id
            and msg.guild_id in killed_guilds
            and msg.content.startswith(HEADING)
        ):
            seen += 1
            if seen >= kill_at:
                fleet.procs[KILLED].send_signal(signal.SIGKILL)
                killed.set()
        return msg

    world.create_message = create_and_kill  # type: ignore[method-assign]
    try:
        for index in range(len(PROCESSES)):
            await fleet.start(index)
        await ctl.wait_for_commands(ctl.guild.id, names=("streak",), timeout=120)
        sender = asyncio.create_task(traffic(sandbox, pairs, stop, sent))
        await asyncio.wait_for(killed.wait(), timeout=120)
        world.create_message = create_message  # type: ignore[method-assign]
        await fleet.procs[KILLED].wait()
        posted = reminders_by_guild(sandbox)
        killed_at = sum(posted[g] for g in killed_guilds)
        await asyncio.sleep(2.0)  # traffic to its guilds goes on while it is down
        await fleet.start(KILLED)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if len(reminders_by_guild(sandbox)) >= len(pairs):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)  # traffic after the restart, caught live
        stop.set()
        await sender
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline:
            stored = await count(postgres_url, "SELECT COUNT(DISTINCT source) FROM interactions")
            if stored >= len(sent) + 2 * len(pairs):
                break
            await asyncio.sleep(0.5)
        codes = await fleet.stop_all()
    finally:
        stop.set()
        if sender is not None and not sender.done():
            await sender
        for proc in fleet.procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await sandbox.stop()
    elapsed = time.monotonic() - started
    reminders = reminders_by_guild(sandbox)
    twice = {g: c for g, c in reminders.items() if c > 1}
    missing = set(pairs) - set(reminders)
    rows = await count(postgres_url, "SELECT COUNT(*) FROM interactions")
    sources = await count(postgres_url, "SELECT COUNT(DISTINCT source) FROM interactions")
    figures = (
        f"{len(pairs)} guilds, {len(sent)} live messages, {rows} interaction rows, "
        f"{sum(reminders.values())} reminders, killed after {killed_at} of "
        f"{len(killed_guilds)} reminders of its guilds; seeding {seeded - started:.0f} s, "
        f"total {elapsed:.0f} s"
    )
    log.warning("multiprocess: %s", figures)
    sys.stderr.write(f"\nmultiprocess: {figures}\n")
    assert codes == [0, 0, 0], fleet.tail()
    assert 0 < killed_at < len(killed_guilds), f"the kill missed the slot: {figures}"
    assert not twice, f"reminders posted twice in {len(twice)} guilds: {figures}"
    assert not missing, f"{len(missing)} guilds got no reminder: {figures}\n{fleet.tail()}"
    # every message (2 seeded and the live ones per guild) is one interaction, counted once
    # (the primary key makes a second copy impossible: none may be missing)
    assert sources == len(sent) + 2 * len(pairs), figures
    assert rows == sources, figures


def main() -> int:
    """One bot process, as `python -m bot run`, on the shifted clock of the test."""
    from bot.app import run_bot
    from bot.config import load_settings
    from bot.logging_setup import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level_number)
    shift = timedelta(seconds=float(os.environ.get(SHIFT_ENV, "0")))
    return int(run_bot(settings, ShiftedClock(shift)))


if __name__ == "__main__":
    sys.exit(main())
