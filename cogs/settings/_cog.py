"""/settings show|timezone|channels|reminders|points|limits|leaderboard (moderators)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import timezones
from bot.domain.checklist import open_items
from bot.domain.errors import DomainError, InvalidSetting
from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings, check_timezone
from cogs._common import (
    BRAND,
    OK,
    ModeratorGroup,
    check_emoji,
    given,
    guild_config,
    guild_of,
    kbot,
)
from cogs.settings import _render as render

if TYPE_CHECKING:
    from bot.app import KindlingBot

SettingsPair = tuple[GuildSettings, GuildSettings]
ConfigPair = tuple[GuildConfig, GuildConfig]


def _choices(labels: dict[str, str]) -> list[app_commands.Choice[str]]:
    """Human words shown, the spec's value sent."""
    return [app_commands.Choice(name=label, value=value) for value, label in labels.items()]


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Common zones first; by name, city or offset ("+5:30", "UTC-3"); each with its UTC
    offset and local time now."""
    now = kbot(interaction).clock.now()
    return [
        app_commands.Choice(name=c.label, value=c.value)
        for c in timezones.suggest(current[:100], now)
    ]


def can_post(channel: discord.TextChannel) -> None:
    """The bot can post embeds there, or a clear error that says what to grant."""
    me = channel.guild.me
    perms = channel.permissions_for(me) if me else None
    if perms is None or not (perms.send_messages and perms.embed_links and perms.view_channel):
        raise DomainError(
            f"I can't post embeds in {channel.mention}: give me View "
            "Channel, Send Messages and Embed Links there."
        )


def unknown_zone(text: str, now: datetime) -> str:
    """Not a zone: say so, with the closest names when there are some."""
    shown = " ".join(text[:40].replace("`", "'").split()) or "(empty)"
    close = [c.value for c in timezones.suggest(text, now, 3)]
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return (
        f"I don't know the time zone `{shown}`.{hint} Pick one from the list, or type an "
        "IANA name such as Europe/Amsterdam, a city, or an offset like +5:30."
    )


def settings_embed(settings: GuildSettings, config: GuildConfig) -> discord.Embed:
    """Every setting, grouped; what is not set up yet at the top until it is done."""
    embed = discord.Embed(title="⚙️ Kindling settings", colour=BRAND)
    todo = open_items(config, settings)
    if todo:
        embed.description = "**Still to set up**\n" + "\n".join(item.line for item in todo)
    for heading, lines in render.show_lines(settings, config):
        embed.add_field(name=heading, value=render.clip("\n".join(lines)), inline=False)
    embed.set_footer(text="Change a group with /settings <group> · /help: what counts")
    return embed


def changes_embed(
    what: str,
    diff: list[render.Change],
    already: list[str],
    note: str | None = None,
    left: int = 0,
) -> discord.Embed:
    """Only what changed, before → after; or "Nothing changed" with the values already set."""
    if diff:
        embed = discord.Embed(title=f"✅ {what}", colour=OK)
        text = "\n".join(c.line for c in diff)
    else:
        embed = discord.Embed(title="Nothing changed", colour=BRAND)
        text = "Already set:\n" + "\n".join(already) if already else "Those were already set."
    if note:
        text += f"\n\nℹ️ {note}"
    embed.description = render.clip(text, 4000)
    if left:
        steps = "step" if left == 1 else "steps"
        embed.set_footer(text=f"{left} setup {steps} left: /settings show")
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

    async def cog_load(self) -> None:
        timezones.warm(self.bot.clock.now())  # the first keystroke answers in milliseconds

    async def _reply(
        self,
        interaction: discord.Interaction,
        what: str,
        asked: dict[str, Any],
        *,
        settings: SettingsPair | None = None,
        config: ConfigPair | None = None,
        note: str | None = None,
    ) -> None:
        """Reply with what the service changed (its before and after), in human words."""
        before = (settings[0] if settings else None, config[0] if config else None)
        after = (settings[1] if settings else None, config[1] if config else None)
        diff = render.changes(before, after)
        already = [] if diff else render.current(render.asked(asked), *after)
        guild = guild_of(interaction)
        now_settings = after[0] or await self.bot.services.settings.settings(guild)
        now_config = after[1] or await guild_config(self.bot, guild)
        left = len(open_items(now_config, now_settings))
        await interaction.response.send_message(
            embed=changes_embed(what, diff, already, note, left), ephemeral=True
        )

    async def _change(
        self, interaction: discord.Interaction, changes: dict[str, Any]
    ) -> SettingsPair:
        guild = guild_of(interaction)
        try:
            return await self.bot.services.settings.change_settings(
                guild, changes, interaction.user.id, self.bot.clock.now()
            )
        except InvalidSetting as exc:
            raise DomainError(f"Not changed: {exc}.") from None

    async def _configure(self, interaction: discord.Interaction, **changes: Any) -> ConfigPair:
        guild = guild_of(interaction)
        try:
            return await self.bot.services.settings.configure(
                guild, changes, interaction.user.id, self.bot.clock.now()
            )
        except InvalidSetting as exc:
            raise DomainError(f"Not changed: {exc}.") from None

    @app_commands.command(name="show", description="Show every Kindling setting of this server")
    async def show(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        settings = await self.bot.services.settings.settings(guild)
        config = await guild_config(self.bot, guild)
        embed = settings_embed(settings, config)
        progress = await self.bot.services.history.progress(guild)
        embed.add_field(name="📥 History import", value=progress.summary(), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="timezone", description="The server's time zone (when days start)")
    @app_commands.describe(timezone="A city's zone, e.g. Europe/Amsterdam (type a city or +5:30)")
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, timezone: str) -> None:
        timezone = timezone.strip()
        now = self.bot.clock.now()
        try:
            check_timezone(timezone)
        except ValueError:
            raise DomainError(unknown_zone(timezone, now)) from None
        changed = await self._change(interaction, {"timezone": timezone})
        note = timezones.explain(timezone, now)
        offset = timezones.format_offset(timezones.offset_minutes(timezone, now))
        local = f"Now {now.astimezone(ZoneInfo(timezone)):%H:%M} there ({offset})."
        await self._reply(
            interaction,
            "Time zone changed",
            {"timezone": timezone},
            settings=changed,
            note=f"{note} {local}" if note else local,
        )

    @app_commands.command(name="channels", description="Where the bot posts and what it tracks")
    @app_commands.describe(
        reminders="Channel for streak reminders",
        announcements="Channel for badges/challenges",
        leaderboard="Channel for the leaderboard post",
        track="Track only this channel (toggles; none = all)",
        ignore="Never track this channel (toggles)",
        moderator_role="Role that may use moderator commands",
        history_days="Days of past messages to import when a channel is first read (0: none)",
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
        history_days: app_commands.Range[int, 0, 365] | None = None,
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
        if history_days is not None:
            changes["history_days"] = history_days
        asked = given(**changes)
        changed = await self._configure(interaction, **asked)
        await self._reply(interaction, "Channels updated", asked, config=changed)

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
        changed = await self._configure(interaction, **changes)
        await self._reply(interaction, "Reminders updated", changes, config=changed)

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
        changed = await self._change(interaction, {"points": changes})
        await self._reply(interaction, "Points updated", {"points": changes}, settings=changed)

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
        streak_mode="Does a day need both partners to talk, or either one?",
        kudos_emoji="Reaction emoji that gives kudos",
    )
    @app_commands.choices(streak_mode=_choices(render.STREAK_MODES))
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
        streak_mode: app_commands.Choice[str] | None = None,
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
            streak_mode=streak_mode.value if streak_mode is not None else None,
            kudos_emoji=check_emoji(interaction, kudos_emoji) if kudos_emoji is not None else None,
        )
        changed = await self._change(interaction, changes)
        await self._reply(interaction, "Limits updated", changes, settings=changed)

    @app_commands.command(
        name="leaderboard", description="When and what the leaderboard post shows"
    )
    @app_commands.describe(
        board="Which board to post",
        day="Day of week, or daily",
        hour="Local hour 0-23",
        enabled="Post it at all",
    )
    @app_commands.choices(board=_choices(render.BOARDS), day=_choices(render.DAYS))
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        board: app_commands.Choice[str] | None = None,
        day: app_commands.Choice[str] | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        enabled: bool | None = None,
    ) -> None:
        changes = given(
            leaderboard_board=board.value if board is not None else None,
            leaderboard_day=day.value if day is not None else None,
            leaderboard_hour=hour,
            leaderboard_enabled=enabled,
        )
        changed = await self._configure(interaction, **changes)
        await self._reply(interaction, "Leaderboard post updated", changes, config=changed)

    @app_commands.command(
        name="review", description="Authenticity review: hold, flag only or off; where flags go"
    )
    @app_commands.describe(
        mode="hold: flagged members' points wait for a decision; flag: only tell; off: no review",
        window_days="Days of activity each review pass looks at (1-90)",
        channel="Moderators-only channel where new flags are posted",
    )
    @app_commands.choices(mode=_choices(render.REVIEW_MODES))
    async def review(
        self,
        interaction: discord.Interaction,
        mode: app_commands.Choice[str] | None = None,
        window_days: app_commands.Range[int, 1, 90] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        given(mode=mode, window_days=window_days, channel=channel)
        configured: ConfigPair | None = None
        asked: dict[str, Any] = {}
        if channel is not None:
            can_post(channel)
            if channel.permissions_for(channel.guild.default_role).view_channel:
                raise DomainError(
                    f"{channel.mention} is visible to everyone. Flags name members: pick a "
                    "channel only moderators can see."
                )
            configured = await self._configure(interaction, review_channel=channel.id)
            asked["review_channel"] = channel.id
        changes = (
            given(
                review_mode=mode.value if mode is not None else None,
                review_window_days=window_days,
            )
            if (mode is not None or window_days is not None)
            else {}
        )
        changed = await self._change(interaction, changes) if changes else None
        await self._reply(
            interaction,
            "Authenticity review updated",
            {**asked, **changes},
            settings=changed,
            config=configured,
        )

    @app_commands.command(name="web", description="A public web page with this server's boards")
    @app_commands.describe(
        enabled="Publish the boards on a web page anyone with the link can open",
        regenerate="Give the page a new address (the old link stops working)",
    )
    @app_commands.choices(
        enabled=[
            app_commands.Choice(name="On: publish the boards (public members only)", value="on"),
            app_commands.Choice(name="Off: take the page down", value="off"),
        ]
    )
    async def web(
        self,
        interaction: discord.Interaction,
        enabled: app_commands.Choice[str],
        regenerate: bool = False,
    ) -> None:
        """The web boards' opt-in (issue #11): the link only for the moderator, ephemeral."""
        on = enabled.value == "on"
        before, after = await self.bot.services.settings.set_web(
            guild_of(interaction), on, regenerate, interaction.user.id, self.bot.clock.now()
        )
        running = self.bot.web_url
        base = (self.bot.settings.web_public_url or running) if running else None
        url = f"{base}/g/{after}" if base and after else None
        where = f"\n{url}" if url else ""
        if after is None:
            title = "✅ Web page off" if before else "Nothing changed"
            text = "The old link no longer works." if before else "The web page is off."
        elif before is None:
            title, text = "✅ Web page on", f"Anyone with this link sees the boards:{where}"
        elif before != after:
            title, text = "✅ New web address", f"The old link no longer works. New link:{where}"
        else:
            title, text = "Nothing changed", f"The web page is on:{where}"
        if after is not None:
            text += "\n\nMembers who keep their stats private or server-only are never shown."
            if base is None:
                text += (
                    "\n\nℹ️ The bot's web server isn't running (its operator sets "
                    "WEB_ENABLED, WEB_HOST and WEB_PORT), so there is no link yet."
                )
        colour = OK if before != after else BRAND
        embed = discord.Embed(title=title, description=text, colour=colour)
        await interaction.response.send_message(embed=embed, ephemeral=True)
