"""/profile: reputation, rank, badges, best streaks, top partners, recent activity; as an
image card (with the same facts in the embed's text) unless the member chose text."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.domain.calendar import CalendarDays
from bot.images.cards import ProfileCard, StreakLine
from cogs._cards import calendar_of, drawn, wants_pictures
from cogs._common import BRAND, guild_of, user_tag
from cogs._ui import check_visible

if TYPE_CHECKING:
    from bot.app import KindlingBot
    from bot.reads import PairView

log = logging.getLogger(__name__)

POINTS_DAYS = 14
CARD_FILE = "profile.png"
AVATAR_SECONDS = 1.5
AVATAR_SIZE = 128
AVATARS_KEPT = 256
DISCORD_API_HOST = "discord.com"
DISCORD_CDN_HOST = "cdn.discordapp.com"

CARD_CHOICES = [
    app_commands.Choice(name="Picture card", value="image"),
    app_commands.Choice(name="Text only", value="text"),
]
CARD_SAVED = {
    "image": "Your cards show as pictures from now on.",
    "text": "Your cards show as text only from now on (`/profile cards:Picture card` to undo).",
}


def activity_text(days: CalendarDays, points: int) -> str:
    """The heatmap in words, for screen readers and clients that hide images."""
    shown = [i for i in range(len(days.counts)) if days.first + timedelta(days=i) <= days.today]
    active = sum(1 for i in shown if days.counts[i] > 0)
    week = sum(1 for i in shown[-days.today.weekday() - 1 :] if days.counts[i] > 0)
    frozen = sum(1 for i in shown if days.frozen[i])
    today = "done ✅" if shown and days.counts[shown[-1]] > 0 else "not yet"
    lines = [
        f"**{active}** streak day{'s' if active != 1 else ''} · **{week}** this week",
        f"Today: {today}",
    ]
    if frozen:
        lines.append(f"❄️ {frozen} day{'s' if frozen != 1 else ''} covered by freezes")
    lines.append(f"**{points}** points in the last {POINTS_DAYS} days")
    return "\n".join(lines)


def card_alt(card: ProfileCard) -> str:
    """The picture's alt text: what it shows, in one sentence (Discord allows 1,024)."""
    rank = f", rank #{card.rank}" if card.rank else ""
    cal = card.calendar
    active = sum(1 for i, c in enumerate(cal.counts) if c > 0 and cal.day(i) <= cal.today)
    streaks = "; ".join(
        f"{s.current or s.best} days with {s.partner}{'' if s.current else ' (ended)'}"
        for s in card.streaks
    )
    text = (
        f"Profile card of {card.name}: {card.reputation:,} reputation{rank}, "
        f"{len(card.badges)} badge{'s' if len(card.badges) != 1 else ''}, "
        f"{active} streak day{'s' if active != 1 else ''} in the last 12 weeks"
        + (f"; streaks: {streaks}" if streaks else "")
    )
    return text[:1024]


def avatar_allowed(url: str) -> bool:
    """An avatar is fetched only from where the bot's API is: Discord's CDN when the bot
    talks to Discord, else the configured API host itself (a local sandbox), never a
    third host."""
    host = yarl.URL(url).host
    api = yarl.URL(discord.http.Route.BASE)
    if host is None or api.host is None:
        return False
    if host == api.host and yarl.URL(url).port == api.port:
        return True
    return api.host == DISCORD_API_HOST and host == DISCORD_CDN_HOST


class ProfileCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self._avatars: OrderedDict[str, bytes | None] = OrderedDict()
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
    @app_commands.describe(
        member="Whose profile to show (default: yours)",
        cards="Show your cards as a picture or as text only (kept for next time)",
    )
    @app_commands.choices(cards=CARD_CHOICES)
    @app_commands.guild_only()
    async def profile(
        self,
        interaction: discord.Interaction,
        member: discord.Member | None = None,
        cards: app_commands.Choice[str] | None = None,
    ) -> None:
        saved = None
        target = member or interaction.user
        if cards is not None:
            # a profile that cannot be shown is refused before the choice is kept: an error
            # reply never leaves a change behind
            await check_visible(interaction, target)
            if cards.value not in CARD_SAVED:  # choices are checked client-side only
                cards = CARD_CHOICES[0]
            await self.bot.services.privacy.set_preference(
                guild_of(interaction), interaction.user.id, "cards", cards.value
            )
            saved = CARD_SAVED[cards.value]
        await self.show(interaction, target, ephemeral=False, saved=saved)

    async def show(
        self,
        interaction: discord.Interaction,
        target: discord.Member | discord.User,
        ephemeral: bool,
        saved: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        await check_visible(interaction, target)
        bot = self.bot
        pictures = await wants_pictures(bot, guild, interaction.user.id)
        if pictures:
            # reads, the avatar and the drawing together may pass Discord's 3 s
            await interaction.response.defer(ephemeral=ephemeral)
        now = bot.clock.now()
        row = await bot.reads.member(guild, target.id)
        rank = await bot.reads.reputation_rank(guild, row.reputation) if row.reputation else None
        held = await bot.services.badges.held(guild, target.id)
        defs = await bot.services.badges.definitions(guild)
        pairs = await bot.reads.member_streaks(guild, target.id, now)
        today = await bot.reads.today(guild, now)
        start = today - timedelta(days=POINTS_DAYS - 1)
        per_day = await bot.reads.activity(guild, target.id, now - timedelta(days=POINTS_DAYS + 1))
        points = sum(
            per_day.get((start + timedelta(days=i)).isoformat(), 0) for i in range(POINTS_DAYS)
        )
        days = await bot.reads.calendar(guild, target.id, now)
        hidden = set(await bot.reads.hidden(guild))

        def partner(p: PairView) -> str:
            """A partner who keeps their stats private (or opted out) is not named."""
            other = p.partner_of(target.id)
            return "a member" if other in hidden else user_tag(other)

        embed = discord.Embed(title=f"✨ {target.display_name}", colour=BRAND)
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
                    f"🔥 {p.view.current} with {partner(p)}" for p in running
                ),
            )
        best = sorted(pairs, key=lambda p: -p.view.best)[:3]
        if best:
            embed.add_field(
                name="Best streaks",
                value="\n".join(
                    f"🏆 {p.view.best} with {partner(p)}" for p in best
                ),
            )
        partners = sorted(
            (p for p in pairs if p.partner_of(target.id) not in hidden),
            key=lambda p: (-p.view.best - p.view.current, p.partner_of(target.id)),
        )[:5]
        if partners:
            embed.add_field(
                name="Top partners",
                value=" ".join(user_tag(p.partner_of(target.id)) for p in partners),
                inline=False,
            )
        embed.add_field(name="Last 12 weeks", value=activity_text(days, points), inline=False)
        if saved:
            embed.set_footer(text=saved)

        png = None
        if pictures:
            badge_names = tuple(defs[h.key].name if h.key in defs else h.key for h in held)
            card = ProfileCard(
                name=target.display_name,
                reputation=row.reputation,
                rank=rank,
                # shades by how many pairs qualified; running days are marked on pair cards
                calendar=calendar_of(days, with_run=False),
                badges=badge_names,
                streaks=await self._streak_lines(interaction, target.id, pairs),
                avatar=await self._avatar(target),
            )
            png = await drawn(bot.renderer.profile(card), "profile")
        if png is None:
            embed.set_thumbnail(url=target.display_avatar.url)
            if pictures:  # deferred: the reply is filled in
                await interaction.edit_original_response(embed=embed)
            else:
                await interaction.response.send_message(embed=embed, ephemeral=ephemeral)
            return
        embed.set_image(url=f"attachment://{CARD_FILE}")
        await interaction.edit_original_response(
            embed=embed,
            attachments=[
                discord.File(fp=io.BytesIO(png), filename=CARD_FILE, description=card_alt(card))
            ],
        )

    async def _streak_lines(
        self, interaction: discord.Interaction, user: int, pairs: list[PairView]
    ) -> tuple[StreakLine, ...]:
        """Running streaks first, then the best ended ones; partners who keep their stats
        private or opted out are not named."""
        guild = guild_of(interaction)
        hidden = set(await self.bot.reads.hidden(guild))
        ordered = sorted(pairs, key=lambda p: (p.view.current <= 0, -p.view.current, -p.view.best))
        lines = []
        for p in ordered[:3]:
            if p.view.best <= 0:
                continue
            partner = p.partner_of(user)
            member = interaction.guild.get_member(partner) if interaction.guild else None
            name = "a member" if partner in hidden or member is None else member.display_name
            lines.append(StreakLine(name, p.view.current, p.view.best, p.view.freezes))
        return tuple(lines)

    async def _avatar(self, user: discord.Member | discord.User) -> bytes | None:
        """The member's own avatar (128 px), from the API's host only, or None (the card
        draws an initial disc): no custom avatar, another host, slow or failing."""
        if user.display_avatar == user.default_avatar:
            return None
        asset = user.display_avatar.with_static_format("png").with_size(AVATAR_SIZE)
        url = asset.url
        if url in self._avatars:
            self._avatars.move_to_end(url)
            return self._avatars[url]
        data: bytes | None = None
        if avatar_allowed(url):
            try:
                data = await asyncio.wait_for(asset.read(), AVATAR_SECONDS)
            except (TimeoutError, discord.DiscordException, aiohttp.ClientError, ValueError):
                log.info("avatar of %s not fetched; drawing a disc", user.id)
        self._avatars[url] = data
        while len(self._avatars) > AVATARS_KEPT:
            self._avatars.popitem(last=False)
        return data
