"""A local Discord-compatible server for end-to-end tests and ``python -m bot demo``.

Typical use::

    sandbox = Sandbox()
    await sandbox.start()
    with sandbox_endpoints(sandbox):
        async with running_client(bot, sandbox):
            ctl = sandbox.control
            alice = await ctl.add_member("alice")
            await ctl.send_message(alice, "hello")
    await sandbox.stop()
"""

from bot.clock import ManualClock
from bot.sandbox.control import Control, ControlError
from bot.sandbox.errors import ApiError
from bot.sandbox.model import (
    Channel,
    Guild,
    Interaction,
    InteractionResponse,
    Member,
    Message,
    Overwrite,
    Role,
    RoleChange,
    User,
)
from bot.sandbox.server import RequestRecord, Sandbox
from bot.sandbox.wiring import apply_endpoints, discord_endpoints, running_client, sandbox_endpoints
from bot.sandbox.world import World

__all__ = [
    "ApiError",
    "Channel",
    "Control",
    "ControlError",
    "Guild",
    "Interaction",
    "InteractionResponse",
    "ManualClock",
    "Member",
    "Message",
    "Overwrite",
    "RequestRecord",
    "Role",
    "RoleChange",
    "Sandbox",
    "User",
    "World",
    "apply_endpoints",
    "discord_endpoints",
    "running_client",
    "sandbox_endpoints",
]
