"""Run the sandbox on its own: ``python -m bot.sandbox [--port 8080] [--member alice ...]``.

Prints the settings that point ``python -m bot run`` at it (DISCORD_API_BASE,
DISCORD_GATEWAY_URL, DISCORD_TOKEN) and serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from bot.sandbox.server import Sandbox

log = logging.getLogger(__name__)


async def _serve(host: str, port: int, token: str | None, members: list[str]) -> None:
    sandbox = Sandbox(token=token)
    await sandbox.start(host, port)
    try:
        for name in members:
            await sandbox.control.add_member(name)
        sys.stdout.write(
            f"DISCORD_API_BASE={sandbox.api_base}\n"
            f"DISCORD_GATEWAY_URL={sandbox.gateway_url}\n"
            f"DISCORD_TOKEN={sandbox.token}\n"
            f"DEV_GUILD_ID={sandbox.world.default_guild.id}\n"
        )
        sys.stdout.flush()
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--token", default=None, help="bot token to accept (default: random)")
    parser.add_argument(
        "--member", action="append", default=[], help="add a simulated member (repeatable)"
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token, args.member))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
