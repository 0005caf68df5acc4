"""/thanks member [reason]: kudos within the guild's limits (SPEC §3 rule 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import DomainError
from bot.domain.interactions import KudosRecord
from bot.domain.streaks import local_day
from cogs._common import OK, end_of_local_day, guild_of, relative, user_tag
from cogs.thanks._explain import reward_text, shown_reason

if TYPE_CHECKING:
    from bot.app import KindlingBot

MAX_REASON = 200


class ThanksCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        # right-click → Apps → Thank, on a message (its author) or on a member (SPEC §7)
        self.menus = [
            app_commands.guild_only(app_commands.ContextMenu(name="Thank", callback=callback))
            for callback in (self.thank_message, self.thank_member)
        ]

    async def cog_load(self) -> None:
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    async def thank_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        if not isinstance(message.author, discord.Member):
            raise DomainError("That message's author is no longer in this server.")
        await self.give(interaction, message.author, None)

    async def thank_member(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self.give(interaction, member, None)

    @app_commands.command(name="thanks", description="Thank a member: gives them kudos")
    @app_commands.describe(member="Who to thank", reason="What for (optional)")
    @app_commands.guild_only()
    async def thanks(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        reason: app_commands.Range[str, 1, MAX_REASON] | None = None,
    ) -> None:
        await self.give(interaction, member, reason)

    async def give(
        self, interaction: discord.Interaction, member: discord.Member, reason: str | None
    ) -> None:
        guild = guild_of(interaction)
        if reason is not None and len(reason) > MAX_REASON:
            raise DomainError(f"Keep the reason under {MAX_REASON} characters.")
        bot = self.bot
        now = bot.clock.now()
        settings = await bot.services.settings.settings(guild)
        again = relative(end_of_local_day(local_day(now, settings.zone), settings.zone))
        if member.bot:
            raise DomainError("Bots don't collect kudos: thank a person instead.")
        giver = await bot.reads.member(guild, interaction.user.id)
        if giver.opted_out or giver.excluded:
            raise DomainError(
                "You're not taking part in Kindling here, so you can't give kudos. "
                "`/privacy optin` takes part again."
                if giver.opted_out
                else "A moderator has excluded you from Kindling here."
            )
        outcome = await bot.services.kudos.give(
            KudosRecord(
                guild=guild,
                giver=interaction.user.id,
                receiver=member.id,
                ts=now,
                reason=reason,
                source=f"cmd:{interaction.id}",
            )
        )
        if not outcome.accepted:
            messages = {
                "self": "You can't thank yourself. Thank someone who helped you!",
                "bot": "Bots don't collect kudos: thank a person instead.",
                "optout": f"{member.display_name} isn't taking part in Kindling.",
                "same": f"You already thanked {member.display_name} today. "
                f"You can thank them again {again}.",
                "daily": f"You've given all {settings.limits.kudos_per_day} kudos for today. "
                f"You can thank again {again}.",
                "duplicate": "That thank-you was already counted.",
            }
            raise DomainError(messages.get(outcome.reason, "That kudos was not accepted."))
        headline, lines = reward_text(outcome, member.id)
        if bot.pipeline.write_failing:
            # counted in memory, not stored yet: the database cannot be written right now
            lines.append("⏳ Queued: it is saved as soon as the database can be written again.")
        text = f"{user_tag(interaction.user.id)} thanked {user_tag(member.id)}"
        if reason:
            text += f": “{shown_reason(reason)}”"
        embed = discord.Embed(description="\n".join([text, *lines]), colour=OK)
        # the content carries the one ping: the thanked member, nobody else (embeds never ping)
        await interaction.response.send_message(
            headline,
            embed=embed,
            allowed_mentions=discord.AllowedMentions(
                users=[member], everyone=False, roles=False, replied_user=False
            ),
        )
