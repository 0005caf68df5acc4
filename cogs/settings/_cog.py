"""/settings show|timezone|channels|reminders|points|limits|leaderboard (moderators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import DomainError, InvalidSetting
from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import all_timezones, check_timezone
from cogs._common import (
    BRAND,
    ModeratorGroup,
    check_emoji,
    given,
    guild_config,
    guild_of,
    sentence,
)

if TYPE_CHECKING:
    from bot.app import KindlingBot

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "daily"]
Board = Literal["streaks", "best", "reputation", "weekly", "monthly", "challenge"]


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    needle = current.lower().replace(" ", "_")
    hits = [z for z in all_timezones() if needle in z.lower()]
    hits.sort(key=lambda z: (not z.lower().startswith(needle), len(z), z))
    return [app_commands.Choice(name=z, value=z) for z in hits[:25]]


def can_post(channel: discord.TextChannel) -> None:
    """The bot can post embeds there, or a clear error that says what to grant."""
    me = channel.guild.me
    perms = channel.permissions_for(me) if me else None
    if perms is None or not (perms.send_messages and perms.embed_links and perms.view_channel):
        raise DomainError(
            f"I can't post embeds in {channel.mention}: give me View "
            "Channel, Send Messages and Embed Links there."
        )


def _channel(value: int | None) -> str:
    return f"<#{value}>" if value else "not set"


def _clip(text: str, limit: int = 1024) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def settings_embed(settings: Any, config: GuildConfig) -> discord.Embed:
    embed = discord.Embed(title="⚙️ Kindling settings", colour=BRAND)
    embed.add_field(name="Time zone", value=settings.timezone)
    embed.add_field(
        name="Streaks",
        value=f"{settings.streak_mode} · "
        f"{', '.join(settings.streak_kinds)} · kudos {settings.kudos_emoji}",
    )
    p = settings.points
    embed.add_field(
        name="Points",
        inline=False,
        value=f"reply {p.reply} · mention {p.mention} · reaction {p.reaction} · "
        f"kudos {p.kudos} · streak day {p.streak_day}",
    )
    lim = settings.limits
    embed.add_field(
        name="Limits",
        inline=False,
        value=(
            f"cooldown {lim.cooldown_seconds}s · min chars {lim.min_message_chars} · "
            f"min member age {lim.min_member_age_days}d · per partner/day "
            f"{lim.interactions_per_partner_per_day} · kudos/day {lim.kudos_per_day} · "
            f"pair cap {lim.pair_daily_cap} · daily cap {lim.member_daily_cap} · "
            f"max freezes {lim.max_freezes}"
        ),
    )
    embed.add_field(
        name="Channels",
        inline=False,
        value=(
            f"reminders {_channel(config.reminder_channel)} · announcements "
            f"{_channel(config.announcement_channel)} · leaderboard "
            f"{_channel(config.leaderboard_channel)}"
        ),
    )
    tracked = (
        "all text channels"
        if not config.channel_allow
        else " ".join(f"<#{c}>" for c in config.channel_allow)
    )
    ignored = " ".join(f"<#{c}>" for c in config.channel_deny) or "none"
    embed.add_field(name="Tracking", inline=False, value=_clip(f"{tracked} · ignored: {ignored}"))
    embed.add_field(
        name="Reminders",
        value=(
            f"{'on' if config.reminders_enabled else 'off'} at {config.reminder_hour:02d}:00 · "
            f"streaks ≥ {config.reminder_min_streak}"
        ),
    )
    embed.add_field(
        name="Leaderboard post",
        value=(
            f"{'on' if config.leaderboard_enabled else 'off'} · {config.leaderboard_board} · "
            f"{config.leaderboard_day} {config.leaderboard_hour:02d}:00"
        ),
    )
    role = f"<@&{config.moderator_role}>" if config.moderator_role else "Manage Server only"
    embed.add_field(name="Moderators", value=role)
    mode = {"hold": "hold points", "flag": "flag only", "off": "off"}[settings.review_mode]
    where = (
        f"flags posted in {_channel(config.review_channel)}"
        if config.review_channel
        else "no review channel set: flags wait in `/mod review`"
    )
    embed.add_field(
        name="Authenticity review",
        inline=False,
        value=f"{mode} · last {settings.review_window_days} days · {where}"
        if settings.review_mode != "off"
        else "off",
    )
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(
    ModeratorGroup,
    commands.GroupCog,
    group_name="settings",
    group_description="Moderators: configure Kindling for this server",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        super().__init__()

    async def _reply(self, interaction: discord.Interaction, what: str) -> None:
        guild = guild_of(interaction)
        settings = await self.bot.services.settings.settings(guild)
        config = await guild_config(self.bot, guild)
        await interaction.response.send_message(
            content=f"✅ {what}", embed=settings_embed(settings, config), ephemeral=True
        )

    async def _change(self, interaction: discord.Interaction, changes: dict[str, Any]) -> None:
        guild = guild_of(interaction)
        try:
            await self.bot.services.settings.change_settings(
                guild, changes, interaction.user.id, self.bot.clock.now()
            )
        except InvalidSetting as exc:
            raise DomainError(f"Not changed: {exc}.") from None

    async def _configure(self, interaction: discord.Interaction, **changes: Any) -> None:
        guild = guild_of(interaction)
        try:
            await self.bot.services.settings.configure(
                guild, changes, interaction.user.id, self.bot.clock.now()
            )
        except InvalidSetting as exc:
            raise DomainError(f"Not changed: {exc}.") from None

    @app_commands.command(name="show", description="Show every Kindling setting of this server")
    async def show(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        settings = await self.bot.services.settings.settings(guild)
        config = await guild_config(self.bot, guild)
        await interaction.response.send_message(
            embed=settings_embed(settings, config), ephemeral=True
        )

    @app_commands.command(name="timezone", description="The server's time zone (when days start)")
    @app_commands.describe(timezone="An IANA time zone, e.g. Europe/Amsterdam")
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, timezone: str) -> None:
        try:
            check_timezone(timezone)
        except ValueError as exc:
            raise DomainError(sentence(str(exc))) from None
        await self._change(interaction, {"timezone": timezone})
        await self._reply(interaction, f"Time zone is now {timezone}.")

    @app_commands.command(name="channels", description="Where the bot posts and what it tracks")
    @app_commands.describe(
        reminders="Channel for streak reminders",
        announcements="Channel for badges/challenges",
        leaderboard="Channel for the leaderboard post",
        track="Track only this channel (toggles; none = all)",
        ignore="Never track this channel (toggles)",
        moderator_role="Role that may use moderator commands",
    )
    async def channels(
        self,
        interaction: discord.Interaction,
        reminders: discord.TextChannel | None = None,
        announcements: discord.TextChannel | None = None,
        leaderboard: discord.TextChannel | None = None,
        track: discord.TextChannel | None = None,
        ignore: discord.TextChannel | None = None,
        moderator_role: discord.Role | None = None,
    ) -> None:
        guild = guild_of(interaction)
        config = await guild_config(self.bot, guild)
        changes: dict[str, Any] = {}
        for key, channel in (
            ("reminder_channel", reminders),
            ("announcement_channel", announcements),
            ("leaderboard_channel", leaderboard),
        ):
            if channel is not None:
                can_post(channel)
                changes[key] = channel.id
        if track is not None:
            allow = set(config.channel_allow or [])
            allow ^= {track.id}
            changes["channel_allow"] = sorted(allow) or None
        if ignore is not None:
            deny = set(config.channel_deny) ^ {ignore.id}
            changes["channel_deny"] = sorted(deny)
        if moderator_role is not None:
            changes["moderator_role"] = moderator_role.id
        await self._configure(interaction, **given(**changes))
        await self._reply(interaction, "Channels updated.")

    @app_commands.command(name="reminders", description="When streak reminders are posted")
    @app_commands.describe(
        hour="Local hour 0-23",
        min_streak="Only streaks at least this long",
        enabled="Post reminders at all",
    )
    async def reminders(
        self,
        interaction: discord.Interaction,
        hour: app_commands.Range[int, 0, 23] | None = None,
        min_streak: app_commands.Range[int, 1, 365] | None = None,
        enabled: bool | None = None,
    ) -> None:
        changes = given(
            reminder_hour=hour, reminder_min_streak=min_streak, reminders_enabled=enabled
        )
        await self._configure(interaction, **changes)
        await self._reply(interaction, "Reminders updated.")

    @app_commands.command(name="points", description="Points per kind of interaction")
    @app_commands.describe(
        reply="Points for a reply",
        mention="Points for a mention",
        reaction="Points for a reaction",
        kudos="Points for kudos",
        streak_day="Points when a pair's day qualifies",
    )
    async def points(
        self,
        interaction: discord.Interaction,
        reply: app_commands.Range[int, 0, 1000] | None = None,
        mention: app_commands.Range[int, 0, 1000] | None = None,
        reaction: app_commands.Range[int, 0, 1000] | None = None,
        kudos: app_commands.Range[int, 0, 1000] | None = None,
        streak_day: app_commands.Range[int, 0, 1000] | None = None,
    ) -> None:
        changes = given(
            reply=reply, mention=mention, reaction=reaction, kudos=kudos, streak_day=streak_day
        )
        await self._change(interaction, {"points": changes})
        await self._reply(interaction, "Points updated.")

    @app_commands.command(name="limits", description="Anti-abuse limits and streak rules")
    @app_commands.describe(
        cooldown_seconds="Seconds between paid interactions of a pair",
        min_message_chars="Shortest message that counts",
        min_member_age_days="Days a new member waits before earning",
        interactions_per_partner_per_day="Paid interactions per partner a day",
        kudos_per_day="Kudos a member may give a day",
        pair_daily_cap="Points per partner a day",
        member_daily_cap="Points per member a day",
        max_freezes="Streak freezes one can hold",
        streak_mode="mutual: both ways each day; any: either way",
        kudos_emoji="Reaction emoji that gives kudos",
    )
    async def limits(
        self,
        interaction: discord.Interaction,
        cooldown_seconds: app_commands.Range[int, 0, 86400] | None = None,
        min_message_chars: app_commands.Range[int, 0, 200] | None = None,
        min_member_age_days: app_commands.Range[int, 0, 365] | None = None,
        interactions_per_partner_per_day: app_commands.Range[int, 0, 1000] | None = None,
        kudos_per_day: app_commands.Range[int, 0, 100] | None = None,
        pair_daily_cap: app_commands.Range[int, 0, 100000] | None = None,
        member_daily_cap: app_commands.Range[int, 0, 100000] | None = None,
        max_freezes: app_commands.Range[int, 0, 30] | None = None,
        streak_mode: Literal["mutual", "any"] | None = None,
        kudos_emoji: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        limits = {
            k: v
            for k, v in {
                "cooldown_seconds": cooldown_seconds,
                "min_message_chars": min_message_chars,
                "min_member_age_days": min_member_age_days,
                "interactions_per_partner_per_day": interactions_per_partner_per_day,
                "kudos_per_day": kudos_per_day,
                "pair_daily_cap": pair_daily_cap,
                "member_daily_cap": member_daily_cap,
                "max_freezes": max_freezes,
            }.items()
            if v is not None
        }
        changes = given(
            limits=limits or None,
            streak_mode=streak_mode,
            kudos_emoji=check_emoji(interaction, kudos_emoji) if kudos_emoji is not None else None,
        )
        await self._change(interaction, changes)
        await self._reply(interaction, "Limits updated.")

    @app_commands.command(
        name="leaderboard", description="When and what the leaderboard post shows"
    )
    @app_commands.describe(
        board="Which board to post",
        day="Day of week, or daily",
        hour="Local hour 0-23",
        enabled="Post it at all",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        board: Board | None = None,
        day: Day | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        enabled: bool | None = None,
    ) -> None:
        changes = given(
            leaderboard_board=board,
            leaderboard_day=day,
            leaderboard_hour=hour,
            leaderboard_enabled=enabled,
        )
        await self._configure(interaction, **changes)
        await self._reply(interaction, "Leaderboard post updated.")

    @app_commands.command(
        name="review", description="Authenticity review: hold, flag only or off; where flags go"
    )
    @app_commands.describe(
        mode="hold: flagged members' points wait for a decision; flag: only tell; off: no review",
        window_days="Days of activity each review pass looks at (1-90)",
        channel="Moderators-only channel where new flags are posted",
    )
    async def review(
        self,
        interaction: discord.Interaction,
        mode: Literal["hold", "flag", "off"] | None = None,
        window_days: app_commands.Range[int, 1, 90] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        given(mode=mode, window_days=window_days, channel=channel)
        if channel is not None:
            can_post(channel)
            if channel.permissions_for(channel.guild.default_role).view_channel:
                raise DomainError(
                    f"{channel.mention} is visible to everyone. Flags name members: pick a "
                    "channel only moderators can see."
                )
            await self._configure(interaction, review_channel=channel.id)
        changes = (
            given(review_mode=mode, review_window_days=window_days)
            if (mode is not None or window_days is not None)
            else {}
        )
        if changes:
            await self._change(interaction, changes)
        await self._reply(interaction, "Authenticity review updated.")
