"""The public web boards' server (issue #11): started with the cog, stopped with it.

Off unless the operator sets WEB_ENABLED=true. When the address cannot be used (a bad
WEB_HOST, WEB_PORT taken) the error is logged naming the setting and the bot runs on
without the site. Display names come from the bot's member cache.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from discord.ext import commands

from bot.web import WebDeps, WebServer, WebServerError, build_app

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)


class MemberCache:
    """`Directory` for the web app: guild and member names the gateway already sent."""

    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    def guild_name(self, guild: int) -> str | None:
        found = self.bot.get_guild(guild)
        return found.name if found is not None else None

    async def names(self, guild: int, users: Sequence[int]) -> Mapping[int, str]:
        found = self.bot.get_guild(guild)
        out: dict[int, str] = {}
        for user in users:
            member = found.get_member(user) if found is not None else None
            if member is not None:
                out[user] = member.display_name
            elif (cached := self.bot.get_user(user)) is not None:
                out[user] = cached.display_name
        return out


class WebCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        self.server: WebServer | None = None

    async def cog_load(self) -> None:
        settings = self.bot.settings
        if not settings.web_enabled:
            log.info("web boards are off (WEB_ENABLED=false)")
            return
        deps = WebDeps(self.bot.reads, self.bot.services, self.bot.clock, MemberCache(self.bot))
        server = WebServer(build_app(deps), settings.web_host, settings.web_port)
        try:
            url = await server.start()
        except WebServerError as exc:
            log.error("web boards not started: %s; the bot runs without them", exc)
            return
        self.server = server
        self.bot.web_url = url
        log.info("web boards at %s", settings.web_public_url or url)

    async def cog_unload(self) -> None:
        server, self.server = self.server, None
        self.bot.web_url = None
        if server is not None:
            await server.stop()
