"""Pointing discord.py at a Discord-compatible server such as the sandbox.

Only for an explicitly configured sandbox (tests, ``demo``, ``DISCORD_API_BASE``); the
defaults talk to Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl

from bot.sandbox.server import Sandbox

log = logging.getLogger(__name__)


def apply_endpoints(api_base: str, gateway_url: str, cdn_base: str | None = None) -> None:
    """Set discord.py's REST base, gateway URL and (optionally) CDN base, process-wide."""
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    if cdn_base is not None:
        discord.asset.Asset.BASE = cdn_base.rstrip("/")


@contextlib.contextmanager
def discord_endpoints(
    api_base: str, gateway_url: str, cdn_base: str | None = None
) -> Iterator[None]:
    """Temporarily point discord.py at another server; restores the previous values."""
    saved = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        discord.asset.Asset.BASE,
    )
    apply_endpoints(api_base, gateway_url, cdn_base)
    try:
        yield
    finally:
        discord.http.Route.BASE = saved[0]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved[1]
        discord.asset.Asset.BASE = saved[2]


def sandbox_endpoints(sandbox: Sandbox) -> contextlib.AbstractContextManager[None]:
    """:func:`discord_endpoints` for a started sandbox (REST, gateway and fake CDN)."""
    return discord_endpoints(sandbox.api_base, sandbox.gateway_url, sandbox.cdn_base)


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, sandbox: Sandbox, *, timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """Log ``client`` in to the sandbox, run it until ready, and close it afterwards.

    discord.py must already point at the sandbox (:func:`sandbox_endpoints`).
    """
    await client.login(sandbox.token)
    runner = asyncio.create_task(client.connect(reconnect=True), name="sandbox-client")
    ready = asyncio.create_task(client.wait_until_ready(), name="sandbox-client-ready")
    try:
        done, _ = await asyncio.wait(
            {runner, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if runner in done:
                runner.result()  # re-raise why the connection ended
            raise TimeoutError(f"client was not ready within {timeout}s")
        yield client
    finally:
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready
        await client.close()
        if not runner.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(runner, timeout=5.0)
        elif not runner.cancelled() and runner.exception() is not None:
            log.debug("client connection ended with %r", runner.exception())
