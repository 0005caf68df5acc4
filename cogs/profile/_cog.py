"""/profile: reputation, rank, badges, best streaks, top partners, recent activity."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, guild_of, sparkline, user_tag
from cogs._ui import check_visible

if TYPE_CHECKING:
    from bot.app import KindlingBot

ACTIVITY_DAYS = 14


class ProfileCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        # the "Kindling profile" context menu on a member (SPEC §7)
        self.profile_menu = app_commands.guild_only(
            app_commands.ContextMenu(name="Kindling profile", callback=self.profile_of)
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.profile_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.profile_menu.name, type=self.profile_menu.type)

    async def profile_of(self, interaction: discord.Interaction, member: discord.Member) -> None:
        """Right-click a member → Apps → Kindling profile: their profile, only for you."""
        await self.show(interaction, member, ephemeral=True)

    @app_commands.command(name="profile", description="Reputation, rank, badges and streaks")
    @app_commands.describe(member="Whose profile to show (default: yours)")
    @app_commands.guild_only()
    async def profile(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        await self.show(interaction, member or interaction.user, ephemeral=False)

    async def show(
        self,
        interaction: discord.Interaction,
        target: discord.Member | discord.User,
        ephemeral: bool,
    ) -> None:
        guild = guild_of(interaction)
        await check_visible(interaction, target)
        bot = self.bot
        now = bot.clock.now()
        row = await bot.reads.member(guild, target.id)
        rank = await bot.reads.reputation_rank(guild, row.reputation) if row.reputation else None
        held = await bot.services.badges.held(guild, target.id)
        defs = await bot.services.badges.definitions(guild)
        pairs = await bot.reads.member_streaks(guild, target.id, now)
        today = await bot.reads.today(guild, now)
        start = today - timedelta(days=ACTIVITY_DAYS - 1)
        per_day = await bot.reads.activity(
            guild, target.id, now - timedelta(days=ACTIVITY_DAYS + 1)
        )
        counts = [
            per_day.get((start + timedelta(days=i)).isoformat(), 0) for i in range(ACTIVITY_DAYS)
        ]

        embed = discord.Embed(title=f"✨ {target.display_name}", colour=BRAND)
        embed.set_thumbnail(url=target.display_avatar.url)
        rank_text = f" · rank #{rank}" if rank else ""
        embed.add_field(name="Reputation", value=f"**{row.reputation}**{rank_text}", inline=False)
        if held:
            shown = [
                f"{defs[h.key].emoji} {defs[h.key].name}" if h.key in defs else h.key for h in held
            ]
            embed.add_field(
                name=f"Badges ({len(held)})", value=", ".join(shown)[:1024], inline=False
            )
        running = [p for p in pairs if p.view.current > 0][:3]
        if running:
            embed.add_field(
                name="Running streaks",
                value="\n".join(
                    f"🔥 {p.view.current} with {user_tag(p.partner_of(target.id))}" for p in running
                ),
            )
        best = sorted(pairs, key=lambda p: -p.view.best)[:3]
        if best:
            embed.add_field(
                name="Best streaks",
                value="\n".join(
                    f"🏆 {p.view.best} with {user_tag(p.partner_of(target.id))}" for p in best
                ),
            )
        partners = sorted(
            pairs, key=lambda p: (-p.view.best - p.view.current, p.partner_of(target.id))
        )[:5]
        if partners:
            embed.add_field(
                name="Top partners",
                value=" ".join(user_tag(p.partner_of(target.id)) for p in partners),
                inline=False,
            )
        embed.add_field(
            name=f"Last {ACTIVITY_DAYS} days",
            value=f"`{sparkline(counts)}` {sum(counts)} points",
            inline=False,
        )
        await interaction.response.send_message(embed=embed, ephemeral=ephemeral)
