"""/mod restore-streak|adjust-rep|exclude|include|audit — every action is audited."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import DomainError
from cogs._common import BRAND, OK, ModeratorGroup, guild_of, user_tag
from cogs._ui import PagerView
from cogs.mod._views import ReviewView

if TYPE_CHECKING:
    from bot.app import KindlingBot

AUDIT_PAGE = 10


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ModCog(
    ModeratorGroup,
    commands.GroupCog,
    group_name="mod",
    group_description="Moderators: fix streaks and reputation, exclude members",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self._reviews: weakref.WeakSet[ReviewView] = weakref.WeakSet()
        super().__init__()

    async def cog_unload(self) -> None:
        PagerView.stop_all()
        for view in list(self._reviews):
            view.stop()

    @app_commands.command(
        name="restore-streak", description="Fill the missed days of a pair's broken streak"
    )
    @app_commands.describe(
        member="One member of the pair",
        partner="The other member",
        reason="Why (kept in the audit log)",
    )
    async def restore_streak(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        partner: discord.Member,
        reason: app_commands.Range[str, 0, 200] = "",
    ) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        restored = await bot.services.moderation.restore_streak(
            guild, member.id, partner.id, interaction.user.id, reason, bot.clock.now()
        )
        missed, current = restored.days, restored.current
        await interaction.response.send_message(
            embed=discord.Embed(
                description=f"Restored {len(missed)} day(s): {member.mention} & {partner.mention} "
                f"are on 🔥 {current}.",
                colour=OK,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="adjust-rep", description="Add or remove reputation points")
    @app_commands.describe(
        member="Whose reputation",
        amount="Points to add (negative removes)",
        reason="Why (kept in the audit log)",
    )
    async def adjust_rep(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        amount: app_commands.Range[int, -100_000, 100_000],
        reason: app_commands.Range[str, 1, 200],
    ) -> None:
        guild = guild_of(interaction)
        if member.bot:
            raise DomainError("Bots have no reputation.")
        total = await self.bot.services.moderation.adjust_reputation(
            guild,
            member.id,
            amount,
            interaction.user.id,
            reason,
            f"mod:{interaction.id}",
            self.bot.clock.now(),
        )
        await interaction.response.send_message(
            embed=discord.Embed(
                description=f"{member.mention}: {amount:+d} → **{total}** reputation.", colour=OK
            ),
            ephemeral=True,
        )

    async def _flag(
        self, interaction: discord.Interaction, member: discord.Member, value: bool
    ) -> None:
        guild = guild_of(interaction)
        await self.bot.services.moderation.set_excluded(
            guild, member.id, value, interaction.user.id, self.bot.clock.now()
        )
        text = (
            f"{member.mention} is excluded: their messages no longer count."
            if value
            else f"{member.mention} counts again."
        )
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=OK), ephemeral=True
        )

    @app_commands.command(name="exclude", description="Stop counting a member's interactions")
    @app_commands.describe(member="Who to exclude")
    async def exclude(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self._flag(interaction, member, True)

    @app_commands.command(name="include", description="Count an excluded member again")
    @app_commands.describe(member="Who to include again")
    async def include(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self._flag(interaction, member, False)

    @app_commands.command(name="audit", description="Recent moderator actions, 10 a page")
    async def audit(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        bot = self.bot

        async def render(page: int) -> tuple[discord.Embed, bool]:
            total, rows = await bot.services.moderation.audit_page(
                guild, AUDIT_PAGE, page * AUDIT_PAGE
            )
            pages = max(1, -(-total // AUDIT_PAGE))
            embed = discord.Embed(title="📜 Moderator audit log", colour=BRAND)
            lines = [
                f"<t:{int(e.at.timestamp())}:f> {user_tag(e.moderator)} `{e.action}` "
                + ", ".join(f"{k}={v}" for k, v in e.details.items())[:150]
                for e in rows
            ]
            embed.description = "\n".join(lines) or "No moderator actions yet."
            embed.set_footer(text=f"Page {page + 1}/{pages}")
            return embed, page + 1 < pages

        embed, has_next = await render(0)
        view = PagerView(interaction.user.id, 0, has_next, render)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        view.message = await interaction.original_response()

    @app_commands.command(
        name="review", description="Members flagged as coordinated or automated: approve or reject"
    )
    async def review(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        entries = await self.bot.services.review.queue(guild)
        view = ReviewView(self.bot, guild, interaction.user.id, entries)
        self._reviews.add(view)
        content = None
        if not (await self.bot.services.settings.config(guild)).review_channel:
            content = (
                "New flags are not posted anywhere yet: set a channel with `/settings review`."
            )
        await interaction.response.send_message(
            content=content, embed=view.current_embed(), view=view, ephemeral=True
        )
        view.message = await interaction.original_response()
