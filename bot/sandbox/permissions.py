"""Discord's permission maths, for the subset of bit flags the sandbox enforces.

Pure functions over the model: a member's guild-wide permissions from their roles, then a
channel's overwrites (@everyone, then the member's roles together, then the member).
"""

from __future__ import annotations

from bot.sandbox.errors import missing_access, missing_permissions
from bot.sandbox.model import Channel, Guild

# --- permissions (subset of Discord's bit flags) -------------------------------------------
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
MODERATE_MEMBERS = 1 << 40
PIN_MESSAGES = 1 << 51
ALL_PERMISSIONS = (1 << 53) - 1

DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | MANAGE_ROLES
    | MANAGE_MESSAGES
    | PIN_MESSAGES
    | USE_APPLICATION_COMMANDS
)
MODERATOR_PERMISSIONS = (
    KICK_MEMBERS
    | BAN_MEMBERS
    | MANAGE_GUILD
    | MANAGE_MESSAGES
    | MANAGE_ROLES
    | MODERATE_MEMBERS
    | VIEW_AUDIT_LOG
    | MENTION_EVERYONE
)
DM_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)


def base_permissions(guild: Guild, user_id: int) -> int:
    """Guild-wide permissions: the owner and administrators have all of them."""
    if user_id == guild.owner_id:
        return ALL_PERMISSIONS
    member = guild.members.get(user_id)
    perms = guild.everyone.permissions
    if member is not None:
        for role_id in member.roles:
            role = guild.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    return perms


def channel_permissions(guild: Guild, source: Channel, user_id: int) -> int:
    """Permissions in a guild channel whose overwrites are ``source``'s (a thread's parent).

    0 when the result lacks VIEW_CHANNEL, as on Discord.
    """
    base = base_permissions(guild, user_id)
    if base & ADMINISTRATOR or base == ALL_PERMISSIONS:
        return ALL_PERMISSIONS
    member = guild.members.get(user_id)
    member_roles = set(member.roles) if member else set()
    perms = base
    for ow in source.overwrites:
        if ow.type == 0 and ow.id == guild.id:
            perms = (perms & ~ow.deny) | ow.allow
    allow = deny = 0
    for ow in source.overwrites:
        if ow.type == 0 and ow.id in member_roles:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    for ow in source.overwrites:
        if ow.type == 1 and ow.id == user_id:
            perms = (perms & ~ow.deny) | ow.allow
    if not perms & VIEW_CHANNEL:
        return 0
    return perms


def check(perms: int, *needed: int) -> None:
    """Raise Missing Access without VIEW_CHANNEL, Missing Permissions without any of ``needed``."""
    if not perms & VIEW_CHANNEL:
        raise missing_access()
    for bit in needed:
        if not perms & bit:
            raise missing_permissions()


def top_role_position(guild: Guild, user_id: int) -> int:
    """The position of a member's highest role (the owner outranks every role)."""
    if user_id == guild.owner_id:
        return 1 << 30
    member = guild.members.get(user_id)
    if member is None:
        return 0
    return max([guild.roles[r].position for r in member.roles if r in guild.roles] or [0])
