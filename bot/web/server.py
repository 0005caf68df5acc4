"""Running the web application on a host and port (the bot process's own event loop)."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)


class WebServerError(Exception):
    """The site could not listen; the message names the setting to change."""


class WebServer:
    """An aiohttp runner and one TCP site; `url` is where it listens once started (port 0
    picks a free port)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.url: str | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise WebServerError(
                f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc}): "
                "change WEB_HOST or WEB_PORT, or set WEB_ENABLED=false"
            ) from None
        self._runner = runner
        port = self.port
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                port = int(address[1])
                break
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self.url = None
        if runner is not None:
            await runner.cleanup()
