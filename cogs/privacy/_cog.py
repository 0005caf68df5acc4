"""/privacy export|optout|optin|visibility."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import DomainError
from bot.services.privacy import EndedStreak, OptOutPreview
from cogs._common import OK, guild_of, user_tag
from cogs._ui import OwnedView

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)

VISIBILITY_TEXT = {
    "public": "Your stats show on leaderboards, in others' /profile and in the bot's posts.",
    "server": "Your stats show on leaderboards and in commands, but the bot's scheduled "
    "posts and announcements don't name you.",
    "private": "Only you can see your stats: you're left off leaderboards and others can't "
    "open your /profile.",
}
DANGER = discord.Colour.from_rgb(220, 90, 70)
DM_PACE = 1.0  # seconds between the DMs telling partners, never a burst
CONFIRM_SECONDS = 120.0
MAX_STREAKS_LISTED = 10


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def optout_embed(preview: OptOutPreview, badge_names: Sequence[str]) -> discord.Embed:
    """What an opt-out deletes, asked before anything is deleted."""
    lines = ["This deletes everything Kindling keeps about you in this server:"]
    lines.append(f"• **{preview.reputation}** reputation")
    if badge_names:
        shown = ", ".join(badge_names[:8]) + (
            f" and {len(badge_names) - 8} more" if len(badge_names) > 8 else ""
        )
        lines.append(
            f"• **{len(badge_names)}** badge{'s' if len(badge_names) != 1 else ''}: {shown}"
        )
    else:
        lines.append("• no badges")
    streaks = preview.streaks
    running = [s for s in streaks if s.view.alive]
    if streaks:
        lines.append(
            f"• **{len(streaks)}** shared streak{'s' if len(streaks) != 1 else ''}"
            f" ({len(running)} running):"
        )
        for shared in streaks[:MAX_STREAKS_LISTED]:
            v = shared.view
            what = f"🔥 {_days(v.current)}" if v.alive else f"💤 {_days(v.length)}, ended"
            lines.append(f"  {what} with {user_tag(shared.partner)} (best {v.best})")
        if len(streaks) > MAX_STREAKS_LISTED:
            lines.append(f"  and {len(streaks) - MAX_STREAKS_LISTED} more")
    else:
        lines.append("• no shared streaks")
    lines.append("")
    if running:
        lines.append(
            "A streak belongs to both of you: your partners lose these streaks too. "
            "Those with a running streak are told by DM that it ended."
        )
    lines.append(
        "Kindling then stops tracking you here until you use `/privacy optin`. "
        "Deleted data does not come back."
    )
    embed = discord.Embed(
        title="Delete your Kindling data?", description="\n".join(lines), colour=DANGER
    )
    embed.set_footer(text="Nothing is deleted unless you press Delete my data.")
    return embed


def partner_dm_text(name: str, server: str, length: int) -> str:
    """The DM a partner gets: which streak ended and why (their partner is named: they know
    who they had the streak with, and /streak would say so anyway)."""
    who = discord.utils.escape_markdown(name)
    place = discord.utils.escape_markdown(server)
    return (
        f"💔 Your {length}-day streak with **{who}** in **{place}** "
        "ended because they stopped Kindling tracking them. It's nothing you did; your other "
        "streaks carry on."
    )


class OptOutConfirm(OwnedView):
    refusal = "Only the member who asked to opt out can answer this."

    def __init__(self, cog: PrivacyCog, owner: int, guild: int) -> None:
        super().__init__(owner, CONFIRM_SECONDS)
        self.cog = cog
        self.guild = guild

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[OptOutConfirm]
    ) -> None:
        self.stop()
        bot = self.cog.bot
        ended = await bot.services.privacy.opt_out(self.guild, self.owner, bot.clock.now())
        told = [e for e in ended if e.notify != "off"]
        text = (
            "I deleted your interactions, reputation, badges and streaks here and won't "
            "track you any more. Use `/privacy optin` to take part again."
        )
        if told:
            one = len(told) == 1
            text += (
                f"\n{len(told)} partner{'' if one else 's'} with a running streak "
                f"{'gets' if one else 'get'} a DM saying it ended (if their DMs are open)."
            )
        embed = discord.Embed(title="You're opted out", description=text, colour=OK)
        await interaction.response.edit_message(embed=embed, view=None)
        name = getattr(interaction.user, "display_name", None) or interaction.user.name
        self.cog.tell_partners(self.guild, name, told)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[OptOutConfirm],
    ) -> None:
        log.exception("opt-out confirmation failed", exc_info=error)
        text = "That didn't work. Run `/privacy optout` again to see what is still stored."
        if isinstance(error, DomainError):
            text = str(error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            pass  # the interaction expired: the log has it

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[OptOutConfirm]
    ) -> None:
        self.stop()
        embed = discord.Embed(
            title="Nothing was deleted",
            description="You're still taking part in Kindling here.",
            colour=OK,
        )
        await interaction.response.edit_message(embed=embed, view=None)


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog,
    group_name="privacy",
    group_description="Your data: export it, opt out or in, who sees it",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self._dm_tasks: set[asyncio.Task[None]] = set()
        self._confirmations: weakref.WeakSet[OptOutConfirm] = weakref.WeakSet()
        super().__init__()

    async def cog_unload(self) -> None:
        """Open confirmations stop waiting (nothing is deleted); DMs under way are cut."""
        for view in list(self._confirmations):
            view.stop()
        for task in list(self._dm_tasks):
            task.cancel()
        await self.drain()

    async def drain(self) -> None:
        """Wait until the partners' DMs are sent (tests)."""
        while self._dm_tasks:
            await asyncio.gather(*self._dm_tasks, return_exceptions=True)

    def _name_of(self, guild: discord.Guild | None, user: int) -> str | None:
        member = guild.get_member(user) if guild is not None else None
        if member is not None:
            return member.display_name
        cached = self.bot.get_user(user)
        return cached.display_name if cached is not None else None

    @app_commands.command(name="export", description="Get everything stored about you as JSON")
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        server = interaction.guild
        data = await self.bot.services.privacy.export(
            guild,
            interaction.user.id,
            self.bot.clock.now(),
            lambda user: self._name_of(server, user),
        )
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        file = discord.File(
            io.BytesIO(payload), filename=f"kindling-{guild}-{interaction.user.id}.json"
        )
        embed = discord.Embed(
            title="Your Kindling data",
            description=f"{len(data.get('interactions', []))} interactions, "
            f"{len(data.get('ledger', []))} reputation changes, "
            f"{len(data.get('thanks', []))} thank-yous, "
            f"{len(data.get('streaks', []))} streaks, "
            f"{len(data.get('challenges', []))} challenges, "
            f"{len(data.get('badges', []))} badges.",
            colour=OK,
        )
        await interaction.response.send_message(embed=embed, file=file, ephemeral=True)

    @app_commands.command(name="optout", description="Stop tracking me and delete my activity")
    async def optout(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        user = interaction.user.id
        if (await self.bot.reads.member(guild, user)).opted_out:
            raise DomainError("You're already opted out here. `/privacy optin` takes part again.")
        privacy = self.bot.services.privacy
        preview = await privacy.optout_preview(guild, user, self.bot.clock.now())
        definitions = await self.bot.services.badges.definitions(guild)
        badges = [
            f"{definitions[key].emoji} {definitions[key].name}" if key in definitions else key
            for key in preview.badges
        ]
        view = OptOutConfirm(self, user, guild)
        self._confirmations.add(view)
        await interaction.response.send_message(
            embed=optout_embed(preview, badges),
            view=view,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        view.message = await interaction.original_response()

    def tell_partners(self, guild: int, name: str, ended: Sequence[EndedStreak]) -> None:
        """DM each partner whose running streak the opt-out ended, paced, in the background."""
        if not ended:
            return
        task = asyncio.create_task(
            self._tell_partners(guild, name, list(ended)), name=f"kindling-optout-{guild}"
        )
        self._dm_tasks.add(task)
        task.add_done_callback(self._dm_tasks.discard)

    async def _tell_partners(self, guild: int, name: str, ended: list[EndedStreak]) -> None:
        server = getattr(self.bot.get_guild(guild), "name", "your server")
        for count, streak in enumerate(ended):
            if count:
                await asyncio.sleep(DM_PACE)
            try:
                partner = self.bot.get_user(streak.partner) or await self.bot.fetch_user(
                    streak.partner
                )
                await partner.send(
                    partner_dm_text(name, server, streak.length),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except (discord.Forbidden, discord.NotFound):
                log.info("partner %s not told of an ended streak: DMs closed", streak.partner)
            except discord.HTTPException as exc:
                log.warning("partner %s not told of an ended streak: %s", streak.partner, exc)
            else:
                log.info("partner %s told their %s-day streak ended", streak.partner, streak.length)

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
