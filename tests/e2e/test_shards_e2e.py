"""Sharding through the real bot (#13): a process started with SHARD_COUNT / SHARD_IDS
connects its shards only, so it tracks only its shards' guilds, and its scheduled slot
serves only the guilds it owns ((guild_id >> 22) % shard_count), even though the shared
database holds the others' too. Two sharded processes never share one SQLite file, and on
PostgreSQL a shard is leased by one process at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord.ext import commands

from bot.app import ShardedKindlingBot, make_bot
from bot.config import Settings
from bot.sandbox.model import Guild
from bot.sharding import ShardPlan, shard_of
from bot.storage import shardlease
from bot.storage.filecheck import DatabaseFileError
from bot.storage.processlock import ProcessLock
from bot.storage.shardlease import ShardLease, ShardLeaseError
from tests.e2e.conftest import START, Harness


def boards(h: Harness, guild: Guild) -> list[object]:
    channel = h.ctl.channel("general", guild=guild)
    return [
        m
        for m in h.ctl.messages(channel)
        if m.author_id == h.ctl.bot.id
        and any("This week" in (e.get("title") or "") for e in m.embeds)
    ]


async def test_a_process_tracks_and_schedules_only_its_shards(tmp_path: Path) -> None:
    async with Harness(tmp_path / "k.db", start=START, shard_count=2, shard_ids="0") as h:
        mine = h.ctl.world.create_guild("mine", shard=(0, 2))
        theirs = h.ctl.world.create_guild("theirs", shard=(1, 2))
        bot = await h.start_bot()
        assert isinstance(bot, commands.AutoShardedBot) and bot.shard_ids == [0]
        seen = {g.id for g in bot.guilds}
        assert mine.id in seen and theirs.id not in seen
        assert all(shard_of(g, 2) == 0 for g in seen)
        assert h.sandbox.connected_shards() == {0: 2}
        for guild in (mine, theirs):
            a = await h.ctl.add_member("ann", guild=guild)
            b = await h.ctl.add_member("bo", guild=guild)
            general = h.ctl.channel("general", guild=guild)
            await h.ctl.send_message(a, f"thanks for the review <@{b.id}>", channel=general)
        await h.settle()
        rows = await bot.db.fetchall(
            "SELECT guild_id, COUNT(*) FROM interactions GROUP BY guild_id"
        )
        assert {int(r[0]): int(r[1]) for r in rows} == {mine.id: 1}
        # both guilds have a board channel in the database (as another process would set
        # up its own); this process's slot serves its own guild only
        for guild in (mine, theirs):
            channel = h.ctl.channel("general", guild=guild).id
            await bot.services.settings.configure(
                guild.id, {"leaderboard_channel": channel}, None, h.clock()
            )
        assert bot.jobs is not None
        done = await bot.jobs.run_slot(h.clock())
        await h.settle()
        assert done["boards"] == 1
        assert len(boards(h, mine)) == 1 and boards(h, theirs) == []
        await h.stop_bot()


def test_no_sharding_is_the_plain_bot(tmp_path: Path) -> None:
    bot = make_bot(Settings(database_path=tmp_path / "k.db"), sync_commands=False)
    assert not isinstance(bot, ShardedKindlingBot)
    assert bot.owns(12345 << 22) and not bot.shard_plan.sharded
    plan = ShardPlan.from_settings(Settings(shard_count=6, shard_ids="0-1"))
    assert plan.describe() == "shards 0-1 of 6" and not plan.covers_all
    assert [plan.owns(s << 22) for s in range(6)] == [True, True, False, False, False, False]
    assert ShardPlan.from_settings(Settings(shard_count=3)).covers_all


def test_a_second_sharded_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "kindling.db"
    first = ProcessLock.acquire(db)
    try:
        with pytest.raises(DatabaseFileError, match="PostgreSQL"):
            ProcessLock.acquire(db)
    finally:
        first.release()
    ProcessLock.acquire(db).release()  # free again once the first is gone


async def test_a_shard_run_by_another_postgres_process_is_refused(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await ShardLease.acquire(postgres_url, [0, 1], 4)
    try:
        with pytest.raises(ShardLeaseError, match=r"shard 1 of 4 is already run") as refused:
            await ShardLease.acquire(postgres_url, [1, 2], 4, wait=0)
        assert "SHARD_IDS" in str(refused.value) and "\n" not in str(refused.value)
        other = await ShardLease.acquire(postgres_url, [2, 3], 4, wait=0)  # no overlap
        await other.release()
        # the bot stops at start, before tracking anything (a DatabaseFileError: exit 78)
        monkeypatch.setattr(shardlease, "LEASE_WAIT_SECONDS", 0.0)
        twice = make_bot(Settings(database_url=postgres_url, shard_count=4), sync_commands=False)
        with pytest.raises(DatabaseFileError, match="shard 0 of 4"):
            await twice._lease_shards()
        # a process without shards would run every guild beside the sharded one: refused
        plain = make_bot(Settings(database_url=postgres_url), sync_commands=False)
        with pytest.raises(DatabaseFileError, match="already used by another Kindling"):
            await plain._lease_shards()
        assert plain._shard_lease is None
    finally:
        await first.release()
    # alone, it takes the whole database: no second process, sharded or not, beside it
    alone = await ShardLease.acquire(postgres_url, (), None, wait=0)
    try:
        with pytest.raises(ShardLeaseError, match="runs every guild") as refused:
            await ShardLease.acquire(postgres_url, [3], 4, wait=0)
        assert "\n" not in str(refused.value)
        with pytest.raises(ShardLeaseError, match="already used by another Kindling"):
            await ShardLease.acquire(postgres_url, (), None, wait=0)
    finally:
        await alone.release()
    # SQLite: no lease (its file lock does that job)
    lite = make_bot(Settings(), sync_commands=False)
    await lite._lease_shards()
    assert lite._shard_lease is None
    again = await ShardLease.acquire(postgres_url, [1, 2], 4, wait=0)  # free once released
    # a killed process: its session ends, so its shards are free again
    assert again._conn is not None
    again._conn.terminate()
    back = await ShardLease.acquire(postgres_url, [1, 2], 4, wait=5)
    assert back.held
    await back.release()
