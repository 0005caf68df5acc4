"""/help: what counts, streaks and ❄️ freezes, caps, the member commands; a moderator also
sees the moderator commands and what is not set up yet (SPEC §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.checklist import open_items
from bot.domain.guild_settings import GuildSettings
from cogs._common import BRAND, guild_of, is_moderator

if TYPE_CHECKING:
    from bot.app import KindlingBot

MEMBER_COMMANDS = (
    "`/streaks` your streaks · `/streak member` one pair in detail",
    "`/profile` reputation, rank, badges · `/badges` what you earned",
    "`/leaderboard` streaks, best, reputation, weekly, monthly, challenge",
    "`/thanks member` kudos (or right-click → Apps → **Thank**)",
    "`/challenge list|info|join|leave` limited-time events",
    "`/notify channel|dm|off` how reminders reach you",
    "`/privacy export|optout|optin|visibility` your data",
)
MODERATOR_COMMANDS = (
    "`/settings show|timezone|channels|reminders|points|limits|leaderboard|review`",
    "`/challenge create|edit|end|cancel` · `/badge create|grant|revoke|link-role`",
    "`/mod restore-streak|adjust-rep|exclude|include|audit|review`",
)


def counting_text(settings: GuildSettings) -> str:
    p, lim = settings.points, settings.limits
    both = "both of you" if settings.streak_mode == "mutual" else "either of you"
    return (
        f"**What counts:** replies (+{p.reply}), mentions (+{p.mention}), reactions to your "
        f"messages (+{p.reaction}) and kudos (+{p.kudos}, or react {settings.kudos_emoji}).\n"
        f"**Streaks:** a day counts for a pair when {both} talk to the other "
        f"(server time, {settings.timezone}); +{p.streak_day} each. Every 7 days in a row earns "
        f"a ❄️ freeze (up to {lim.max_freezes}) that covers a missed day.\n"
        f"**Fair play:** one paid interaction per partner every {lim.cooldown_seconds} s, "
        f"{lim.interactions_per_partner_per_day} a day per partner, {lim.kudos_per_day} kudos a "
        f"day, at most {lim.pair_daily_cap} points a day from one partner and "
        f"{lim.member_daily_cap} in all. Copy-paste and farming rings don't pay."
    )


class HelpCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="How Kindling counts, and its commands")
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        settings = await self.bot.services.settings.settings(guild)
        embed = discord.Embed(title="🔥 Kindling", colour=BRAND)
        embed.description = counting_text(settings)
        embed.add_field(name="Commands", value="\n".join(MEMBER_COMMANDS), inline=False)
        if await is_moderator(interaction):
            embed.add_field(name="Moderators", value="\n".join(MODERATOR_COMMANDS), inline=False)
            config = await self.bot.services.settings.config(guild)
            todo = open_items(config, settings)
            embed.add_field(
                name="Not set up yet" if todo else "Set up",
                value="\n".join(f"⬜ {t.todo}" for t in todo)
                if todo
                else "Everything is in place. ✅",
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)
