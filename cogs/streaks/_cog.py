"""/streaks and /streak."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import DomainError
from cogs._cards import PAIR_FILE, pair_card_file, wants_pictures
from cogs._common import BRAND, end_of_local_day, guild_of, user_tag
from cogs._ui import check_visible
from cogs.streaks._render import (
    RESTORE_HINT,
    ago,
    at_risk_text,
    covered_text,
    days,
    ended_line,
    ended_text,
    freezes_text,
    running_line,
)

if TYPE_CHECKING:
    from bot.app import KindlingBot

MAX_ENDED_SHOWN = 5


class StreaksCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    @app_commands.command(name="streaks", description="Your daily streaks with other members")
    @app_commands.describe(member="Whose streaks to show (default: yours)")
    @app_commands.guild_only()
    async def streaks(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        guild = guild_of(interaction)
        target = member or interaction.user
        await check_visible(interaction, target)
        now = self.bot.clock.now()
        pairs = await self.bot.reads.member_streaks(guild, target.id, now)
        settings = await self.bot.services.settings.settings(guild)
        today = await self.bot.reads.today(guild, now)
        ends = end_of_local_day(today, settings.zone)
        embed = discord.Embed(title=f"🔥 Streaks of {target.display_name}", colour=BRAND)
        alive = [p for p in pairs if p.view.current > 0]
        ended = sorted(
            (p for p in pairs if not p.view.alive and p.view.ended_on is not None),
            key=lambda p: (p.view.ended_on or today, p.view.length),
            reverse=True,
        )[:MAX_ENDED_SHOWN]
        if not pairs:
            embed.description = (
                "No streaks yet. Reply to or mention someone, and get a reply back the "
                "same day, to start one."
            )
        else:
            lines = [
                f"{user_tag(p.partner_of(target.id))} — {running_line(p.view, ends)}"
                for p in alive[:15]
            ]
            if not lines:
                lines.append("No streak is running right now.")
            if ended:
                lines.append("")
                lines += [
                    f"{user_tag(p.partner_of(target.id))} — {ended_line(p.view, settings.zone)}"
                    for p in ended
                ]
                lines.append(RESTORE_HINT)
            embed.description = "\n".join(lines)
            best = max(p.view.best for p in pairs)
            embed.set_footer(
                text=f"{len(alive)} running · best ever {best} days · ❄️ covers a missed day"
            )
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="streak", description="Your streak with one member")
    @app_commands.describe(member="The member you share the streak with")
    @app_commands.guild_only()
    async def streak(self, interaction: discord.Interaction, member: discord.Member) -> None:
        guild = guild_of(interaction)
        if member.id == interaction.user.id:
            raise DomainError("A streak needs two people: pick another member.")
        await check_visible(interaction, member)
        now = self.bot.clock.now()
        pair = await self.bot.reads.pair(guild, interaction.user.id, member.id, now)
        embed = discord.Embed(
            title=f"{interaction.user.display_name} & {member.display_name}", colour=BRAND
        )
        if pair is None:
            embed.description = (
                "No streak yet. Talk to each other today (a reply or mention both ways) "
                "to start one."
            )
        else:
            settings = await self.bot.services.settings.settings(guild)
            today = await self.bot.reads.today(guild, now)
            view = pair.view
            if not view.alive:
                embed.description = f"💤 {ended_text(view, settings.zone)}\n{RESTORE_HINT}"
                embed.add_field(name="Best", value=f"🏆 {days(view.best)}")
            else:
                ends = end_of_local_day(today, settings.zone)
                embed.description = running_line(view, ends)
                if (covered := covered_text(view, today)) is not None:
                    embed.description += "\n" + covered
                embed.add_field(name="Current", value=f"🔥 {view.current}")
                embed.add_field(name="Best", value=f"🏆 {days(view.best)}")
                embed.add_field(
                    name="Freezes",
                    value=freezes_text(view.freezes, settings.limits.max_freezes),
                    inline=False,
                )
                if view.last_day is not None:
                    embed.add_field(name="Last day together", value=ago(view.last_day, today))
                embed.add_field(name="At risk", value=at_risk_text(view, ends))
        if pair is not None and await wants_pictures(self.bot, guild, interaction.user.id):
            # the pair's 12-week calendar as a picture (the embed keeps every fact in text)
            await interaction.response.defer()
            card = await pair_card_file(self.bot, guild, interaction.user, member, pair, now)
            if card is not None:
                embed.set_image(url=f"attachment://{PAIR_FILE}")
            await interaction.edit_original_response(
                embed=embed, attachments=[card] if card is not None else []
            )
            return
        await interaction.response.send_message(embed=embed)
