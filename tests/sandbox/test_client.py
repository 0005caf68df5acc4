"""A real discord.py client against the sandbox: login, messages, DMs, roles, history, resume."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.sandbox import (
    Control,
    ManualClock,
    Overwrite,
    Sandbox,
    running_client,
    sandbox_endpoints,
)
from bot.sandbox.model import snowflake_time
from bot.sandbox.permissions import SEND_MESSAGES

from .conftest import Events, make_bot

pytestmark = pytest.mark.filterwarnings("error")


async def test_login_ready_and_guild_visible(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    async with running_client(bot, sandbox):
        assert bot.user is not None and bot.user.id == sandbox.bot_user_id
        assert bot.application_id == sandbox.application_id
        guild = bot.get_guild(ctl.guild.id)
        assert guild is not None
        assert guild.name == "Kindling Sandbox"
        assert guild.default_role.id == guild.id  # @everyone role id == guild id
        assert {c.name for c in guild.text_channels} == {"general", "random"}
        member = guild.get_member(alice.id)
        assert member is not None and member.name == "alice" and not member.bot
        assert guild.me.top_role.name == "Kindling"
        assert guild.chunked
        assert sandbox.identify_count == 1


async def test_bad_token_is_a_login_failure(sandbox: Sandbox) -> None:
    bot = make_bot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()


async def test_member_message_with_reply_and_mentions(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    carol = await ctl.add_member("carol")
    bot = make_bot()
    events = Events(bot, "message")
    async with running_client(bot, sandbox):
        first = await ctl.send_message(alice, "has anyone tried the new build?")
        reply = await ctl.send_message(bob, f"yes, works for me {carol.mention}", reply_to=first)

        got = await events.wait("message", lambda m: m.id == reply.id)
        assert isinstance(got.author, discord.Member)
        assert got.author.id == bob.id
        assert got.content == f"yes, works for me <@{carol.id}>"
        assert got.type is discord.MessageType.reply
        assert got.reference is not None and got.reference.message_id == first.id
        assert isinstance(got.reference.resolved, discord.Message)
        assert got.reference.resolved.author.id == alice.id
        # the reply pings the replied-to author, like Discord's client does by default
        assert {u.id for u in got.mentions} == {alice.id, carol.id}

        quiet = await ctl.send_message(bob, "no ping", reply_to=first, mention_author=False)
        got = await events.wait("message", lambda m: m.id == quiet.id)
        assert got.mentions == []

        explicit = await ctl.send_message(alice, "hey", mentions=[bob])
        got = await events.wait("message", lambda m: m.id == explicit.id)
        assert [u.id for u in got.mentions] == [bob.id]


async def test_bot_message_with_embed_and_file_is_read_back(sandbox: Sandbox, ctl: Control) -> None:
    bot = make_bot()
    events = Events(bot, "message")
    async with running_client(bot, sandbox):
        channel = bot.get_channel(ctl.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        embed = discord.Embed(title="Leaderboard", description="1. alice", colour=0xFF8800)
        embed.add_field(name="Streak", value="12 days")
        sent = await channel.send(
            "Weekly results", embed=embed, file=discord.File(io.BytesIO(b'{"ok": 1}'), "stats.json")
        )

        stored = await ctl.wait_for_message("general")
        assert stored.id == sent.id
        assert stored.content == "Weekly results"
        assert stored.embeds[0]["title"] == "Leaderboard"
        assert stored.embeds[0]["fields"] == [
            {"name": "Streak", "value": "12 days", "inline": True}
        ]
        assert stored.attachments[0].filename == "stats.json"
        assert stored.attachments[0].data == b'{"ok": 1}'
        assert await sent.attachments[0].read() == b'{"ok": 1}'
        # Discord also dispatches the bot's own message
        own = await events.wait("message", lambda m: m.id == sent.id)
        assert own.author.id == sandbox.bot_user_id

        with pytest.raises(discord.HTTPException) as info:
            await channel.send("")
        assert info.value.code == 50006

        await sent.edit(content="Weekly results (final)")
        assert ctl.message(sent.id).content == "Weekly results (final)"
        await sent.delete()
        assert ctl.bot_messages("general") == []


async def test_reactions_pins_and_deletes(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    bot = make_bot()
    events = Events(bot, "raw_reaction_add", "raw_reaction_remove", "raw_message_delete")
    async with running_client(bot, sandbox):
        msg = await ctl.send_message(bob, "I wrote a guide")
        await ctl.react(alice, msg, "⭐")
        added = await events.wait("raw_reaction_add")
        assert added.user_id == alice.id
        assert added.message_author_id == bob.id
        assert added.emoji.name == "⭐"
        assert added.member is not None and added.member.id == alice.id
        await ctl.unreact(alice, msg, "⭐")
        removed = await events.wait("raw_reaction_remove")
        assert removed.user_id == alice.id

        channel = bot.get_channel(msg.channel_id)
        assert isinstance(channel, discord.TextChannel)
        bot_side = await channel.fetch_message(msg.id)
        await bot_side.add_reaction("✅")
        assert ctl.reactions(msg) == {"✅": [sandbox.bot_user_id]}
        await bot_side.pin()
        assert [m.id for m in ctl.pins()] == [msg.id]
        assert [m.id async for m in channel.pins()] == [msg.id]
        await bot_side.unpin()
        assert ctl.pins() == []

        await ctl.delete_message(msg)
        deleted = await events.wait("raw_message_delete")
        assert deleted.message_id == msg.id


async def test_members_join_and_leave(sandbox: Sandbox, ctl: Control) -> None:
    bot = make_bot()
    events = Events(bot, "member_join", "member_remove")
    async with running_client(bot, sandbox):
        joined_at = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        dave = await ctl.add_member("dave", joined_at=joined_at)
        helper = await ctl.add_member("helperbot", bot=True)
        member = await events.wait("member_join", lambda m: m.id == dave.id)
        assert member.joined_at == joined_at
        other = await events.wait("member_join", lambda m: m.id == helper.id)
        assert other.bot
        await ctl.leave(dave)
        gone = await events.wait("member_remove")
        assert gone.id == dave.id
        await ctl.join(dave)
        await events.wait("member_join", lambda m: m.id == dave.id and m.joined_at != joined_at)


async def test_dms_both_ways(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    closed = await ctl.add_member("private", dms_open=False)
    bot = make_bot()
    events = Events(bot, "message")
    async with running_client(bot, sandbox):
        user = await bot.fetch_user(alice.id)
        await user.send("Your streak with bob is at risk!")
        dm = await ctl.wait_for_dm(alice)
        assert dm.content == "Your streak with bob is at risk!"
        assert [m.content for m in ctl.dms(alice)] == ["Your streak with bob is at risk!"]

        with pytest.raises(discord.Forbidden) as info:
            await (await bot.fetch_user(closed.id)).send("hello?")
        assert info.value.code == 50007

        incoming = await ctl.send_dm(alice, "thanks for the reminder")
        got = await events.wait("message", lambda m: m.id == incoming.id)
        assert got.guild is None
        assert isinstance(got.channel, discord.DMChannel)
        assert got.content == "thanks for the reminder"


async def test_add_and_remove_roles(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    regular = await ctl.add_role("Regular")
    admin = await ctl.add_role("Admin", position=10)
    bot = make_bot()
    events = Events(bot, "member_update")
    async with running_client(bot, sandbox):
        guild = bot.get_guild(ctl.guild.id)
        assert guild is not None
        member = guild.get_member(alice.id)
        assert member is not None
        await member.add_roles(discord.Object(regular.id), reason="badge reward")
        change = await ctl.wait_for_role_change(alice, regular)
        assert change.added and change.by == sandbox.bot_user_id
        await events.wait("member_update", lambda args: regular.id in [r.id for r in args[1].roles])
        assert [r.name for r in ctl.member_roles(alice)] == ["Regular"]

        await member.remove_roles(discord.Object(regular.id))
        await ctl.wait_for_role_change(alice, regular, added=False)
        assert ctl.member_roles(alice) == []

        with pytest.raises(discord.Forbidden):  # above the bot's top role
            await member.add_roles(discord.Object(admin.id))
        fetched = await guild.fetch_member(alice.id)
        assert fetched.roles == [guild.default_role]
        roles = await guild.fetch_roles()
        assert {"@everyone", "Kindling", "Moderator", "Regular", "Admin"} == {r.name for r in roles}


async def test_history_after_for_backfill(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    sent = [await ctl.send_message(alice, f"message {i}") for i in range(130)]
    await ctl.send_message(alice, "elsewhere", channel="random")
    bot = make_bot()
    async with running_client(bot, sandbox):
        channel = bot.get_channel(ctl.channel().id)
        assert isinstance(channel, discord.TextChannel)
        after = [m async for m in channel.history(after=discord.Object(sent[9].id), limit=None)]
        assert [m.id for m in after] == [m.id for m in sent[10:]]  # oldest first, paged by 100
        newest = [m async for m in channel.history(limit=3)]
        assert [m.content for m in newest] == ["message 129", "message 128", "message 127"]
        before = [m async for m in channel.history(before=discord.Object(sent[5].id), limit=10)]
        assert [m.id for m in before] == [m.id for m in reversed(sent[:5])]
        window = [
            m
            async for m in channel.history(
                after=discord.Object(sent[0].id), before=discord.Object(sent[4].id)
            )
        ]
        assert [m.content for m in window] == ["message 1", "message 2", "message 3"]


async def test_gateway_drop_resumes_and_delivers_exactly_once(
    sandbox: Sandbox, ctl: Control
) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    events = Events(bot, "message", "resumed")
    async with running_client(bot, sandbox):
        m1 = await ctl.send_message(alice, "before the drop")
        await events.wait("message", lambda m: m.id == m1.id)

        generation = sandbox.connection_generation
        await sandbox.drop_gateway()
        m2 = await ctl.send_message(alice, "while disconnected 1")
        m3 = await ctl.send_message(alice, "while disconnected 2")
        await sandbox.wait_connected(since=generation)
        await events.wait("resumed")
        m4 = await ctl.send_message(alice, "after the resume")
        channel = bot.get_channel(ctl.channel().id)
        assert isinstance(channel, discord.TextChannel)
        own = await channel.send("bot after resume")
        await events.wait("message", lambda m: m.id == m4.id)
        await events.wait("message", lambda m: m.id == own.id)

        ids = [m.id for m in events.seen["message"]]
        assert ids == [m1.id, m2.id, m3.id, m4.id, own.id]
        assert sandbox.resume_count == 1
        assert sandbox.identify_count == 1

        # op 7 RECONNECT also resumes
        generation = sandbox.connection_generation
        await sandbox.send_reconnect()
        await sandbox.wait_connected(since=generation)
        m5 = await ctl.send_message(alice, "after reconnect")
        await events.wait("message", lambda m: m.id == m5.id)
        assert events.count("message", lambda m: m.id == m5.id) == 1
        assert sandbox.resume_count == 2


async def test_invalidated_session_reidentifies_and_history_backfills(
    sandbox: Sandbox, ctl: Control
) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    events = Events(bot, "message", "ready")
    async with running_client(bot, sandbox):
        m1 = await ctl.send_message(alice, "seen live")
        await events.wait("message", lambda m: m.id == m1.id)
        generation = sandbox.connection_generation
        await sandbox.drop_gateway(invalidate=True)
        missed = await ctl.send_message(alice, "sent during the outage")
        await sandbox.wait_connected(since=generation)
        await events.wait("ready", lambda _: len(events.seen["ready"]) >= 2)
        assert sandbox.identify_count == 2
        assert events.count("message", lambda m: m.id == missed.id) == 0  # lost, as on Discord
        channel = bot.get_channel(ctl.channel().id)
        assert isinstance(channel, discord.TextChannel)
        backfill = [m async for m in channel.history(after=discord.Object(m1.id))]
        assert [m.id for m in backfill] == [missed.id]


async def test_without_message_content_intent_content_is_blank(
    sandbox: Sandbox, ctl: Control
) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot(message_content=False)
    events = Events(bot, "message")
    async with running_client(bot, sandbox):
        plain = await ctl.send_message(alice, "secret words")
        pinged = await ctl.send_message(alice, f"<@{sandbox.bot_user_id}> hello bot")
        got = await events.wait("message", lambda m: m.id == plain.id)
        assert got.content == ""
        got = await events.wait("message", lambda m: m.id == pinged.id)
        assert got.content.endswith("hello bot")


async def test_query_members_uses_request_guild_members() -> None:
    sb = Sandbox()
    await sb.start()
    try:
        ctl = sb.control
        await ctl.add_member("alice")
        await ctl.add_member("albert")
        await ctl.add_member("bob")
        with sandbox_endpoints(sb):
            bot = make_bot(chunk=True)
            async with running_client(bot, sb):
                guild = bot.get_guild(ctl.guild.id)
                assert guild is not None
                found = await guild.query_members("al")
                assert sorted(m.name for m in found) == ["albert", "alice"]
    finally:
        await sb.stop()


async def test_manual_clock_drives_timestamps_and_snowflakes() -> None:
    clock = ManualClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    sb = Sandbox(now=clock)
    await sb.start()
    try:
        ctl = sb.control
        alice = await ctl.add_member("alice")
        first = await ctl.send_message(alice, "day one")
        clock.advance(days=1, hours=2)
        second = await ctl.send_message(alice, "day two")
        assert second.id > first.id
        assert first.timestamp == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
        assert second.timestamp == datetime(2025, 3, 2, 14, 0, tzinfo=UTC)
        assert abs(snowflake_time(second.id) - second.timestamp) < timedelta(milliseconds=1)
        with sandbox_endpoints(sb):
            bot = make_bot()
            async with running_client(bot, sb):
                channel = bot.get_channel(ctl.channel().id)
                assert isinstance(channel, discord.TextChannel)
                msgs = [m async for m in channel.history(oldest_first=True)]
                assert [m.created_at for m in msgs] == [first.timestamp, second.timestamp]
                assert discord.utils.snowflake_time(msgs[1].id) == second.timestamp
    finally:
        await sb.stop()


async def test_teardown_leaves_no_tasks_or_warnings(
    sandbox: Sandbox, ctl: Control, caplog: pytest.LogCaptureFixture
) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    async with running_client(bot, sandbox):
        await ctl.send_message(alice, "hi")
        await sandbox.drop_gateway()
        await sandbox.wait_connected(since=1)
    assert bot.is_closed()
    assert not sandbox.connected
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    assert [t for t in asyncio.all_tasks() if t is not current and not t.done()] == []
    bad = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert bad == []


async def test_threads_overwrites_and_new_guilds(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    early = await ctl.create_thread(alice, "general", "existing thread")
    readonly = await ctl.add_channel(
        "announcements",
        overwrites=[Overwrite(ctl.guild.id, 0, deny=SEND_MESSAGES)],
    )
    bot = make_bot()
    events = Events(bot, "thread_create", "message", "guild_join")
    async with running_client(bot, sandbox):
        guild = bot.get_guild(ctl.guild.id)
        assert guild is not None
        assert [t.name for t in guild.threads] == ["existing thread"]
        assert guild.get_thread(early.id) is not None

        thread = await ctl.create_thread(alice, "general", "ideas")
        created = await events.wait("thread_create")
        assert created.id == thread.id and created.parent_id == ctl.channel().id
        msg = await ctl.send_message(alice, "what about weekly goals?", channel=thread)
        got = await events.wait("message", lambda m: m.id == msg.id)
        assert isinstance(got.channel, discord.Thread)
        await got.reply("good idea")
        answer = await ctl.wait_for_message(thread)
        assert answer.reference is not None and answer.reference.message_id == msg.id

        channel = bot.get_channel(readonly.id)
        assert isinstance(channel, discord.TextChannel)
        assert not channel.permissions_for(guild.me).send_messages
        with pytest.raises(discord.Forbidden):
            await channel.send("should fail")

        other = await ctl.add_guild("Second Server")
        joined = await events.wait("guild_join")
        assert joined.id == other.id and joined.name == "Second Server"

    assert sandbox.identify_count == 1
