"""How the bot reconnects to the gateway (#12 item 10). discord.py retries a lost connection
with an exponential backoff of up to 1,024 s and logs every attempt at ERROR with a full
traceback; Kindling caps the wait (RECONNECT_MAX_SECONDS) and logs one line per attempt.
discord.py has no option for either, so its backoff class and its log record are adjusted
here, once, the same way for every client in the process."""

from __future__ import annotations

import logging
import math
from typing import Any

import discord.backoff
import discord.client
import discord.shard

_RECONNECT_MESSAGE = "Attempting a reconnect in %.2fs"
_SHARD_RECONNECT_MESSAGE = "Attempting a reconnect for shard ID %s in %.2fs"


class CappedBackoff(discord.backoff.ExponentialBackoff[bool]):
    """discord.py's exponential backoff (random in 0..2^n s), never over `cap` seconds."""

    cap: float = 15.0

    def __init__(self, base: int = 1, *, integral: Any = False) -> None:
        super().__init__(base, integral=integral)
        # the exponent stops where base * 2^exp first reaches the cap
        self._max = max(1, math.ceil(math.log2(max(self.cap / base, 2))))

    def delay(self) -> float:
        return float(min(super().delay(), self.cap))


class OneLineReconnects(logging.Filter):
    """discord.client's reconnect record: one WARNING line naming the error, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        shard = record.msg == _SHARD_RECONNECT_MESSAGE
        if (record.msg == _RECONNECT_MESSAGE or shard) and record.exc_info:
            exc = record.exc_info[1]
            retry = record.args if isinstance(record.args, tuple) else ()
            if shard:  # discord.shard's: (shard id, delay)
                record.msg = "gateway connection of shard %s lost (%s: %s); reconnecting in %.1f s"
                record.args = (retry[0] if retry else "?", type(exc).__name__, exc, *retry[1:])
            else:
                record.msg = "gateway connection lost (%s: %s); reconnecting in %.1f s"
                record.args = (type(exc).__name__, exc, *retry)
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.WARNING
            record.levelname = "WARNING"
        return True


_FILTER = OneLineReconnects()


def apply_reconnect_policy(max_seconds: float) -> None:
    """Cap discord.py's reconnect backoff at `max_seconds` and log each attempt once."""
    CappedBackoff.cap = max_seconds
    setattr(discord.client, "ExponentialBackoff", CappedBackoff)  # noqa: B010 - a private name
    # each shard of an AutoShardedClient reconnects on its own, with the same backoff class
    setattr(discord.shard, "ExponentialBackoff", CappedBackoff)  # noqa: B010 - a private name
    for name in ("discord.client", "discord.shard"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
