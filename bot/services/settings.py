"""Guild settings (SPEC §9 names) and configuration (channels, posts, moderator role)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from bot.domain.changes import with_before
from bot.domain.errors import InvalidSetting
from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings
from bot.services._base import Service
from bot.services.review import ReviewService
from bot.tracking.pipeline import TrackingPipeline


def new_web_slug() -> str:
    """An unguessable address for a guild's web page (96 random bits)."""
    return secrets.token_urlsafe(12)


class SettingsService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.guilds = self.repos.guilds

    async def settings(self, guild: int) -> GuildSettings:
        return await self.pipeline.settings(guild)

    async def config(self, guild: int) -> GuildConfig:
        return GuildConfig.from_dict(await self.guilds.get_config(guild))

    async def set_web(
        self, guild: int, enabled: bool, regenerate: bool, moderator: int | None, at: datetime
    ) -> tuple[str | None, str | None]:
        """The public web page on or off; (slug before, slug after). Turning it on makes a
        random slug (kept if it was on, unless `regenerate`); off or regenerated, the old
        address stops working. Audited without the slug itself."""
        async with self.pipeline.locked(guild, users=()):
            config = GuildConfig.from_dict(await self.guilds.get_config(guild))
            before = config.web_slug
            after = (
                (new_web_slug() if regenerate or before is None else before) if enabled else None
            )
            if after == before:
                return before, after
            await self.guilds.save_config(guild, config.changed(web_slug=after).model_dump())
            what = "new address" if before and after else after is not None
            await self._audit(guild, moderator, "config", {"web_page": what}, at)
        return before, after

    async def all_configs(self) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
        """(guild, settings, config) of every guild, as plain dicts (the scheduled slot)."""
        return await self.guilds.all_configs()

    async def guild_ids(self) -> list[int]:
        return await self.guilds.guild_ids()

    async def change_settings(
        self, guild: int, changes: dict[str, Any], moderator: int | None, at: datetime
    ) -> tuple[GuildSettings, GuildSettings]:
        """Change only the given settings; (before, after). InvalidSetting on a bad name or
        value, before anything is written. Values already set write and audit nothing."""
        async with self.pipeline.locked(guild) as change:
            before = change.state.settings
            after = before.apply_changes(changes)
            if after == before:
                return before, after
            await self.guilds.save_settings(guild, after)
            await self._audit(
                guild, moderator, "settings", with_before(changes, before.to_json_dict()), at
            )
            change.state.settings = after
            if after.review_mode != before.review_mode:
                await ReviewService(self.pipeline).change_mode(
                    change, before.review_mode, after.review_mode
                )
        return before, after

    async def configure(
        self, guild: int, changes: dict[str, Any], moderator: int | None, at: datetime
    ) -> tuple[GuildConfig, GuildConfig]:
        """Change only the given configuration fields; (before, after). Tracked channels
        take effect at once. Values already set write and audit nothing."""
        async with self.pipeline.locked(guild, users=()) as change:
            before = GuildConfig.from_dict(await self.guilds.get_config(guild))
            after = before.changed(**changes)
            if after == before:
                return before, after
            await self.guilds.save_config(guild, after.model_dump())
            await self._audit(
                guild, moderator, "config", with_before(changes, before.model_dump()), at
            )
            change.state.set_channels(after.channel_allow, after.channel_deny)
        return before, after

    async def welcome_posted(self, guild: int) -> bool:
        return await self.guilds.welcome_posted(guild)

    async def claim_welcome(self, guild: int, at: datetime) -> bool:
        """True once per guild: the caller posts the first-run welcome (never twice, also
        across restarts). Call `release_welcome` if the post then fails."""
        async with self.pipeline.locked(guild, users=()):
            if await self.guilds.welcome_posted(guild):
                return False
            await self.guilds.mark_welcome(guild, at)
        return True

    async def release_welcome(self, guild: int) -> None:
        """The welcome could not be posted: try again next time the guild is seen."""
        async with self.pipeline.locked(guild, users=()):
            await self.guilds.mark_welcome(guild, None)


__all__ = ["InvalidSetting", "SettingsService"]
