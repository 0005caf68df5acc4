"""/badges [member] and /badge create|grant|revoke|link-role."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.engine import BadgeAward
from bot.domain.errors import DomainError
from bot.services.badges import BadgeDef
from cogs._common import (
    BRAND,
    OK,
    ModeratorGroup,
    check_emoji,
    guild_config,
    guild_of,
    kbot,
    user_tag,
)
from cogs._ui import PAGE_SIZE, PagerView, check_visible, page_count
from cogs.badges._roles import invoker_problem, role_problem, set_role

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)

ANNOUNCE_WITHIN = timedelta(days=2)  # older awards (a history import) get roles, no post


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"custom-{text[:40]}" if text else ""


async def badge_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    defs = await kbot(interaction).services.badges.definitions(interaction.guild_id)
    needle = current.lower()
    hits = [d for d in defs.values() if needle in d.key or needle in d.name.lower()]
    return [app_commands.Choice(name=f"{d.emoji} {d.name}"[:100], value=d.key) for d in hits[:25]]


class BadgesCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()  # guilds with awards since their delivery last looked
        self._delivering: set[int] = set()  # guilds whose delivery is under way
        self.bot.services.badges.add_listener(self.on_badges)
        self.bot.services.badges.add_revoke_listener(self.on_revoked)
        # deliveries owed from before a restart (a crash between award and delivery)
        self._startup = asyncio.create_task(self._deliver_owed(), name="kindling-badges-owed")

    async def cog_unload(self) -> None:
        """Deliver what is still owed (the gateway is still open when cogs unload); what is
        left stays owed in the store for the next start."""
        self.bot.services.badges.remove_listener(self.on_badges)
        self.bot.services.badges.remove_revoke_listener(self.on_revoked)
        self._startup.cancel()
        waiting = list(self._timers)
        for guild_id, task in list(self._timers.items()):
            if guild_id in self._delivering:
                # never cut a delivery between its announcement and its "delivered" mark
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(task), timeout=5)
            else:
                task.cancel()
        self._timers.clear()
        for guild_id in sorted({*waiting, *self._dirty}):
            try:
                await asyncio.wait_for(self._deliver(guild_id), timeout=5)
            except (TimeoutError, discord.HTTPException) as exc:
                log.warning("badge deliveries of %s left owed at shutdown: %s", guild_id, exc)

    async def _deliver_owed(self) -> None:
        await self.bot.wait_until_ready()
        for guild_id in await self.bot.services.badges.guilds_owed():
            if self.bot.owns(guild_id):  # another process delivers its own shards' badges
                self._schedule(guild_id, 0.0)

    def on_badges(self, awards: list[BadgeAward]) -> None:
        """New badges are gathered per guild and delivered `badge_announce_seconds` after the
        first one, so a burst of fifty awards becomes one message, not fifty. What is owed
        is read from the store, so nothing waits only in memory."""
        for guild_id in {award.guild for award in awards}:
            self._dirty.add(guild_id)
            self._schedule(guild_id, self.bot.settings.badge_announce_seconds)

    def _schedule(self, guild_id: int, delay: float) -> None:
        if guild_id not in self._timers:
            self._timers[guild_id] = asyncio.create_task(
                self._deliver_later(guild_id, delay), name=f"kindling-badges-{guild_id}"
            )

    async def on_revoked(self, revoked: list[BadgeAward]) -> None:
        """Badges taken back without a moderator's command (a review hold): their roles go."""
        for award in revoked:
            guild = self.bot.get_guild(award.guild)
            if guild is None:
                continue
            definition = (await self.bot.services.badges.definitions(award.guild)).get(award.badge)
            if definition is None or definition.role_id is None:
                continue
            try:
                await set_role(
                    guild, award.user, definition.role_id, False, f"badge {award.badge} held"
                )
            except (DomainError, discord.HTTPException) as exc:
                log.warning("could not take role for %s in %s: %s", award.badge, award.guild, exc)

    async def drain(self) -> None:
        """Wait for every gathered announcement to be delivered (tests and the demo)."""
        while self._timers:
            await asyncio.gather(*self._timers.values(), return_exceptions=True)

    async def _deliver_later(self, guild_id: int, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            # until nothing is owed: awards arriving while one delivery posts are not left
            # behind (the flag is set by the listener, after the award committed)
            while True:
                self._dirty.discard(guild_id)
                self._delivering.add(guild_id)
                try:
                    delivered = await self._deliver(guild_id)
                finally:
                    self._delivering.discard(guild_id)
                if not delivered and guild_id not in self._dirty:
                    break
        except Exception:
            log.exception("delivering badges in guild %s failed", guild_id)
        finally:
            self._timers.pop(guild_id, None)

    async def _deliver(self, guild_id: int) -> bool:
        """Give linked roles and post one announcement for what the store says is owed;
        True when something was delivered. A role awarded by a moderator's action is given
        only if that moderator could give it themselves (as /badge grant checks)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return False  # not available now: it stays owed
        badges = self.bot.services.badges
        owed = await badges.owed(guild_id)
        if not owed:
            return False
        defs = await badges.definitions(guild_id)
        for item in owed:
            definition = defs.get(item.badge)
            if definition is None or definition.role_id is None:
                continue
            role = guild.get_role(definition.role_id)
            if role is not None and item.actor is not None:
                actor = guild.get_member(item.actor)
                problem = (
                    invoker_problem(actor, role)
                    if actor is not None
                    else "the moderator is no longer in the server"
                )
                if problem:
                    log.warning(
                        "badge %s of %s in %s kept without its role %s: awarded by moderator "
                        "%s, who may not give it (%s)",
                        item.badge,
                        item.user,
                        guild_id,
                        role.id,
                        item.actor,
                        problem,
                    )
                    continue
            try:
                await set_role(
                    guild, item.user, definition.role_id, True, f"earned badge {item.badge}"
                )
            except (DomainError, discord.HTTPException) as exc:
                log.warning("could not give role for %s in %s: %s", item.badge, guild_id, exc)
        now = self.bot.clock.now()
        fresh = [
            BadgeAward(i.guild, i.user, i.badge, i.awarded_at, i.actor)
            for i in owed
            if now - i.awarded_at <= ANNOUNCE_WITHIN  # imported history is not announced
        ]
        if fresh:
            await self._announce(guild, fresh, defs)
        await badges.delivered([i.id for i in owed], now)
        return True

    async def _announce(
        self, guild: discord.Guild, items: list[BadgeAward], defs: dict[str, BadgeDef]
    ) -> None:
        config = await guild_config(self.bot, guild.id)
        if config.announcement_channel is None:
            return
        channel = guild.get_channel(config.announcement_channel)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            return
        rows = await self.bot.reads.members_with(guild.id, sorted({a.user for a in items}))
        lines = []
        for award in items:
            member = rows.get(award.user)
            if member is not None and member.visibility != "public":
                continue
            d = defs.get(award.badge)
            label = f"{d.emoji} **{d.name}**" if d else award.badge
            lines.append(f"{user_tag(award.user)} earned {label}")
        if not lines:
            return
        text = "\n".join(lines)
        embed = discord.Embed(title="🎉 New badges", description=text[:4000], colour=BRAND)
        try:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not announce badges in %s: %s", guild.id, exc)

    @app_commands.command(name="badges", description="Badges you or a member have earned")
    @app_commands.describe(member="Whose badges to show (default: yours)")
    @app_commands.guild_only()
    async def badges(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        guild = guild_of(interaction)
        target = member or interaction.user
        await check_visible(interaction, target)
        held = await self.bot.services.badges.held(guild, target.id)
        defs = await self.bot.services.badges.definitions(guild)
        title = f"🏅 Badges of {target.display_name}"[:256]
        lines = []
        for h in held:
            d = defs.get(h.key)
            name = f"{d.emoji} **{d.name}** — {d.description}" if d else h.key
            lines.append(f"{name} · <t:{int(h.awarded_at.timestamp())}:d>"[:380])

        async def render(page: int) -> tuple[discord.Embed, int]:
            embed = discord.Embed(title=title, colour=BRAND)
            shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            embed.description = (
                "\n".join(shown)
                if shown
                else "No badges yet. Keep a streak for 3 days to earn the first one."
            )
            return embed, page_count(len(lines))

        if len(lines) <= PAGE_SIZE:
            embed, _ = await render(0)
            await interaction.response.send_message(embed=embed)
            return
        view = PagerView(
            interaction.user.id,
            render,
            refusal="Only the person who opened this list can turn its pages. "
            "Run `/badges` to get your own.",
        )
        embed = await view.open(0)
        await interaction.response.send_message(embed=embed, view=view)
        view.message = await interaction.original_response()


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class BadgeAdminCog(
    ModeratorGroup,
    commands.GroupCog,
    group_name="badge",
    group_description="Moderators: create, grant and revoke badges",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        super().__init__()

    async def _definition(self, guild: int, key: str) -> BadgeDef:
        defs = await self.bot.services.badges.definitions(guild)
        if key not in defs:
            raise DomainError(f"There is no badge `{key[:60]}`. Pick one from the list.")
        return defs[key]

    @app_commands.command(name="create", description="Create a custom badge")
    @app_commands.describe(
        name="Badge name", emoji="An emoji for it", description="What it is given for"
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 40],
        emoji: app_commands.Range[str, 1, 64] = "🏅",
        description: app_commands.Range[str, 0, 200] = "",
    ) -> None:
        guild = guild_of(interaction)
        emoji = check_emoji(interaction, emoji)
        key = slug(name)
        if not key:
            raise DomainError("Use letters or digits in the badge name.")
        defs = await self.bot.services.badges.definitions(guild)
        if key in defs:
            raise DomainError(f"A badge `{key}` already exists.")
        clean = discord.utils.escape_mentions(name)
        await self.bot.services.badges.define(
            guild,
            BadgeDef(key, clean, emoji, discord.utils.escape_mentions(description), None, True),
            interaction.user.id,
            "badge.create",
            {"badge": key, "name": clean},
            self.bot.clock.now(),
        )
        await interaction.response.send_message(
            embed=discord.Embed(description=f"Created {emoji} **{clean}** (`{key}`).", colour=OK),
            ephemeral=True,
        )

    @app_commands.command(name="grant", description="Give a member a badge")
    @app_commands.describe(member="Who gets it", badge="Which badge")
    @app_commands.autocomplete(badge=badge_autocomplete)
    async def grant(
        self, interaction: discord.Interaction, member: discord.Member, badge: str
    ) -> None:
        guild = guild_of(interaction)
        if member.bot:
            raise DomainError("Bots can't hold badges.")
        d = await self._definition(guild, badge)
        if d.role_id is not None and interaction.guild is not None:
            role = interaction.guild.get_role(d.role_id)
            if role is not None and (
                problem := role_problem(interaction.guild, role)
                or invoker_problem(interaction.user, role)
            ):
                raise DomainError(problem)
        if not await self.bot.services.badges.grant(
            guild, member.id, badge, interaction.user.id, self.bot.clock.now()
        ):
            raise DomainError(f"{member.display_name} already has {d.emoji} {d.name}.")
        await interaction.response.send_message(
            embed=discord.Embed(
                description=f"Gave {d.emoji} **{d.name}** to {member.mention}.", colour=OK
            ),
            ephemeral=True,
        )

    @app_commands.command(name="revoke", description="Take a badge from a member")
    @app_commands.describe(member="Who loses it", badge="Which badge")
    @app_commands.autocomplete(badge=badge_autocomplete)
    async def revoke(
        self, interaction: discord.Interaction, member: discord.Member, badge: str
    ) -> None:
        guild = guild_of(interaction)
        d = await self._definition(guild, badge)
        if not await self.bot.services.badges.revoke(
            guild, member.id, badge, interaction.user.id, self.bot.clock.now()
        ):
            raise DomainError(f"{member.display_name} doesn't have {d.emoji} {d.name}.")
        note = ""
        if d.role_id is not None and interaction.guild is not None:
            try:
                await set_role(
                    interaction.guild, member.id, d.role_id, False, f"badge {badge} revoked"
                )
            except DomainError as exc:
                note = f"\n⚠️ The badge is gone but I couldn't take the role: {exc}"
        await interaction.response.send_message(
            embed=discord.Embed(
                description=f"Took {d.emoji} **{d.name}** from {member.mention}.{note}", colour=OK
            ),
            ephemeral=True,
        )

    @app_commands.command(name="link-role", description="Give a role with a badge")
    @app_commands.describe(badge="Which badge", role="The role to give (leave empty to unlink)")
    @app_commands.autocomplete(badge=badge_autocomplete)
    async def link_role(
        self, interaction: discord.Interaction, badge: str, role: discord.Role | None = None
    ) -> None:
        guild = guild_of(interaction)
        d = await self._definition(guild, badge)
        if role is not None and interaction.guild is not None:
            problem = role_problem(interaction.guild, role) or invoker_problem(
                interaction.user, role
            )
            if problem:
                raise DomainError(problem)
        await self.bot.services.badges.define(
            guild,
            BadgeDef(d.key, d.name, d.emoji, d.description, role.id if role else None, d.custom),
            interaction.user.id,
            "badge.link-role",
            {"badge": badge, "role": role.id if role else None},
            self.bot.clock.now(),
        )
        text = (
            f"{d.emoji} **{d.name}** now gives {role.mention}."
            if role
            else f"{d.emoji} **{d.name}** no longer gives a role."
        )
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=OK), ephemeral=True
        )
