"""Slash commands, autocomplete, buttons, selects and modals through a real discord.py bot."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from bot.sandbox import Control, ControlError, Sandbox, running_client
from bot.sandbox.model import FLAG_EPHEMERAL

from .conftest import Events, make_bot

pytestmark = pytest.mark.filterwarnings("error")


async def _sync_to_guild(bot: discord.Client, tree: app_commands.CommandTree, ctl: Control) -> None:
    guild = discord.Object(ctl.guild.id)
    tree.copy_global_to(guild=guild)
    await tree.sync(guild=guild)


async def test_slash_command_with_user_option_and_ephemeral_reply(
    sandbox: Sandbox, ctl: Control
) -> None:
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob", nick="Bobby")
    bot = make_bot()
    seen: dict[str, object] = {}

    @bot.tree.command(name="thanks", description="Thank a member")
    @app_commands.describe(member="Who helped you", reason="Why")
    async def thanks(
        interaction: discord.Interaction, member: discord.Member, reason: str | None = None
    ) -> None:
        seen["member"] = member
        seen["user"] = interaction.user
        seen["reason"] = reason
        embed = discord.Embed(title=f"Thanks sent to {member.display_name}", description=reason)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async with running_client(bot, sandbox):
        synced = await bot.tree.sync()  # global
        assert [c.name for c in synced] == ["thanks"]
        assert ctl.command_names() == ["thanks"]
        await _sync_to_guild(bot, bot.tree, ctl)
        cmds = await ctl.wait_for_commands(ctl.guild, names=["thanks"])
        assert cmds[0]["application_id"] == str(sandbox.application_id)
        assert cmds[0]["options"][0]["type"] == 6

        interaction = await ctl.invoke(alice, "thanks", {"member": bob, "reason": "great review"})
        response = await ctl.wait_for_response(interaction)
        assert response.type == 4
        assert response.ephemeral
        assert response.embeds[0]["title"] == "Thanks sent to Bobby"
        assert response.embeds[0]["description"] == "great review"
        assert isinstance(seen["member"], discord.Member)
        assert seen["member"].id == bob.id
        assert isinstance(seen["user"], discord.Member) and seen["user"].id == alice.id
        assert response.message is not None and response.message.flags & FLAG_EPHEMERAL
        assert ctl.bot_messages() == []  # ephemeral replies are not in the channel
        assert len(ctl.bot_messages(include_ephemeral=True)) == 1

        with pytest.raises(ControlError):
            await ctl.invoke(alice, "thanks", {"reason": "missing the member"})
        with pytest.raises(ControlError):
            await ctl.invoke(alice, "thanks", {"member": bob, "colour": "red"})
        with pytest.raises(ControlError):
            await ctl.invoke(alice, "nope")


async def test_groups_subcommands_choices_and_autocomplete(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    challenge = app_commands.Group(name="challenge", description="Challenges")
    settings = app_commands.Group(
        name="settings",
        description="Settings",
        default_permissions=discord.Permissions(manage_guild=True),
    )
    points = app_commands.Group(name="points", description="Points", parent=settings)

    @challenge.command(name="join", description="Join a challenge")
    async def join(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"{interaction.user.name} joined {name}")

    @join.autocomplete("name")
    async def join_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["spring-sprint", "summer-jam", "spooky-week"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @points.command(name="set", description="Set points for a kind")
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="Reply", value="reply"),
            app_commands.Choice(name="Kudos", value="kudos"),
        ]
    )
    async def set_points(
        interaction: discord.Interaction,
        kind: app_commands.Choice[str],
        value: app_commands.Range[int, 0, 100],
        channel: discord.TextChannel | None = None,
    ) -> None:
        where = channel.name if channel else "everywhere"
        await interaction.response.send_message(f"{kind.value}={value} in {where}", ephemeral=True)

    bot.tree.add_command(challenge)
    bot.tree.add_command(settings)
    async with running_client(bot, sandbox):
        await _sync_to_guild(bot, bot.tree, ctl)

        inter = await ctl.invoke(alice, "challenge join", {"name": "summer-jam"})
        reply = await ctl.wait_for_reply(inter)
        assert reply.content == "alice joined summer-jam"
        assert not reply.ephemeral
        assert reply.interaction_metadata is not None
        assert reply.interaction_metadata["name"] == "challenge"
        assert ctl.bot_messages()[-1].id == reply.id

        ac = await ctl.autocomplete(alice, "challenge join", {"name": "sp"}, focused="name")
        response = await ctl.wait_for_response(ac)
        assert response.type == 8
        assert [c["value"] for c in response.choices] == ["spring-sprint", "spooky-week"]

        with pytest.raises(ControlError):  # default_member_permissions hides it from alice
            await ctl.invoke(alice, "settings points set", {"kind": "reply", "value": 3})
        inter = await ctl.invoke(
            ctl.owner, "settings points set", {"kind": "kudos", "value": 5, "channel": "#random"}
        )
        response = await ctl.wait_for_response(inter)
        assert response.content == "kudos=5 in random"
        with pytest.raises(ControlError):
            await ctl.invoke(ctl.owner, "settings points set", {"kind": "bogus", "value": 5})
        with pytest.raises(ControlError):
            await ctl.invoke(ctl.owner, "settings points set", {"kind": "reply", "value": 500})
        with pytest.raises(ControlError):
            await ctl.invoke(ctl.owner, "settings points", {"kind": "reply", "value": 5})


class Pager(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.page = 1
        self.pressed = asyncio.Event()

    @discord.ui.button(label="Next", custom_id="board:next", style=discord.ButtonStyle.primary)
    async def next_page(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)
        self.pressed.set()


async def test_button_press_reaches_view_callback(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    async with running_client(bot, sandbox):
        channel = bot.get_channel(ctl.channel().id)
        assert isinstance(channel, discord.TextChannel)
        view = Pager()
        sent = await channel.send("page 1", view=view)
        msg = await ctl.wait_for_message(predicate=lambda m: m.id == sent.id)
        assert msg.custom_ids() == ["board:next"]
        assert msg.components[0]["components"][0]["label"] == "Next"

        inter = await ctl.press_button(alice, msg, "board:next")
        await asyncio.wait_for(view.pressed.wait(), 5)
        response = await ctl.wait_for_response(inter)
        assert response.type == 7
        assert ctl.message(msg.id).content == "page 2"
        assert inter.payload["message"]["id"] == str(msg.id)

        with pytest.raises(ControlError):
            await ctl.press_button(alice, msg, "board:prev")
        view.stop()


async def test_buttons_on_an_ephemeral_interaction_reply(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    bot = make_bot()
    views: list[Pager] = []

    @bot.tree.command(name="leaderboard", description="Show the leaderboard")
    async def leaderboard(interaction: discord.Interaction) -> None:
        view = Pager()
        views.append(view)
        await interaction.response.send_message("page 1", view=view, ephemeral=True)

    async with running_client(bot, sandbox):
        await _sync_to_guild(bot, bot.tree, ctl)
        inter = await ctl.invoke(alice, "leaderboard")
        reply = await ctl.wait_for_reply(inter)
        assert reply.ephemeral and reply.custom_ids() == ["board:next"]
        with pytest.raises(ControlError):  # not bob's ephemeral message
            await ctl.press_button(bob, reply, "board:next")
        press = await ctl.press_button(alice, reply, "board:next")
        await asyncio.wait_for(views[0].pressed.wait(), 5)
        assert (await ctl.wait_for_response(press)).type == 7
        assert reply.content == "page 2"
        views[0].stop()


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="What do you think?", custom_id="text"
    )
    mood: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Mood", custom_id="mood", required=False, max_length=10
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"thanks: {self.text.value} ({self.mood.value or 'n/a'})", ephemeral=True
        )


async def test_modal_submit(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()

    @bot.tree.command(name="feedback", description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    async with running_client(bot, sandbox):
        await _sync_to_guild(bot, bot.tree, ctl)
        inter = await ctl.invoke(alice, "feedback")
        response = await ctl.wait_for_response(inter)
        assert response.type == 9
        assert response.modal is not None and response.modal["title"] == "Feedback"
        with pytest.raises(ControlError):
            await ctl.submit_modal(alice, inter, {"text": "x", "unknown": "y"})
        submitted = await ctl.submit_modal(alice, inter, {"text": "love the streaks"})
        answer = await ctl.wait_for_reply(submitted)
        assert answer.content == "thanks: love the streaks (n/a)"
        assert answer.ephemeral


async def test_select_menu(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    bot = make_bot()
    chosen: list[object] = []
    done = asyncio.Event()

    class Pick(discord.ui.View):
        @discord.ui.select(
            custom_id="pick:board",
            options=[
                discord.SelectOption(label="Streaks", value="streaks"),
                discord.SelectOption(label="Best", value="best"),
            ],
        )
        async def board(
            self, interaction: discord.Interaction, select: discord.ui.Select[Pick]
        ) -> None:
            chosen.extend(select.values)
            await interaction.response.defer()
            done.set()

        @discord.ui.select(cls=discord.ui.UserSelect, custom_id="pick:user")
        async def user(
            self, interaction: discord.Interaction, select: discord.ui.UserSelect[Pick]
        ) -> None:
            chosen.extend(select.values)
            await interaction.response.send_message("ok", ephemeral=True)
            done.set()

    async with running_client(bot, sandbox):
        channel = bot.get_channel(ctl.channel().id)
        assert isinstance(channel, discord.TextChannel)
        view = Pick(timeout=60)
        sent = await channel.send("choose", view=view)
        inter = await ctl.select(alice, sent.id, "pick:board", ["best"])
        await asyncio.wait_for(done.wait(), 5)
        assert chosen == ["best"]
        assert (await ctl.wait_for_response(inter)).type == 6
        done.clear()
        inter = await ctl.select(alice, sent.id, "pick:user", [bob])
        await asyncio.wait_for(done.wait(), 5)
        assert isinstance(chosen[1], discord.Member) and chosen[1].id == bob.id
        with pytest.raises(ControlError):
            await ctl.select(alice, sent.id, "pick:board", ["nope"])
        view.stop()


async def test_deferred_reply_followups_and_edits(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    finished = asyncio.Event()
    events = Events(bot, "message")

    @bot.tree.command(name="profile", description="Show a profile")
    async def profile(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        first = await interaction.followup.send("rendering…", wait=True)
        assert first.id == (await interaction.original_response()).id
        await interaction.followup.send("only you can see this", ephemeral=True)
        await interaction.edit_original_response(
            content=None, embed=discord.Embed(title="alice's profile")
        )
        finished.set()

    async with running_client(bot, sandbox):
        await _sync_to_guild(bot, bot.tree, ctl)
        inter = await ctl.invoke(alice, "profile")
        response = await ctl.wait_for_response(inter)
        assert response.type == 5
        await asyncio.wait_for(finished.wait(), 5)
        original = ctl.original_message(inter)
        assert original is not None and not original.loading
        assert original.content == ""
        assert original.embeds[0]["title"] == "alice's profile"
        followups = ctl.followups(inter)
        assert [m.content for m in followups] == ["only you can see this"]
        assert followups[0].ephemeral
        # the non-ephemeral response reached the gateway too; the ephemeral one did not
        await events.wait("message", lambda m: m.id == original.id)
        assert events.count("message", lambda m: m.id == followups[0].id) == 0


async def test_global_command_in_dms(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    users: list[object] = []

    @bot.tree.command(name="privacy", description="Privacy tools")
    async def privacy(interaction: discord.Interaction) -> None:
        users.append(interaction.user)
        await interaction.response.send_message("your data", ephemeral=True)

    @bot.tree.command(name="serveronly", description="Guild only")
    @app_commands.guild_only()
    async def serveronly(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    async with running_client(bot, sandbox):
        await bot.tree.sync()
        inter = await ctl.invoke(alice, "privacy", channel=ctl.dm_channel(alice))
        reply = await ctl.wait_for_reply(inter)
        assert reply.content == "your data"
        assert isinstance(users[0], discord.User) and users[0].id == alice.id
        with pytest.raises(ControlError):
            await ctl.invoke(alice, "serveronly", channel=ctl.dm_channel(alice))
