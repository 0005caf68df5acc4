"""Sharding in the sandbox (#13): /gateway/bot recommends shards, IDENTIFY's `shard` picks
the guilds of a connection ((guild_id >> 22) % count), events go to the shard of their guild
and DMs to shard 0, and each shard is a session of its own."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from bot.sandbox import Control, Sandbox, sandbox_endpoints
from bot.sharding import shard_of

pytestmark = pytest.mark.filterwarnings("error")


class ShardedBot(commands.AutoShardedBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def sharded_bot(count: int | None, ids: list[int] | None) -> ShardedBot:
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    return ShardedBot(
        command_prefix="!",
        intents=intents,
        guild_ready_timeout=0.05,
        chunk_guilds_at_startup=False,
        help_command=None,
        shard_count=count,
        shard_ids=ids,
    )


class Seen:
    def __init__(self, bot: commands.Bot) -> None:
        self.messages: list[discord.Message] = []
        bot.add_listener(self.on_message, "on_message")

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)


async def run(bot: ShardedBot, sandbox: Sandbox) -> asyncio.Task[None]:
    await bot.login(sandbox.token)
    task = asyncio.create_task(bot.connect(reconnect=True))
    await asyncio.wait_for(bot.wait_until_ready(), timeout=10)
    return task


async def stop(bot: ShardedBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(task, timeout=10)


def test_guilds_can_be_placed_on_a_shard() -> None:
    sandbox = Sandbox()
    world = sandbox.world
    guilds = [world.create_guild(f"g{i}", shard=(i % 3, 3)) for i in range(9)]
    assert [shard_of(g.id, 3) for g in guilds] == [0, 1, 2] * 3
    assert len({g.id for g in guilds}) == 9


async def test_gateway_bot_recommends_the_shard_count() -> None:
    async with Sandbox(shards=4) as sandbox:
        async with aiohttp.ClientSession() as http:
            url = f"{sandbox.api_base}/gateway/bot"
            headers = {"Authorization": f"Bot {sandbox.token}"}
            async with http.get(url, headers=headers) as resp:
                body: dict[str, Any] = await resp.json()
        assert body["shards"] == 4


async def test_each_process_sees_only_its_shards_guilds_and_events() -> None:
    sandbox = Sandbox()
    await sandbox.start()
    ctl: Control = sandbox.control
    try:
        with sandbox_endpoints(sandbox):
            placed = [await ctl.add_guild(f"g{i}", shard=(i % 4, 4)) for i in range(8)]
            first = sharded_bot(4, [0, 1])
            second = sharded_bot(4, [2, 3])
            seen_first, seen_second = Seen(first), Seen(second)
            t1 = await run(first, sandbox)
            t2 = await run(second, sandbox)
            try:
                all_ids = {g.id for g in sandbox.world.guilds.values()}
                got1 = {g.id for g in first.guilds}
                got2 = {g.id for g in second.guilds}
                assert got1 | got2 == all_ids and not got1 & got2
                assert all(shard_of(g, 4) in (0, 1) for g in got1)
                assert sandbox.connected_shards() == {0: 4, 1: 4, 2: 4, 3: 4}
                alice = await ctl.add_member("alice", guild=placed[2])  # shard 2
                await ctl.send_message(
                    alice, "hello shard two", channel=ctl.channel("general", guild=placed[2])
                )
                await ctl.send_dm(alice, "a DM goes to shard 0")
                await sandbox.flush()
                for _ in range(50):
                    if len(seen_second.messages) >= 1 and len(seen_first.messages) >= 1:
                        break
                    await asyncio.sleep(0.02)
                assert [m.content for m in seen_second.messages] == ["hello shard two"]
                assert [m.content for m in seen_first.messages] == ["a DM goes to shard 0"]
                # one shard dropping and resuming leaves the others' sessions alone
                sessions = {s.session_id for s in sandbox.sessions()}
                since = sandbox.connection_generation
                await sandbox.drop_shard(3)
                await sandbox.wait_connected(since=since, timeout=10)
                assert {s.session_id for s in sandbox.sessions()} == sessions
                await ctl.send_message(
                    alice, "after the resume", channel=ctl.channel("general", guild=placed[2])
                )
                await sandbox.flush()
                for _ in range(50):
                    if len(seen_second.messages) >= 2:
                        break
                    await asyncio.sleep(0.02)
                assert seen_second.messages[-1].content == "after the resume"
            finally:
                await stop(first, t1)
                await stop(second, t2)
    finally:
        await sandbox.stop()


async def test_too_many_guilds_on_one_connection_is_refused() -> None:
    sandbox = Sandbox(max_guilds_per_shard=2)
    await sandbox.start()
    try:
        for i in range(3):
            sandbox.world.create_guild(f"extra{i}")
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(sandbox.gateway_url + "?v=10&encoding=json") as ws:
                await ws.receive_json()  # HELLO
                await ws.send_json(
                    {"op": 2, "d": {"token": sandbox.token, "intents": 1, "properties": {}}}
                )
                msg = await ws.receive()
                assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4011
    finally:
        await sandbox.stop()
