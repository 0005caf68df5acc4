"""/mod restore-streak|adjust-rep|exclude|include|audit — every action is audited."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import DomainError
from cogs._common import BRAND, OK, ModeratorGroup, guild_of
from cogs._ui import PagerView, page_count
from cogs.mod._audit import ACTION_CHOICES, action_filter, action_label, audit_line
from cogs.mod._views import ReviewView, restore_embed

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
        await interaction.response.send_message(
            embed=restore_embed(restored, member.mention, partner.mention), ephemeral=True
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
    @app_commands.describe(
        member="Only entries by or about this member",
        action="Only this kind of action",
        page="Start on this page (default: the newest)",
    )
    @app_commands.choices(action=ACTION_CHOICES)
    async def audit(
        self,
        interaction: discord.Interaction,
        member: discord.User | None = None,
        action: str | None = None,
        page: app_commands.Range[int, 1, 100_000] = 1,
    ) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        which = action_filter(action, member.id if member is not None else None)
        names = {
            key: f"{d.emoji} {d.name}"
            for key, d in (await bot.services.badges.definitions(guild)).items()
        }
        scope = [f"by or about {member.mention}"] if member is not None else []
        if action is not None:
            scope.insert(0, action_label(action).lower())
        empty = (
            "No moderator actions match. Try without a filter."
            if scope
            else "No moderator actions yet."
        )

        async def render(page: int) -> tuple[discord.Embed, int]:
            total, rows = await bot.reads.audit_page(guild, AUDIT_PAGE, page * AUDIT_PAGE, which)
            embed = discord.Embed(title="📜 Moderator audit log", colour=BRAND)
            lines = [audit_line(e.moderator, e.action, e.details, e.at, names) for e in rows]
            head = f"Showing {' '.join(scope)}.\n" if scope else ""
            embed.description = (head + "\n".join(lines)) if lines else head + empty
            return embed, page_count(total, AUDIT_PAGE)

        view = PagerView(
            interaction.user.id,
            render,
            refusal="Only the moderator who opened this log can turn its pages.",
        )
        embed = await view.open(page - 1)  # past the end: the last page
        if view.pages <= 1:
            view.stop()
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
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
