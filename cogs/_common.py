"""Glue shared by the cogs: typed bot access, the moderator check, small formatting helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.domain.emoji import custom_emoji_id, is_unicode_emoji
from bot.domain.errors import DomainError
from bot.domain.guild_config import GuildConfig
from bot.tree import NotModerator

if TYPE_CHECKING:
    from bot.app import KindlingBot

T = TypeVar("T")

BRAND = discord.Colour.from_rgb(255, 140, 40)
OK = discord.Colour.from_rgb(90, 180, 110)


def kbot(interaction: discord.Interaction) -> KindlingBot:
    return cast("KindlingBot", interaction.client)


def guild_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise DomainError("This command works inside a server, not in DMs.")
    return interaction.guild_id


async def guild_config(bot: KindlingBot, guild: int) -> GuildConfig:
    return await bot.services.settings.config(guild)


async def is_moderator(interaction: discord.Interaction) -> bool:
    bot = kbot(interaction)
    if interaction.guild_id is None:
        # a check must fail with a CheckFailure, so the tree's on_error answers (a plain
        # DomainError here would escape it and the command would get no reply at all)
        raise app_commands.NoPrivateMessage()
    guild = interaction.guild_id
    config = await guild_config(bot, guild)
    return bot.is_moderator(interaction.user, config.moderator_role)


def moderator_only() -> Callable[[T], T]:
    async def predicate(interaction: discord.Interaction) -> bool:
        if not await is_moderator(interaction):
            raise NotModerator()
        return True

    return app_commands.check(predicate)


def check_emoji(interaction: discord.Interaction, text: str) -> str:
    """A Unicode emoji, or a custom emoji of this server; a clear error otherwise (anything
    else would silently switch the feature off)."""
    value = text.strip()
    if is_unicode_emoji(value):
        return value
    custom = custom_emoji_id(value)
    guild = interaction.guild
    if custom is not None and guild is not None and guild.get_emoji(custom) is not None:
        return value
    if custom is not None:
        raise DomainError("That custom emoji is not one of this server's: pick one of ours.")
    shown = discord.utils.escape_markdown(discord.utils.escape_mentions(value[:40]))
    raise DomainError(
        f"`{shown}` is not an emoji. Pick one emoji, like ⭐, or one of this server's."
    )


def given(**options: Any) -> dict[str, Any]:
    """The options a moderator gave (not None); a clear error when none was given."""
    chosen = {name: value for name, value in options.items() if value is not None}
    if not chosen:
        raise DomainError("Pick at least one option to change.")
    return chosen


class ModeratorGroup:
    """Mixin for a GroupCog whose every command is for moderators: one check for the whole
    group (the cog's interaction_check), before any command body runs."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await is_moderator(interaction):
            raise NotModerator()
        return True


def sentence(text: str) -> str:
    """First letter upper-cased (unlike str.capitalize, the rest is left alone), full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def user_tag(user_id: int) -> str:
    return f"<@{user_id}>"


def relative(ts: datetime) -> str:
    return f"<t:{int(ts.timestamp())}:R>"


def end_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def sparkline(counts: list[int]) -> str:
    bars = "▁▂▃▄▅▆▇█"
    top = max(counts) if counts else 0
    if top <= 0:
        return "▁" * len(counts)
    # a day with points taken away (a moderator's adjustment) is drawn as an empty day
    return "".join(bars[min(7, (c * 7 + top - 1) // top)] if c > 0 else "▁" for c in counts)
