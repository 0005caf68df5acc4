"""/privacy export|optout|optin|visibility."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import OK, guild_of

if TYPE_CHECKING:
    from bot.app import KindlingBot

VISIBILITY_TEXT = {
    "public": "Your stats show on leaderboards, in others' /profile and in the bot's posts.",
    "server": "Your stats show on leaderboards and in commands, but the bot's scheduled "
    "posts and announcements don't name you.",
    "private": "Only you can see your stats: you're left off leaderboards and others can't "
    "open your /profile.",
}


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog,
    group_name="privacy",
    group_description="Your data: export it, opt out or in, who sees it",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="export", description="Get everything stored about you as JSON")
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        data = await self.bot.services.privacy.export(guild, interaction.user.id)
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        file = discord.File(
            io.BytesIO(payload), filename=f"kindling-{guild}-{interaction.user.id}.json"
        )
        embed = discord.Embed(
            title="Your Kindling data",
            description=f"{len(data.get('interactions', []))} interactions, "
            f"{len(data.get('ledger', []))} reputation changes, "
            f"{len(data.get('badges', []))} badges.",
            colour=OK,
        )
        await interaction.response.send_message(embed=embed, file=file, ephemeral=True)

    @app_commands.command(name="optout", description="Stop tracking me and delete my activity")
    async def optout(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.bot.services.privacy.opt_out(guild, interaction.user.id)
        embed = discord.Embed(
            title="You're opted out",
            description="I deleted your interactions, reputation, badges and streaks here and "
            "won't track you any more. Use `/privacy optin` to take part again.",
            colour=OK,
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="optin", description="Take part in streaks and reputation again")
    async def optin(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.bot.services.privacy.opt_in(guild, interaction.user.id)
        embed = discord.Embed(
            title="Welcome back",
            colour=OK,
            description="Your replies, mentions and kudos count again.",
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="visibility", description="Who can see your stats")
    @app_commands.describe(level="public, server (no public posts) or private")
    async def visibility(
        self, interaction: discord.Interaction, level: Literal["public", "server", "private"]
    ) -> None:
        guild = guild_of(interaction)
        await self.bot.services.privacy.set_preference(
            guild, interaction.user.id, "visibility", level
        )
        embed = discord.Embed(
            title=f"Visibility: {level}", description=VISIBILITY_TEXT[level], colour=OK
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)
