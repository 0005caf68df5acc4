"""The first-run welcome: once per guild, when the bot joins (or, for a guild it is already
in, the first time it sees it), a short welcome and the setup checklist for moderators, in
the system channel if the bot may post there, else the first text channel it may post in.
Nothing else is posted until channels are set, so this is how moderators learn that."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.domain.checklist import open_items, setup_checklist
from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings
from cogs._common import BRAND

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)

ABOUT = (
    "Kindling keeps conversations going: replies, mentions and kudos between members build "
    "**pair streaks** 🔥 and **reputation**, with badges and challenges on top.\n"
    "It posts reminders, a leaderboard and badges only once a moderator says where, so "
    "nothing more appears until then."
)


def may_post(channel: discord.TextChannel) -> bool:
    """The bot can post embeds there."""
    me = channel.guild.me
    if me is None:
        return False
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.send_messages and perms.embed_links


def welcome_channel(guild: discord.Guild) -> discord.TextChannel | None:
    """The system channel if the bot may post there, else the first text channel it may."""
    system = guild.system_channel
    if system is not None and may_post(system):
        return system
    return next((c for c in guild.text_channels if may_post(c)), None)


def welcome_embed(
    config: GuildConfig, settings: GuildSettings, history: str | None = None
) -> discord.Embed:
    embed = discord.Embed(title="👋 Kindling is here", description=ABOUT, colour=BRAND)
    items = setup_checklist(config, settings)
    embed.add_field(
        name="Moderators: set up",
        value="\n".join(item.line for item in items),
        inline=False,
    )
    if history is not None:
        embed.add_field(
            name="📥 Past messages",
            value=f"History import: {history}\n`/settings channels history_days:` changes it",
            inline=False,
        )
    embed.add_field(
        name="Then",
        value="`/settings show` lists what is left · `/help` explains Kindling to everyone",
        inline=False,
    )
    return embed


class WelcomeCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.welcome(guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.welcome(guild)  # a guild joined before this feature: once, like a join

    async def welcome(self, guild: discord.Guild) -> bool:
        """Post the welcome unless it was posted before; True when it was posted now."""
        service = self.bot.services.settings
        if await service.welcome_posted(guild.id):
            return False
        config = await service.config(guild.id)
        settings = await service.settings(guild.id)
        if not open_items(config, settings):  # set up before this feature existed: skip it
            await service.claim_welcome(guild.id, self.bot.clock.now())
            return False
        channel = welcome_channel(guild)
        if channel is None:
            log.info("no channel to welcome guild %s in; trying again next time", guild.id)
            return False
        if not await service.claim_welcome(guild.id, self.bot.clock.now()):
            return False  # another event for this guild got there first
        history = (await self.bot.services.history.progress(guild.id)).summary()
        try:
            await channel.send(embed=welcome_embed(config, settings, history))
        except discord.HTTPException:
            log.warning("could not post the welcome in guild %s; trying again next time", guild.id)
            await service.release_welcome(guild.id)
            return False
        return True
