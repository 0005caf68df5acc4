"""Reconnects (#12 item 10): the wait between attempts is capped and each attempt is one
log line, without a traceback; the sandbox test is tests/e2e/test_reconnect_e2e.py."""

from __future__ import annotations

import logging
import sys

from bot.gateway import CappedBackoff, OneLineReconnects, apply_reconnect_policy


def test_the_backoff_never_waits_longer_than_the_cap() -> None:
    apply_reconnect_policy(5.0)
    try:
        backoff = CappedBackoff()
        delays = [backoff.delay() for _ in range(40)]
        assert all(0 <= d <= 5.0 for d in delays)
        assert max(delays) > 1.0  # it still backs off
    finally:
        apply_reconnect_policy(15.0)


def test_discord_uses_the_capped_backoff() -> None:
    import discord.client

    apply_reconnect_policy(15.0)
    assert discord.client.ExponentialBackoff is CappedBackoff  # type: ignore[attr-defined]


def test_a_reconnect_attempt_is_one_warning_line() -> None:
    try:
        raise OSError("Connect call failed ('127.0.0.1', 9)")
    except OSError:
        record = logging.LogRecord(
            "discord.client",
            logging.ERROR,
            __file__,
            1,
            "Attempting a reconnect in %.2fs",
            (3.25,),
            exc_info=sys.exc_info(),
        )
    assert OneLineReconnects().filter(record)
    assert record.levelno == logging.WARNING and record.exc_info is None
    text = logging.Formatter().format(record)
    assert text == (
        "gateway connection lost (OSError: Connect call failed ('127.0.0.1', 9)); "
        "reconnecting in 3.2 s"
    )
    assert "\n" not in text
