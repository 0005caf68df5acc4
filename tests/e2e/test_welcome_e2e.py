"""The first-run welcome and setup checklist through the sandbox: posted once (also across a
restart), in the system channel or else the first channel the bot may post in, never where it
may not post; /settings show keeps the open steps on top until they are done."""

from __future__ import annotations

import asyncio

from bot.sandbox.model import Guild, Message, Overwrite
from bot.sandbox.permissions import SEND_MESSAGES, VIEW_CHANNEL
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, text_of

TITLE = "👋 Kindling is here"


def embed_text(message: Message) -> str:
    parts = []
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(p for p in parts if p)


def welcomes(h: Harness, guild: Guild | None = None) -> list[Message]:
    """Every welcome the bot posted in the guild's channels."""
    g = guild or h.ctl.guild
    return [
        m
        for m in h.ctl.bot_messages(all_channels=True)
        if m.guild_id == g.id and any(e.get("title") == TITLE for e in m.embeds)
    ]


async def wait_welcome(h: Harness, guild: Guild | None = None) -> Message:
    g = guild or h.ctl.guild

    def probe() -> Message | None:
        found = welcomes(h, g)
        return found[0] if found else None

    return await h.ctl.wait_for(probe, timeout=10)


async def quiet(h: Harness) -> None:
    """Give the bot time to post anything it would post."""
    await h.settle()
    for _ in range(10):
        await asyncio.sleep(0.02)
    await h.ctl.flush()


async def test_welcome_is_posted_once_in_the_system_channel(harness: Harness) -> None:
    h = harness
    general = h.ctl.channel("general")
    message = await wait_welcome(h)
    assert message.channel_id == general.id  # the system channel
    text = embed_text(message)
    assert "pair streaks" in text and "Moderators: set up" in text
    for step in (
        "⬜ Reminder channel (streaks at risk): `/settings channels reminders:`",
        "⬜ Leaderboard channel: `/settings channels leaderboard:`",
        "⬜ Announcement channel (badges, challenges): `/settings channels announcements:`",
        "⬜ Moderators-only review channel: `/settings review channel:`",
        "⬜ Time zone (days start at local midnight): `/settings timezone`",
    ):
        assert step in text, step
    assert "/settings show" in text and "/help" in text
    assert "History import: " in text and "history_days:" in text  # its progress, as now
    assert not message.mentions and "@everyone" not in (message.content or "")
    # a restart (the guild becomes available again) does not post it again
    await h.stop_bot()
    await h.start_bot()
    await quiet(h)
    assert len(welcomes(h)) == 1


async def test_a_new_guild_is_welcomed_on_join_with_its_own_checklist(harness: Harness) -> None:
    h = harness
    await wait_welcome(h)
    await run(h, h.ctl.owner, "settings channels", {"reminders": "#general"})
    second = await h.ctl.add_guild("Second server")
    message = await wait_welcome(h, second)
    assert message.channel_id == second.system_channel_id
    assert "⬜ Reminder channel" in embed_text(message)  # the other guild's setup is not this one's
    await quiet(h)
    assert len(welcomes(h, second)) == 1 and len(welcomes(h)) == 1


async def test_not_postable_system_channel_falls_back_to_the_first_postable(
    harness: Harness,
) -> None:
    h = harness
    world = h.ctl.world
    guild = world.create_guild("Locked lobby")
    bot = world.bot_user.id
    world.channel(guild.system_channel_id).overwrites = [Overwrite(bot, 1, deny=SEND_MESSAGES)]
    hidden = world.create_channel(
        guild.id, "staff", overwrites=[Overwrite(bot, 1, deny=VIEW_CHANNEL)]
    )
    lounge = world.create_channel(guild.id, "lounge")
    world.create_channel(guild.id, "later")
    h.sandbox.announce_guild(guild)
    await h.ctl.flush()
    message = await wait_welcome(h, guild)
    assert message.channel_id == lounge.id
    await quiet(h)
    assert [m.channel_id for m in welcomes(h, guild)] == [lounge.id]
    assert h.ctl.bot_messages(hidden) == [] and h.ctl.bot_messages(guild.system_channel_id) == []


async def test_nothing_is_posted_where_the_bot_may_not_post(harness: Harness) -> None:
    h = harness
    world = h.ctl.world
    guild = world.create_guild("Read only")
    bot = world.bot_user.id
    world.channel(guild.system_channel_id).overwrites = [Overwrite(bot, 1, deny=SEND_MESSAGES)]
    h.sandbox.announce_guild(guild)
    await h.ctl.flush()
    await quiet(h)
    assert welcomes(h, guild) == []
    assert h.ctl.bot_messages(guild.system_channel_id) == []
    assert h.bot is not None
    # not remembered as posted: once the bot may post, the next start-up welcomes the guild
    assert not await h.bot.services.settings.welcome_posted(guild.id)
    world.channel(guild.system_channel_id).overwrites = []
    await h.stop_bot()
    await h.start_bot()
    message = await wait_welcome(h, guild)
    assert message.channel_id == guild.system_channel_id


async def test_settings_show_lists_open_steps_until_done(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    await wait_welcome(h)
    shown = text_of(await run(h, owner, "settings show"))
    assert "Still to set up" in shown and "⬜ Leaderboard channel" in shown
    await run(
        h,
        owner,
        "settings channels",
        {"reminders": "#general", "leaderboard": "#general", "announcements": "#general"},
    )
    await run(h, owner, "settings review", {"mode": "off"})
    await run(h, owner, "settings timezone", {"timezone": "Europe/Lisbon"})
    assert "Still to set up" not in text_of(await run(h, owner, "settings show"))
    assert len(welcomes(h)) == 1  # the welcome itself is never re-posted or edited


async def test_the_system_channel_comes_before_the_first_channel(harness: Harness) -> None:
    h = harness
    world = h.ctl.world
    guild = world.create_guild("Lobby later")
    lobby = world.create_channel(guild.id, "lobby")
    guild.system_channel_id = lobby.id  # not the first channel in the list
    h.sandbox.announce_guild(guild)
    await h.ctl.flush()
    message = await wait_welcome(h, guild)
    assert message.channel_id == lobby.id


async def test_a_server_set_up_before_the_welcome_existed_is_not_told(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    await wait_welcome(h)
    await run(
        h,
        owner,
        "settings channels",
        {"reminders": "#general", "leaderboard": "#general", "announcements": "#general"},
    )
    await run(h, owner, "settings review", {"mode": "off"})
    await run(h, owner, "settings timezone", {"timezone": "Europe/Lisbon"})
    assert h.bot is not None
    await h.bot.services.settings.release_welcome(h.guild_id)  # as if from before the feature
    await h.stop_bot()
    await h.start_bot()
    await quiet(h)
    assert len(welcomes(h)) == 1  # only the first one
    assert await h.bot.services.settings.welcome_posted(h.guild_id)  # and it is remembered
