"""/notify channel|dm|off: how streak reminders reach you."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import OK, guild_of

if TYPE_CHECKING:
    from bot.app import KindlingBot

EXPLAIN = {
    "channel": "You'll be reminded in the server's reminder channel when a streak is at risk.",
    "dm": "You'll get a direct message when a streak is at risk "
    "(if your DMs are closed, you'll be listed in the channel instead).",
    "off": "You won't get streak reminders. Your streaks still count.",
}


@app_commands.guild_only()
class NotifyCog(
    commands.GroupCog,
    group_name="notify",
    group_description="Choose how streak reminders reach you",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        super().__init__()

    async def _set(self, interaction: discord.Interaction, choice: str) -> None:
        guild = guild_of(interaction)
        await self.bot.services.privacy.set_preference(guild, interaction.user.id, "notify", choice)
        embed = discord.Embed(title=f"Reminders: {choice}", description=EXPLAIN[choice], colour=OK)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="channel", description="Remind me in the reminder channel")
    async def channel(self, interaction: discord.Interaction) -> None:
        await self._set(interaction, "channel")

    @app_commands.command(name="dm", description="Remind me by direct message")
    async def dm(self, interaction: discord.Interaction) -> None:
        await self._set(interaction, "dm")

    @app_commands.command(name="off", description="Don't remind me")
    async def off(self, interaction: discord.Interaction) -> None:
        await self._set(interaction, "off")
