"""Errors in one place: domain errors become short ephemeral embeds; the unexpected is logged."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.domain.errors import DomainError
from bot.storage.database import is_busy

log = logging.getLogger(__name__)

ERROR_COLOUR = discord.Colour.from_rgb(220, 80, 60)


class NotModerator(app_commands.CheckFailure):
    def __init__(self) -> None:
        super().__init__(
            "Only moderators can do this: you need the Manage Server permission "
            "or the server's moderator role."
        )


MAX_ERROR = 1000


def error_embed(message: str) -> discord.Embed:
    if len(message) > MAX_ERROR:
        message = message[: MAX_ERROR - 1] + "…"
    return discord.Embed(description=f"⚠️ {message}", colour=ERROR_COLOUR)


def describe_error(error: app_commands.AppCommandError) -> str | None:
    """A short message for the user, or None when the error is unexpected."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, DomainError):
        return str(original)
    if is_busy(original):
        return (
            "The database is busy right now (another program is writing to it). Nothing was "
            "changed: try again in a minute."
        )
    if isinstance(error, app_commands.CommandNotFound):
        return (
            "I don't know that command (it may have just changed). "
            "Wait a minute and type `/` again to pick it from the list."
        )
    if isinstance(error, app_commands.TransformerError):
        value = str(error.value)[:60]
        return f"`{value}` is not a valid value for that option. Pick one from the list."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works inside a server, not in DMs."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    if isinstance(error, app_commands.CommandSignatureMismatch):
        return "This command changed since your app loaded it. Try again in a minute."
    return None


async def send_ephemeral(interaction: discord.Interaction, embed: discord.Embed) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send an error message for interaction %s", interaction.id)


class KindlingTree(app_commands.CommandTree[discord.Client]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        message = describe_error(error)
        if message is None:
            name = interaction.command.qualified_name if interaction.command else "?"
            log.exception(
                "command /%s failed in guild %s", name, interaction.guild_id, exc_info=error
            )
            message = "Something went wrong on my side. It has been logged; please try again."
        await send_ephemeral(interaction, error_embed(message))
