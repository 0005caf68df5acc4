"""Option values Discord never sends are refused (numbers past 2^53 or not finite, strings
over 6,000 or with a lone surrogate); a guild-only command can be forced into DMs."""

from __future__ import annotations

import math

import discord
import pytest
from discord import app_commands

from bot.sandbox import Control, ControlError, Sandbox, running_client
from bot.sandbox.control import MAX_OPTION_NUMBER, MAX_OPTION_STRING

from .conftest import make_bot

pytestmark = pytest.mark.filterwarnings("error")


async def test_values_discord_never_sends_are_refused(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    seen: list[object] = []

    @bot.tree.command(name="echo", description="Echo")
    async def echo(
        interaction: discord.Interaction,
        count: int | None = None,
        ratio: float | None = None,
        text: str | None = None,
    ) -> None:
        seen.append(count if count is not None else ratio if ratio is not None else text)
        await interaction.response.send_message("ok")

    async with running_client(bot, sandbox):
        bot.tree.copy_global_to(guild=discord.Object(ctl.guild.id))
        await bot.tree.sync(guild=discord.Object(ctl.guild.id))
        for options in (
            {"count": MAX_OPTION_NUMBER},
            {"count": -MAX_OPTION_NUMBER},
            {"ratio": 1e15},
            {"text": "x" * MAX_OPTION_STRING},
        ):
            await ctl.wait_for_reply(await ctl.invoke(alice, "echo", options))
        assert seen == [2**53, -(2**53), 1e15, "x" * 6000]
        with pytest.raises(ControlError, match="surrogate"):
            await ctl.autocomplete(alice, "echo", {"text": "\udfff"}, focused="text")
        for refused in (
            {"count": MAX_OPTION_NUMBER + 1},
            {"count": -(2**63)},
            {"count": 10**30},
            {"ratio": math.nan},
            {"ratio": math.inf},
            {"ratio": -1e300},
            {"text": "x" * (MAX_OPTION_STRING + 1)},
            {"text": "half an emoji \ud83d"},
        ):
            with pytest.raises(ControlError):
                await ctl.invoke(alice, "echo", refused)


async def test_a_guild_only_command_forced_into_dms(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    bot = make_bot()
    guilds: list[int | None] = []

    @bot.tree.command(name="serveronly", description="Guild only")
    @app_commands.guild_only()
    async def serveronly(interaction: discord.Interaction) -> None:
        guilds.append(interaction.guild_id)
        await interaction.response.send_message("here")

    @bot.tree.context_menu(name="Poke")
    @app_commands.guild_only()
    async def poke(interaction: discord.Interaction, user: discord.User) -> None:
        guilds.append(interaction.guild_id)
        await interaction.response.send_message(f"poked {user.name}")

    async with running_client(bot, sandbox):
        await bot.tree.sync()
        dm = ctl.dm_channel(alice)
        with pytest.raises(ControlError, match="cannot be used in DMs"):
            await ctl.invoke(alice, "serveronly", channel=dm)
        with pytest.raises(ControlError, match="cannot be used in DMs"):
            await ctl.invoke_menu(alice, "Poke", alice, message=False, channel=dm)
        inter = await ctl.invoke(alice, "serveronly", channel=dm, check_contexts=False)
        assert (await ctl.wait_for_reply(inter)).content == "here"
        inter = await ctl.invoke_menu(
            alice, "Poke", alice, message=False, channel=dm, check_contexts=False
        )
        assert (await ctl.wait_for_reply(inter)).content == "poked alice"
        assert guilds == [None, None]
