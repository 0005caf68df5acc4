"""The public web boards (issue #11): a read-only aiohttp site served by the bot process."""

from bot.web.app import Directory, WebDeps, build_app
from bot.web.server import WebServer, WebServerError

__all__ = ["Directory", "WebDeps", "WebServer", "WebServerError", "build_app"]
