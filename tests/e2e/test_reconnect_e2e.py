"""After a gateway outage the bot is back within the capped backoff (#12 item 10), and each
refused attempt is one warning line."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.gateway import apply_reconnect_policy
from tests.e2e.conftest import Harness


async def test_the_bot_is_back_soon_after_an_outage(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    apply_reconnect_policy(1.0)
    try:
        server = harness.sandbox
        server.pause_gateway()
        await server.drop_gateway(4000)
        await asyncio.sleep(3.0)  # a few refused attempts
        server.resume_gateway()
        back = time.monotonic()
        while not server.connected:
            assert time.monotonic() - back < 5.0, "the bot did not reconnect"
            await asyncio.sleep(0.05)
    finally:
        apply_reconnect_policy(15.0)
    attempts = [
        r for r in caplog.records if r.name == "discord.client" and "reconnect" in r.getMessage()
    ]
    assert attempts and all(r.exc_info is None and r.levelno == logging.WARNING for r in attempts)
