"""In-memory state of the local Discord-compatible sandbox.

The :class:`World` holds users, guilds, channels, messages, application commands and
interactions, builds Discord API v10 payloads for them and emits gateway dispatches to
listeners (the gateway server). Everything here is synchronous; the server and the control
API drive it from one asyncio loop.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

log = logging.getLogger(__name__)

JSON = dict[str, Any]
T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000

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

# --- channel, message, interaction type constants ------------------------------------------
CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4
CHANNEL_ANNOUNCEMENT = 5
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
THREAD_TYPES = (10, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD)

MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20
MESSAGE_CONTEXT_MENU_COMMAND = 23

FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15

INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10
OPTION_ATTACHMENT = 11

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

_USER_MENTION = re.compile(r"<@!?(\d{1,20})>")
_ROLE_MENTION = re.compile(r"<@&(\d{1,20})>")
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """Discord's timestamp format (ISO 8601 with an explicit UTC offset)."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def snowflake_at(when: datetime) -> int:
    """The lowest snowflake for the millisecond ``when``."""
    return (int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


class SnowflakeGenerator:
    """Discord-style snowflakes from an injectable clock, strictly increasing."""

    def __init__(self, now: Callable[[], datetime], worker: int = 1) -> None:
        self._now = now
        self._worker = worker & 0x1F
        self._last = 0

    def next(self) -> int:
        candidate = snowflake_at(self._now()) | (self._worker << 17)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


class ApiError(Exception):
    """A Discord-style REST error; the server turns it into a JSON error response."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def payload(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def form_error(path: str, message: str, code: str = "BASE_TYPE_INVALID") -> ApiError:
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


# --- entities --------------------------------------------------------------------------------


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    system: bool = False
    avatar: str | None = None
    public_flags: int = 0
    dms_open: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass
class Member:
    user_id: int
    guild_id: int
    joined_at: datetime
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    flags: int = 0
    pending: bool = False
    deaf: bool = False
    mute: bool = False
    communication_disabled_until: datetime | None = None

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def mention(self) -> str:
        return f"<@{self.user_id}>"


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    id: int
    type: int
    name: str | None
    guild_id: int | None
    created_at: datetime
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[int] = field(default_factory=list)
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    last_message_id: int | None = None
    last_pin_timestamp: datetime | None = None
    message_count: int = 0

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type == CHANNEL_DM


@dataclass
class Emoji:
    id: int
    guild_id: int
    name: str
    animated: bool = False


@dataclass
class Attachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Reaction:
    emoji: JSON  # {"id": str | None, "name": str, "animated": bool}
    users: list[int] = field(default_factory=list)


@dataclass
class MessageReference:
    message_id: int
    channel_id: int
    guild_id: int | None


@dataclass
class Message:
    """A stored message. ``embeds``/``components`` hold the JSON the author sent."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str
    timestamp: datetime
    type: int = MESSAGE_DEFAULT
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    reference: MessageReference | None = None
    edited_at: datetime | None = None
    pinned: bool = False
    pinned_at: datetime | None = None
    reactions: list[Reaction] = field(default_factory=list)
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    interaction_id: int | None = None
    deleted: bool = False
    tts: bool = False
    nonce: str | int | None = None
    ephemeral_for: int | None = None
    edits: list[JSON] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def find_component(self, custom_id: str) -> JSON | None:
        for component in walk_components(self.components):
            if component.get("custom_id") == custom_id:
                return component
        return None


@dataclass
class InteractionResponse:
    """One interaction callback the bot made (``POST /interactions/{id}/{token}/callback``)."""

    interaction_id: int
    type: int
    data: JSON
    at: datetime
    message: Message | None = None

    @property
    def ephemeral(self) -> bool:
        if self.message is not None:
            return self.message.ephemeral
        return bool(int(self.data.get("flags") or 0) & FLAG_EPHEMERAL)

    @property
    def content(self) -> str | None:
        if self.message is not None:
            return self.message.content
        content = self.data.get("content")
        return None if content is None else str(content)

    @property
    def embeds(self) -> list[JSON]:
        if self.message is not None:
            return self.message.embeds
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[JSON]:
        if self.message is not None:
            return self.message.components
        return list(self.data.get("components") or [])

    @property
    def choices(self) -> list[JSON]:
        return list(self.data.get("choices") or [])

    @property
    def modal(self) -> JSON | None:
        return self.data if self.type == CALLBACK_MODAL else None


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    user_id: int
    guild_id: int | None
    channel_id: int
    data: JSON
    created_at: datetime
    created_monotonic: float
    payload: JSON = field(default_factory=dict)
    message_id: int | None = None
    command_name: str | None = None
    responses: list[InteractionResponse] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)

    @property
    def response(self) -> InteractionResponse | None:
        return self.responses[0] if self.responses else None

    @property
    def acknowledged(self) -> bool:
        return bool(self.responses)


@dataclass
class RoleChange:
    guild_id: int
    user_id: int
    role_id: int
    added: bool
    at: datetime
    by: int | None = None


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    created_at: datetime
    roles: dict[int, Role] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    emojis: dict[int, Emoji] = field(default_factory=dict)
    system_channel_id: int | None = None
    preferred_locale: str = "en-US"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]


@dataclass
class Dispatch:
    """A gateway dispatch produced by a change in the world."""

    name: str
    data: JSON
    guild_id: int | None = None


def walk_components(components: Iterable[JSON]) -> Iterable[JSON]:
    for component in components:
        yield component
        children = component.get("components")
        if isinstance(children, list):
            yield from walk_components(children)
        child = component.get("component")
        if isinstance(child, dict):
            yield from walk_components([child])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield from walk_components([accessory])


class _Waiter:
    def __init__(self, probe: Callable[[], object | None], future: asyncio.Future[object]) -> None:
        self.probe = probe
        self.future = future


# --- the world -------------------------------------------------------------------------------


class World:
    """All sandbox state. ``now`` drives message timestamps and snowflakes."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        token: str | None = None,
        bot_name: str = "Kindling",
        seed: bool = True,
        guild_name: str = "Kindling Sandbox",
    ) -> None:
        self.now: Callable[[], datetime] = now or utcnow
        self.snowflakes = SnowflakeGenerator(self.now)
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.attachments: dict[int, Attachment] = {}
        self.commands: dict[int | None, list[JSON]] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.role_changes: list[RoleChange] = []
        self.dm_channels: dict[int, int] = {}
        self.cdn_base = "http://127.0.0.1"
        self._listeners: list[Callable[[Dispatch], None]] = []
        self._waiters: list[_Waiter] = []
        self._unannounced: set[int] = set()

        self.owner = self.create_user("sandbox-owner", global_name="Sandbox Owner")
        self.bot_user = self.create_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        encoded = base64.urlsafe_b64encode(str(self.bot_user.id).encode()).decode().rstrip("=")
        self.token = token or f"{encoded}.sandbox.{secrets.token_urlsafe(18)}"
        self.default_guild_id: int | None = None
        if seed:
            guild = self.create_guild(guild_name, owner=self.owner.id)
            self.create_channel(guild.id, "random")
            self.create_role(guild.id, "Moderator", permissions=MODERATOR_PERMISSIONS, position=1)
            self.default_guild_id = guild.id

    # -- listeners and waiting -----------------------------------------------------------------

    def add_listener(self, listener: Callable[[Dispatch], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Dispatch], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, name: str, data: JSON, guild_id: int | None = None) -> None:
        if guild_id is not None and guild_id in self._unannounced:
            self.changed()
            return
        dispatch = Dispatch(name, data, guild_id)
        log.debug("dispatch %s", name)
        for listener in list(self._listeners):
            listener(dispatch)
        self.changed()

    def changed(self) -> None:
        """Re-check everything awaiting a condition on the world."""
        for waiter in list(self._waiters):
            if waiter.future.done():
                continue
            try:
                result = waiter.probe()
            except Exception as exc:  # surfaced to the waiting test
                waiter.future.set_exception(exc)
                continue
            if result is not None:
                waiter.future.set_result(result)

    async def wait_until(
        self, probe: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until ``probe()`` returns something other than ``None`` and return it."""
        first = probe()
        if first is not None:
            return first
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(probe, future)
        self._waiters.append(waiter)
        try:
            result = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"sandbox: timed out after {timeout}s waiting for {what}") from None
        finally:
            self._waiters.remove(waiter)
        return result  # type: ignore[return-value]

    # -- lookups -------------------------------------------------------------------------------

    @property
    def default_guild(self) -> Guild:
        if self.default_guild_id is None:
            if not self.guilds:
                raise LookupError("the sandbox has no guild")
            return next(iter(self.guilds.values()))
        return self.guilds[self.default_guild_id]

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise ApiError(404, 10013, "Unknown User") from None

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise ApiError(404, 10004, "Unknown Guild") from None

    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise ApiError(404, 10003, "Unknown Channel") from None

    def message(self, channel_id: int, message_id: int) -> Message:
        msg = self.messages.get(message_id)
        if msg is None or msg.deleted or msg.channel_id != channel_id:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def member(self, guild_id: int, user_id: int) -> Member:
        try:
            return self.guild(guild_id).members[user_id]
        except KeyError:
            raise ApiError(404, 10007, "Unknown Member") from None

    def role(self, guild_id: int, role_id: int) -> Role:
        try:
            return self.guild(guild_id).roles[role_id]
        except KeyError:
            raise ApiError(404, 10011, "Unknown Role") from None

    def channel_by_name(self, name: str, guild_id: int | None = None) -> Channel:
        gid = guild_id if guild_id is not None else self.default_guild.id
        for cid in self.guild(gid).channel_ids:
            channel = self.channels[cid]
            if channel.name == name.lstrip("#"):
                return channel
        raise LookupError(f"no channel named {name!r} in guild {gid}")

    def visible_messages(self, channel_id: int) -> list[Message]:
        """Messages a channel's history shows (no ephemeral or deleted ones), oldest first."""
        out: list[Message] = []
        for mid in self.channel_messages.get(channel_id, []):
            msg = self.messages[mid]
            if not msg.deleted and msg.ephemeral_for is None:
                out.append(msg)
        return out

    # -- creation --------------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        *,
        bot: bool = False,
        global_name: str | None = None,
        system: bool = False,
        dms_open: bool = True,
        user_id: int | None = None,
    ) -> User:
        uid = user_id if user_id is not None else self.snowflakes.next()
        user = User(
            id=uid,
            username=username,
            global_name=global_name,
            bot=bot,
            system=system,
            dms_open=dms_open,
        )
        self.users[uid] = user
        return user

    def create_guild(self, name: str, *, owner: int | None = None) -> Guild:
        gid = self.snowflakes.next()
        now = self.now()
        guild = Guild(id=gid, name=name, owner_id=owner or self.owner.id, created_at=now)
        self._unannounced.add(gid)  # its setup is part of the GUILD_CREATE, not separate events
        guild.roles[gid] = Role(
            id=gid, guild_id=gid, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS
        )
        bot_role = Role(
            id=self.snowflakes.next(),
            guild_id=gid,
            name=self.bot_user.username,
            permissions=DEFAULT_BOT_PERMISSIONS,
            position=2,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[gid] = guild
        guild.members[guild.owner_id] = Member(guild.owner_id, gid, joined_at=now)
        guild.members[self.bot_user.id] = Member(
            self.bot_user.id, gid, joined_at=now, roles=[bot_role.id]
        )
        general = self.create_channel(gid, "general")
        guild.system_channel_id = general.id
        self._unannounced.discard(gid)
        if self.default_guild_id is None:
            self.default_guild_id = gid
        return guild

    def create_role(
        self,
        guild_id: int,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> Role:
        guild = self.guild(guild_id)
        if position is None:
            position = 1
        # keep positions unique: shift roles at or above the new position up by one
        for other in guild.roles.values():
            if other.id != guild.id and other.position >= position:
                other.position += 1
        role = Role(
            id=self.snowflakes.next(),
            guild_id=guild_id,
            name=name,
            permissions=permissions,
            position=position,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        self.emit(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild_id), "role": self.role_payload(role)},
            guild_id,
        )
        return role

    def update_role(self, role: Role) -> None:
        self.emit(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": self.role_payload(role)},
            role.guild_id,
        )

    def create_channel(
        self,
        guild_id: int,
        name: str,
        *,
        type: int = CHANNEL_TEXT,
        parent_id: int | None = None,
        topic: str | None = None,
        overwrites: Sequence[Overwrite] = (),
    ) -> Channel:
        guild = self.guild(guild_id)
        channel = Channel(
            id=self.snowflakes.next(),
            type=type,
            name=name,
            guild_id=guild_id,
            created_at=self.now(),
            position=len([c for c in guild.channel_ids if not self.channels[c].is_thread]),
            parent_id=parent_id,
            topic=topic,
            overwrites=list(overwrites),
        )
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        self.channel_messages[channel.id] = []
        self.emit("CHANNEL_CREATE", self.channel_payload(channel), guild_id)
        return channel

    def create_thread(
        self,
        parent_id: int,
        name: str,
        *,
        owner_id: int,
        private: bool = False,
        thread_id: int | None = None,
    ) -> Channel:
        parent = self.channel(parent_id)
        if parent.guild_id is None or parent.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        thread = Channel(
            id=thread_id if thread_id is not None else self.snowflakes.next(),
            type=CHANNEL_PRIVATE_THREAD if private else CHANNEL_PUBLIC_THREAD,
            name=name,
            guild_id=parent.guild_id,
            created_at=self.now(),
            parent_id=parent_id,
            owner_id=owner_id,
        )
        self.channels[thread.id] = thread
        self.guild(parent.guild_id).channel_ids.append(thread.id)
        self.channel_messages[thread.id] = []
        payload = self.channel_payload(thread)
        payload["newly_created"] = True
        self.emit("THREAD_CREATE", payload, parent.guild_id)
        return thread

    def create_emoji(self, guild_id: int, name: str, *, animated: bool = False) -> Emoji:
        guild = self.guild(guild_id)
        emoji = Emoji(self.snowflakes.next(), guild_id, name, animated)
        guild.emojis[emoji.id] = emoji
        self.emit(
            "GUILD_EMOJIS_UPDATE",
            {
                "guild_id": str(guild_id),
                "emojis": [self.emoji_payload(e) for e in guild.emojis.values()],
            },
            guild_id,
        )
        return emoji

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        roles: Sequence[int] = (),
        joined_at: datetime | None = None,
        nick: str | None = None,
    ) -> Member:
        guild = self.guild(guild_id)
        user = self.user(user_id)
        if user_id in guild.members:
            raise ValueError(f"user {user_id} is already a member of guild {guild_id}")
        for role_id in roles:
            self.role(guild_id, role_id)
        member = Member(
            user_id=user.id,
            guild_id=guild_id,
            joined_at=joined_at or self.now(),
            roles=[r for r in roles if r != guild_id],
            nick=nick,
        )
        guild.members[user.id] = member
        data = self.member_payload(member)
        data["guild_id"] = str(guild_id)
        self.emit("GUILD_MEMBER_ADD", data, guild_id)
        return member

    def remove_member(self, guild_id: int, user_id: int) -> None:
        guild = self.guild(guild_id)
        if user_id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        del guild.members[user_id]
        self.emit(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild_id), "user": self.user_payload(self.user(user_id))},
            guild_id,
        )

    # -- permissions -----------------------------------------------------------------------------

    def base_permissions(self, guild_id: int, user_id: int) -> int:
        guild = self.guild(guild_id)
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

    def permissions_in(self, channel_id: int, user_id: int) -> int:
        channel = self.channel(channel_id)
        if channel.guild_id is None:
            return (
                VIEW_CHANNEL
                | SEND_MESSAGES
                | READ_MESSAGE_HISTORY
                | ADD_REACTIONS
                | EMBED_LINKS
                | ATTACH_FILES
                | USE_EXTERNAL_EMOJIS
                | USE_APPLICATION_COMMANDS
            )
        base = self.base_permissions(channel.guild_id, user_id)
        if base & ADMINISTRATOR or base == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        source = channel
        if channel.is_thread and channel.parent_id is not None:
            source = self.channel(channel.parent_id)
        member = self.guild(channel.guild_id).members.get(user_id)
        member_roles = set(member.roles) if member else set()
        perms = base
        for ow in source.overwrites:
            if ow.type == 0 and ow.id == channel.guild_id:
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

    def require(self, channel_id: int, user_id: int, *needed: int) -> None:
        perms = self.permissions_in(channel_id, user_id)
        if not perms & VIEW_CHANNEL:
            raise missing_access()
        for bit in needed:
            if not perms & bit:
                raise missing_permissions()

    def top_role_position(self, guild_id: int, user_id: int) -> int:
        guild = self.guild(guild_id)
        if user_id == guild.owner_id:
            return 1 << 30
        member = guild.members.get(user_id)
        if member is None:
            return 0
        return max([guild.roles[r].position for r in member.roles if r in guild.roles] or [0])

    # -- payloads --------------------------------------------------------------------------------

    def user_payload(self, user: User) -> JSON:
        return {
            "id": str(user.id),
            "username": user.username,
            "discriminator": "0",
            "global_name": user.global_name,
            "avatar": user.avatar,
            "bot": user.bot,
            "system": user.system,
            "public_flags": user.public_flags,
            "flags": user.public_flags,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }

    def me_payload(self) -> JSON:
        data = self.user_payload(self.bot_user)
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return data

    def member_payload(
        self,
        member: Member,
        *,
        with_user: bool = True,
        permissions: int | None = None,
    ) -> JSON:
        data: JSON = {
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.roles],
            "joined_at": iso(member.joined_at),
            "premium_since": None,
            "deaf": member.deaf,
            "mute": member.mute,
            "flags": member.flags,
            "pending": member.pending,
            "communication_disabled_until": iso(member.communication_disabled_until),
            "avatar_decoration_data": None,
        }
        if with_user:
            data["user"] = self.user_payload(self.user(member.user_id))
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def role_payload(self, role: Role) -> JSON:
        data: JSON = {
            "id": str(role.id),
            "name": role.name,
            "color": role.color,
            "colors": {
                "primary_color": role.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": role.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": role.position,
            "permissions": str(role.permissions),
            "managed": role.managed,
            "mentionable": role.mentionable,
            "flags": 0,
        }
        if role.bot_id is not None:
            data["tags"] = {"bot_id": str(role.bot_id)}
        return data

    def emoji_payload(self, emoji: Emoji) -> JSON:
        return {
            "id": str(emoji.id),
            "name": emoji.name,
            "roles": [],
            "require_colons": True,
            "managed": False,
            "animated": emoji.animated,
            "available": True,
        }

    def channel_payload(self, channel: Channel, *, permissions_for: int | None = None) -> JSON:
        data: JSON = {"id": str(channel.id), "type": channel.type, "flags": 0}
        if channel.is_dm:
            data["last_message_id"] = _opt_str(channel.last_message_id)
            data["recipients"] = [self.user_payload(self.user(u)) for u in channel.recipients]
            return data
        data.update(
            {
                "guild_id": str(channel.guild_id),
                "name": channel.name,
                "parent_id": _opt_str(channel.parent_id),
                "nsfw": channel.nsfw,
                "rate_limit_per_user": 0,
            }
        )
        if channel.is_thread:
            data.update(
                {
                    "owner_id": _opt_str(channel.owner_id),
                    "last_message_id": _opt_str(channel.last_message_id),
                    "message_count": channel.message_count,
                    "total_message_sent": channel.message_count,
                    "member_count": 1,
                    "applied_tags": [],
                    "thread_metadata": {
                        "archived": channel.archived,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": iso(channel.created_at),
                        "locked": channel.locked,
                        "invitable": True,
                        "create_timestamp": iso(channel.created_at),
                    },
                }
            )
        else:
            data.update(
                {
                    "position": channel.position,
                    "permission_overwrites": [
                        {
                            "id": str(o.id),
                            "type": o.type,
                            "allow": str(o.allow),
                            "deny": str(o.deny),
                        }
                        for o in channel.overwrites
                    ],
                }
            )
            if channel.type in (CHANNEL_TEXT, CHANNEL_ANNOUNCEMENT):
                data.update(
                    {
                        "topic": channel.topic,
                        "last_message_id": _opt_str(channel.last_message_id),
                        "last_pin_timestamp": iso(channel.last_pin_timestamp),
                        "default_auto_archive_duration": 1440,
                        "default_thread_rate_limit_per_user": 0,
                    }
                )
            elif channel.type == CHANNEL_VOICE:
                data.update(
                    {
                        "bitrate": 64000,
                        "user_limit": 0,
                        "rtc_region": None,
                        "video_quality_mode": 1,
                        "last_message_id": _opt_str(channel.last_message_id),
                    }
                )
        if permissions_for is not None:
            data["permissions"] = str(self.permissions_in(channel.id, permissions_for))
        return data

    def guild_payload(self, guild: Guild) -> JSON:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [self.role_payload(r) for r in guild.roles.values()],
            "emojis": [self.emoji_payload(e) for e in guild.emojis.values()],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": _opt_str(guild.system_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.preferred_locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }

    def guild_create_payload(self, guild: Guild, *, include_members: bool) -> JSON:
        data = self.guild_payload(guild)
        bot_member = guild.members.get(self.bot_user.id)
        members = (
            list(guild.members.values())
            if include_members
            else [m for m in guild.members.values() if m.user_id == self.bot_user.id]
        )
        channels = [self.channels[c] for c in guild.channel_ids]
        data.update(
            {
                "joined_at": iso(bot_member.joined_at if bot_member else guild.created_at),
                "large": len(guild.members) >= 250,
                "unavailable": False,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": [self.member_payload(m) for m in members],
                "channels": [self.channel_payload(c) for c in channels if not c.is_thread],
                "threads": [
                    self.channel_payload(c) for c in channels if c.is_thread and not c.archived
                ],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
                "activity_instances": [],
                "application_command_counts": {},
                "lazy": True,
            }
        )
        return data

    def attachment_payload(self, attachment: Attachment) -> JSON:
        data: JSON = {
            "id": str(attachment.id),
            "filename": attachment.filename,
            "size": attachment.size,
            "url": attachment.url,
            "proxy_url": attachment.url,
            "content_type": attachment.content_type,
            "description": attachment.description,
        }
        if attachment.ephemeral:
            data["ephemeral"] = True
        return data

    def reaction_payloads(self, msg: Message, viewer: int) -> list[JSON]:
        return [
            {
                "emoji": r.emoji,
                "count": len(r.users),
                "count_details": {"burst": 0, "normal": len(r.users)},
                "burst_colors": [],
                "me": viewer in r.users,
                "me_burst": False,
                "burst_me": False,
                "burst_count": 0,
            }
            for r in msg.reactions
            if r.users
        ]

    def message_payload(
        self, msg: Message, *, gateway: bool = False, with_reference: bool = True
    ) -> JSON:
        author = self.user(msg.author_id)
        data: JSON = {
            "id": str(msg.id),
            "channel_id": str(msg.channel_id),
            "author": self.user_payload(author),
            "content": msg.content,
            "timestamp": iso(msg.timestamp),
            "edited_timestamp": iso(msg.edited_at),
            "tts": msg.tts,
            "mention_everyone": msg.mention_everyone,
            "mentions": [self._mention_payload(msg, uid) for uid in msg.mentions],
            "mention_roles": [str(r) for r in msg.mention_roles],
            "attachments": [self.attachment_payload(a) for a in msg.attachments],
            "embeds": [dict(e) for e in msg.embeds],
            "pinned": msg.pinned,
            "type": msg.type,
            "flags": msg.flags,
            "components": msg.components,
        }
        reactions = self.reaction_payloads(msg, self.bot_user.id)
        if reactions:
            data["reactions"] = reactions
        if msg.nonce is not None:
            data["nonce"] = msg.nonce
        if msg.webhook_id is not None:
            data["webhook_id"] = str(msg.webhook_id)
        if msg.application_id is not None:
            data["application_id"] = str(msg.application_id)
        if msg.interaction_metadata is not None:
            data["interaction_metadata"] = msg.interaction_metadata
        if msg.reference is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": str(msg.reference.message_id),
                "channel_id": str(msg.reference.channel_id),
                "guild_id": _opt_str(msg.reference.guild_id),
            }
            if with_reference:
                ref = self.messages.get(msg.reference.message_id)
                data["referenced_message"] = (
                    None
                    if ref is None or ref.deleted
                    else self.message_payload(ref, gateway=False, with_reference=False)
                )
        if gateway and msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            member = self.guilds[msg.guild_id].members.get(msg.author_id)
            if member is not None and msg.webhook_id is None:
                data["member"] = self.member_payload(member, with_user=False)
        return data

    def _mention_payload(self, msg: Message, user_id: int) -> JSON:
        data = self.user_payload(self.user(user_id))
        if msg.guild_id is not None:
            member = self.guilds[msg.guild_id].members.get(user_id)
            if member is not None:
                data["member"] = self.member_payload(member, with_user=False)
        return data

    def application_payload(self) -> JSON:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "Kindling (local sandbox)",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.user_payload(self.owner),
            "team": None,
            "flags": (1 << 15) | (1 << 19) | (1 << 23),
            "bot": self.user_payload(self.bot_user),
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "redirect_uris": [],
            "rpc_origins": [],
        }

    # -- messages --------------------------------------------------------------------------------

    def create_message(
        self,
        channel_id: int,
        author_id: int,
        *,
        content: str = "",
        embeds: Sequence[JSON] = (),
        components: Sequence[JSON] = (),
        attachments: Sequence[Attachment] = (),
        flags: int = 0,
        reply_to: int | None = None,
        mentions: Sequence[int] | None = None,
        mention_roles: Sequence[int] | None = None,
        mention_everyone: bool | None = None,
        allowed_mentions: JSON | None = None,
        type: int | None = None,
        tts: bool = False,
        nonce: str | int | None = None,
        webhook_id: int | None = None,
        application_id: int | None = None,
        interaction_metadata: JSON | None = None,
        interaction_id: int | None = None,
        ephemeral_for: int | None = None,
        dispatch: bool = True,
    ) -> Message:
        channel = self.channel(channel_id)
        reference: MessageReference | None = None
        replied_author: int | None = None
        if reply_to is not None:
            target = self.messages.get(reply_to)
            if target is None or target.deleted:
                raise form_error(
                    "message_reference", "Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"
                )
            reference = MessageReference(target.id, target.channel_id, target.guild_id)
            replied_author = target.author_id
        user_ids, role_ids, everyone = self._resolve_mentions(
            content,
            channel,
            author_id,
            allowed_mentions=allowed_mentions,
            replied_author=replied_author,
        )
        if mentions is not None:
            for uid in mentions:
                if uid in self.users and uid not in user_ids:
                    user_ids.append(uid)
        if mention_roles is not None:
            role_ids = list(dict.fromkeys([*role_ids, *mention_roles]))
        if mention_everyone is not None:
            everyone = mention_everyone
        if type is None:
            type = MESSAGE_REPLY if reference is not None else MESSAGE_DEFAULT
        msg = Message(
            id=self.snowflakes.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author_id,
            content=content,
            timestamp=self.now(),
            type=type,
            embeds=[_normalize_embed(e) for e in embeds],
            components=number_components(components),
            attachments=list(attachments),
            flags=flags,
            mentions=user_ids,
            mention_roles=role_ids,
            mention_everyone=everyone,
            reference=reference,
            webhook_id=webhook_id,
            application_id=application_id,
            interaction_metadata=interaction_metadata,
            interaction_id=interaction_id,
            tts=tts,
            nonce=nonce,
            ephemeral_for=ephemeral_for,
        )
        self.messages[msg.id] = msg
        self.channel_messages.setdefault(channel.id, []).append(msg.id)
        if ephemeral_for is None:
            channel.last_message_id = msg.id
            channel.message_count += 1
        if dispatch and ephemeral_for is None:
            self.emit("MESSAGE_CREATE", self.message_payload(msg, gateway=True), msg.guild_id)
        else:
            self.changed()
        return msg

    def _resolve_mentions(
        self,
        content: str,
        channel: Channel,
        author_id: int,
        *,
        allowed_mentions: JSON | None,
        replied_author: int | None,
    ) -> tuple[list[int], list[int], bool]:
        parsed_users = [int(m) for m in _USER_MENTION.findall(content)]
        parsed_roles = [int(m) for m in _ROLE_MENTION.findall(content)]
        everyone = "@everyone" in content or "@here" in content
        if allowed_mentions is None:
            users = parsed_users
            roles = parsed_roles
            replied = True
        else:
            parse = allowed_mentions.get("parse") or []
            allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
            allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
            users = [u for u in parsed_users if "users" in parse or u in allowed_users]
            roles = [r for r in parsed_roles if "roles" in parse or r in allowed_roles]
            everyone = everyone and "everyone" in parse
            replied = bool(allowed_mentions.get("replied_user", False))
        user_ids = [u for u in dict.fromkeys(users) if u in self.users]
        if replied and replied_author is not None and replied_author != author_id:
            if replied_author not in user_ids and replied_author in self.users:
                user_ids.append(replied_author)
        role_ids: list[int] = []
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            role_ids = [r for r in dict.fromkeys(roles) if r in guild.roles and r != guild.id]
            if everyone and not self.permissions_in(channel.id, author_id) & MENTION_EVERYONE:
                everyone = False
        else:
            everyone = False
        return user_ids, role_ids, everyone

    def edit_message(
        self,
        msg: Message,
        changes: JSON,
        *,
        uploaded: Sequence[Attachment] = (),
        dispatch: bool = True,
    ) -> Message:
        """Apply a REST-style edit (content, embeds, components, flags, attachments)."""
        msg.edits.append(dict(changes))
        if "content" in changes:
            msg.content = changes["content"] or ""
        if "embeds" in changes:
            msg.embeds = [_normalize_embed(e) for e in changes["embeds"] or []]
        elif "embed" in changes:
            msg.embeds = [] if changes["embed"] is None else [_normalize_embed(changes["embed"])]
        if "components" in changes:
            msg.components = number_components(changes["components"] or [])
        if "flags" in changes and changes["flags"] is not None:
            keep = msg.flags & (FLAG_EPHEMERAL | FLAG_COMPONENTS_V2)
            msg.flags = keep | (int(changes["flags"]) & (FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2))
        if "attachments" in changes and changes["attachments"] is not None:
            keep_ids = {
                int(a["id"]) for a in changes["attachments"] if str(a.get("id", "")).isdigit()
            }
            msg.attachments = [a for a in msg.attachments if a.id in keep_ids]
        msg.attachments.extend(uploaded)
        if "content" in changes:
            user_ids, role_ids, everyone = self._resolve_mentions(
                msg.content,
                self.channel(msg.channel_id),
                msg.author_id,
                allowed_mentions=changes.get("allowed_mentions"),
                replied_author=None,
            )
            msg.mentions = user_ids
            msg.mention_roles = role_ids
            msg.mention_everyone = everyone
        msg.edited_at = self.now()
        if dispatch and msg.ephemeral_for is None:
            self.emit("MESSAGE_UPDATE", self.message_payload(msg, gateway=True), msg.guild_id)
        else:
            self.changed()
        return msg

    def delete_message(self, msg: Message) -> None:
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        msg.deleted = True
        data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        if msg.ephemeral_for is None:
            self.emit("MESSAGE_DELETE", data, msg.guild_id)
        else:
            self.changed()

    def add_reaction(self, msg: Message, user_id: int, emoji: JSON) -> bool:
        key = _emoji_key(emoji)
        reaction = next((r for r in msg.reactions if _emoji_key(r.emoji) == key), None)
        if reaction is None:
            reaction = Reaction(emoji=emoji)
            msg.reactions.append(reaction)
        if user_id in reaction.users:
            return False
        reaction.users.append(user_id)
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": emoji,
            "message_author_id": str(msg.author_id),
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            member = self.guilds[msg.guild_id].members.get(user_id)
            if member is not None:
                data["member"] = self.member_payload(member)
        self.emit("MESSAGE_REACTION_ADD", data, msg.guild_id)
        return True

    def remove_reaction(self, msg: Message, user_id: int, emoji: JSON) -> bool:
        key = _emoji_key(emoji)
        reaction = next((r for r in msg.reactions if _emoji_key(r.emoji) == key), None)
        if reaction is None or user_id not in reaction.users:
            return False
        reaction.users.remove(user_id)
        if not reaction.users:
            msg.reactions.remove(reaction)
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": reaction.emoji,
            "burst": False,
            "type": 0,
        }
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        self.emit("MESSAGE_REACTION_REMOVE", data, msg.guild_id)
        return True

    def parse_emoji(self, raw: str, guild_id: int | None) -> JSON:
        """Turn a reaction route's emoji (``⭐`` or ``name:id``) into an emoji object."""
        raw = raw.strip("<>")
        if ":" in raw:
            parts = raw.split(":")
            if len(parts) == 3 and parts[0] in ("", "a"):
                parts = parts[1:]
            if len(parts) != 2 or not parts[1].isdigit():
                raise ApiError(400, 10014, "Unknown Emoji")
            emoji_id = int(parts[1])
            for guild in self.guilds.values():
                if emoji_id in guild.emojis:
                    em = guild.emojis[emoji_id]
                    return {"id": str(em.id), "name": em.name, "animated": em.animated}
            raise ApiError(400, 10014, "Unknown Emoji")
        if not raw or raw.isascii():
            raise ApiError(400, 10014, "Unknown Emoji")
        return {"id": None, "name": raw}

    def set_pinned(self, msg: Message, pinned: bool) -> None:
        if msg.pinned == pinned:
            return
        channel = self.channel(msg.channel_id)
        msg.pinned = pinned
        msg.pinned_at = self.now() if pinned else None
        pinned_times = [
            m.pinned_at
            for m in self.visible_messages(channel.id)
            if m.pinned and m.pinned_at is not None
        ]
        channel.last_pin_timestamp = max(pinned_times) if pinned_times else None
        data: JSON = {
            "channel_id": str(channel.id),
            "last_pin_timestamp": iso(channel.last_pin_timestamp),
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.emit("CHANNEL_PINS_UPDATE", data, channel.guild_id)
        self.emit("MESSAGE_UPDATE", self.message_payload(msg, gateway=True), msg.guild_id)

    def pinned_messages(self, channel_id: int) -> list[Message]:
        pins = [m for m in self.visible_messages(channel_id) if m.pinned]
        return sorted(pins, key=lambda m: m.pinned_at or m.timestamp, reverse=True)

    def history(
        self,
        channel_id: int,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[Message]:
        """``GET /channels/{id}/messages`` semantics: newest first."""
        msgs = self.visible_messages(channel_id)
        if around is not None:
            older = [m for m in msgs if m.id <= around][-((limit + 1) // 2) :]
            newer = [m for m in msgs if m.id > around][: limit // 2]
            return list(reversed(older + newer))[:limit]
        if after is not None:
            chosen = [m for m in msgs if m.id > after]
            if before is not None:
                chosen = [m for m in chosen if m.id < before]
            return list(reversed(chosen[:limit]))
        if before is not None:
            msgs = [m for m in msgs if m.id < before]
        return list(reversed(msgs[-limit:])) if limit else []

    def create_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        channel_id: int,
        content_type: str | None = None,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> Attachment:
        aid = self.snowflakes.next()
        safe_name = re.sub(r"[^\w.\-]", "_", filename) or "file"
        attachment = Attachment(
            id=aid,
            filename=safe_name,
            data=data,
            url=f"{self.cdn_base}/attachments/{channel_id}/{aid}/{safe_name}",
            content_type=content_type,
            description=description,
            ephemeral=ephemeral,
        )
        self.attachments[aid] = attachment
        return attachment

    # -- DMs -------------------------------------------------------------------------------------

    def dm_channel(self, user_id: int) -> Channel:
        self.user(user_id)
        existing = self.dm_channels.get(user_id)
        if existing is not None:
            return self.channels[existing]
        channel = Channel(
            id=self.snowflakes.next(),
            type=CHANNEL_DM,
            name=None,
            guild_id=None,
            created_at=self.now(),
            recipients=[user_id],
        )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        self.dm_channels[user_id] = channel.id
        return channel

    def dm_recipient(self, channel: Channel) -> int | None:
        return channel.recipients[0] if channel.is_dm and channel.recipients else None

    # -- roles -----------------------------------------------------------------------------------

    def set_member_roles(
        self, guild_id: int, user_id: int, roles: Iterable[int], *, by: int | None = None
    ) -> list[RoleChange]:
        member = self.member(guild_id, user_id)
        wanted = [r for r in dict.fromkeys(roles) if r != guild_id]
        for role_id in wanted:
            self.role(guild_id, role_id)
        before = set(member.roles)
        after = set(wanted)
        now = self.now()
        changes = [
            RoleChange(guild_id, user_id, r, True, now, by) for r in wanted if r not in before
        ]
        changes += [
            RoleChange(guild_id, user_id, r, False, now, by) for r in member.roles if r not in after
        ]
        member.roles = wanted
        if changes:
            self.role_changes.extend(changes)
            self.emit_member_update(member)
        return changes

    def emit_member_update(self, member: Member) -> None:
        data = self.member_payload(member)
        data["guild_id"] = str(member.guild_id)
        self.emit("GUILD_MEMBER_UPDATE", data, member.guild_id)

    # -- application commands --------------------------------------------------------------------

    def overwrite_commands(self, guild_id: int | None, payload: Sequence[JSON]) -> list[JSON]:
        if guild_id is not None:
            self.guild(guild_id)
        if len(payload) > 110:
            raise form_error("_errors", "Must be 110 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        previous = {(c["name"], c.get("type", 1)): c for c in self.commands.get(guild_id, [])}
        seen: set[tuple[str, int]] = set()
        out: list[JSON] = []
        for index, raw in enumerate(payload):
            cmd = self._validate_command(raw, f"{index}")
            key = (cmd["name"], cmd["type"])
            if key in seen:
                raise form_error(f"{index}.name", "Application command names must be unique")
            seen.add(key)
            old = previous.get(key)
            cmd["id"] = old["id"] if old else str(self.snowflakes.next())
            unchanged = old is not None and _command_body(old) == _command_body(cmd)
            cmd["version"] = old["version"] if old and unchanged else str(self.snowflakes.next())
            cmd["application_id"] = str(self.application_id)
            if guild_id is not None:
                cmd["guild_id"] = str(guild_id)
            out.append(cmd)
        self.commands[guild_id] = out
        self.changed()
        return out

    def upsert_command(self, guild_id: int | None, raw: JSON) -> JSON:
        existing = [
            c
            for c in self.commands.get(guild_id, [])
            if not (c["name"] == raw.get("name") and c.get("type", 1) == raw.get("type", 1))
        ]
        result = self.overwrite_commands(guild_id, [*existing, raw])
        return next(c for c in result if c["name"] == raw.get("name"))

    def delete_command(self, guild_id: int | None, command_id: int) -> None:
        cmds = self.commands.get(guild_id, [])
        remaining = [c for c in cmds if int(c["id"]) != command_id]
        if len(remaining) == len(cmds):
            raise ApiError(404, 10063, "Unknown application command")
        self.commands[guild_id] = remaining
        self.changed()

    def _validate_command(self, raw: JSON, path: str) -> JSON:
        cmd = {k: v for k, v in raw.items() if k not in ("id", "application_id", "version")}
        cmd.setdefault("type", 1)
        name = cmd.get("name")
        if not isinstance(name, str) or not _COMMAND_NAME.match(name):
            raise form_error(
                f"{path}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
            )
        if cmd["type"] == 1:
            if name != name.lower():
                raise form_error(
                    f"{path}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
                )
            desc = cmd.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
                raise form_error(f"{path}.description", "Must be between 1 and 100 in length.")
            cmd["options"] = self._validate_options(cmd.get("options") or [], f"{path}.options", 0)
        else:
            cmd.setdefault("description", "")
        cmd.setdefault("default_member_permissions", None)
        cmd.setdefault("nsfw", False)
        cmd.setdefault("name_localizations", None)
        cmd.setdefault("description_localizations", None)
        cmd.setdefault("contexts", None)
        cmd.setdefault("integration_types", [0])
        return cmd

    def _validate_options(self, options: Sequence[JSON], path: str, depth: int) -> list[JSON]:
        if len(options) > 25:
            raise form_error(path, "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        names: set[str] = set()
        out: list[JSON] = []
        seen_optional = False
        for i, raw in enumerate(options):
            opt = dict(raw)
            here = f"{path}.{i}"
            otype = opt.get("type")
            name = opt.get("name")
            if not isinstance(otype, int) or not 1 <= otype <= 11:
                raise form_error(f"{here}.type", "Value is not a valid enum value.")
            if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
                raise form_error(
                    f"{here}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
                )
            if name in names:
                raise form_error(
                    f"{here}.name",
                    "Option names must be unique",
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                )
            names.add(name)
            desc = opt.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
                raise form_error(f"{here}.description", "Must be between 1 and 100 in length.")
            if otype in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP):
                if otype == OPTION_SUB_COMMAND_GROUP and depth > 0:
                    raise form_error(f"{here}.type", "Sub-command groups can only be top level")
                if otype == OPTION_SUB_COMMAND and depth > 1:
                    raise form_error(f"{here}.type", "Sub-commands nested too deeply")
                opt["options"] = self._validate_options(
                    opt.get("options") or [], f"{here}.options", depth + 1
                )
            else:
                required = bool(opt.get("required", False))
                if required and seen_optional:
                    raise form_error(
                        f"{here}.required",
                        "Required options must be placed before non-required options",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    )
                seen_optional = seen_optional or not required
                choices = opt.get("choices")
                if choices is not None and len(choices) > 25:
                    raise form_error(
                        f"{here}.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
                    )
                if choices and opt.get("autocomplete"):
                    raise form_error(
                        f"{here}.autocomplete", "Autocomplete cannot be set with choices"
                    )
            out.append(opt)
        kinds = {o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP) for o in out}
        if len(kinds) > 1:
            raise form_error(
                path,
                "Sub-command and sub-command group option types are mutually exclusive "
                "to all other types",
            )
        return out

    def find_command(self, name: str, guild_id: int | None, *, type: int = 1) -> tuple[JSON, bool]:
        """The registered command a user would see: (command, is_guild_command)."""
        if guild_id is not None:
            for cmd in self.commands.get(guild_id, []):
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    return cmd, True
        for cmd in self.commands.get(None, []):
            if cmd["name"] == name and cmd.get("type", 1) == type:
                return cmd, False
        raise LookupError(f"no registered command named {name!r} (type {type})")

    # -- interactions ----------------------------------------------------------------------------

    def create_interaction(
        self,
        type: int,
        user_id: int,
        channel_id: int,
        data: JSON,
        *,
        message: Message | None = None,
        command_name: str | None = None,
        locale: str = "en-US",
        loop_time: float = 0.0,
    ) -> Interaction:
        channel = self.channel(channel_id)
        user = self.user(user_id)
        iid = self.snowflakes.next()
        token = f"aW50ZXJhY3Rpb246{iid}:{secrets.token_urlsafe(48)}"
        interaction = Interaction(
            id=iid,
            token=token,
            type=type,
            user_id=user.id,
            guild_id=channel.guild_id,
            channel_id=channel.id,
            data=data,
            created_at=self.now(),
            created_monotonic=loop_time,
            message_id=message.id if message else None,
            command_name=command_name,
        )
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": type,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": str(channel.id),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if channel.guild_id is not None:
            guild = self.guild(channel.guild_id)
            member = self.member(guild.id, user.id)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {
                        "id": str(guild.id),
                        "locale": guild.preferred_locale,
                        "features": [],
                    },
                    "guild_locale": guild.preferred_locale,
                    "member": self.member_payload(
                        member, permissions=self.permissions_in(channel.id, user.id)
                    ),
                    "app_permissions": str(self.permissions_in(channel.id, self.bot_user.id)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                    "channel": self.channel_payload(channel, permissions_for=user.id),
                }
            )
        else:
            payload.update(
                {
                    "user": self.user_payload(user),
                    "app_permissions": str(self.permissions_in(channel.id, self.bot_user.id)),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                    "channel": self.channel_payload(channel),
                }
            )
        if message is not None:
            payload["message"] = self.message_payload(message, gateway=True)
        interaction.payload = payload
        self.interactions[iid] = interaction
        self.interactions_by_token[token] = interaction
        self.emit("INTERACTION_CREATE", payload, channel.guild_id)
        return interaction

    def _interaction_metadata(self, interaction: Interaction, *, followup: bool) -> JSON:
        meta: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": self.user_payload(self.user(interaction.user_id)),
            "authorizing_integration_owners": {
                "0": str(interaction.guild_id) if interaction.guild_id else "0"
            },
        }
        if interaction.type == INTERACTION_APPLICATION_COMMAND:
            meta["name"] = interaction.command_name or interaction.data.get("name", "")
            meta["command_type"] = interaction.data.get("type", 1)
        if interaction.message_id is not None:
            meta["interacted_message_id"] = str(interaction.message_id)
        if followup and interaction.original_message_id is not None:
            meta["original_response_message_id"] = str(interaction.original_message_id)
        return meta

    def _response_message_type(self, interaction: Interaction) -> int:
        if interaction.type == INTERACTION_APPLICATION_COMMAND:
            if interaction.data.get("type", 1) == 1:
                return MESSAGE_CHAT_INPUT_COMMAND
            return MESSAGE_CONTEXT_MENU_COMMAND
        return MESSAGE_DEFAULT

    def interaction_message(
        self,
        interaction: Interaction,
        body: JSON,
        attachments: Sequence[Attachment],
        *,
        followup: bool,
        loading: bool = False,
    ) -> Message:
        flags = int(body.get("flags") or 0)
        ephemeral = bool(flags & FLAG_EPHEMERAL)
        flags &= (
            FLAG_EPHEMERAL | FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
        )
        if loading:
            flags |= FLAG_LOADING
        validate_message_body(body, attachments, allow_empty=loading)
        return self.create_message(
            interaction.channel_id,
            self.bot_user.id,
            content=str(body.get("content") or ""),
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=attachments,
            flags=flags,
            allowed_mentions=body.get("allowed_mentions"),
            type=self._response_message_type(interaction),
            tts=bool(body.get("tts", False)),
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_metadata=self._interaction_metadata(interaction, followup=followup),
            interaction_id=interaction.id,
            ephemeral_for=interaction.user_id if ephemeral else None,
        )

    def interaction_callback(
        self, interaction: Interaction, body: JSON, attachments: Sequence[Attachment]
    ) -> JSON:
        if interaction.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        ctype = body.get("type")
        data: JSON = dict(body.get("data") or {})
        allowed: dict[int, tuple[int, ...]] = {
            INTERACTION_APPLICATION_COMMAND: (4, 5, 9),
            INTERACTION_MESSAGE_COMPONENT: (4, 5, 6, 7, 9),
            INTERACTION_AUTOCOMPLETE: (8,),
            INTERACTION_MODAL_SUBMIT: (4, 5, 6, 7),
        }
        if not isinstance(ctype, int) or ctype not in allowed.get(interaction.type, ()):
            raise ApiError(
                400, 40043, "Interaction callback type is not valid for this interaction"
            )
        if ctype in (6, 7) and interaction.message_id is None:
            raise ApiError(
                400, 40043, "Interaction callback type is not valid for this interaction"
            )
        response = InteractionResponse(interaction.id, ctype, data, self.now())
        resource: JSON = {"type": ctype}
        loading = False
        if ctype == CALLBACK_CHANNEL_MESSAGE:
            msg = self.interaction_message(interaction, data, attachments, followup=False)
            response.message = msg
            interaction.original_message_id = msg.id
        elif ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            msg = self.interaction_message(
                interaction, {"flags": data.get("flags", 0)}, (), followup=False, loading=True
            )
            response.message = msg
            interaction.original_message_id = msg.id
            loading = True
        elif ctype == CALLBACK_DEFERRED_UPDATE_MESSAGE:
            assert interaction.message_id is not None  # noqa: S101 - checked above
            interaction.original_message_id = interaction.message_id
            response.message = self.messages[interaction.message_id]
        elif ctype == CALLBACK_UPDATE_MESSAGE:
            assert interaction.message_id is not None  # noqa: S101 - checked above
            target = self.messages[interaction.message_id]
            validate_message_body(data, attachments, allow_empty=True)
            self.edit_message(target, dict(data), uploaded=attachments)
            interaction.original_message_id = target.id
            response.message = target
        elif ctype == CALLBACK_AUTOCOMPLETE_RESULT:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise form_error(
                    "data.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
                )
        elif ctype == CALLBACK_MODAL:
            if not data.get("custom_id") or not data.get("title") or not data.get("components"):
                raise form_error("data", "Modal needs custom_id, title and components")
        interaction.responses.append(response)
        result_interaction: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "response_message_loading": loading,
            "response_message_ephemeral": bool(response.message and response.message.ephemeral),
        }
        if response.message is not None:
            result_interaction["response_message_id"] = str(response.message.id)
            if ctype in (4, 5, 7):
                resource["message"] = self.message_payload(response.message)
        self.changed()
        return {"interaction": result_interaction, "resource": resource}

    def original_message(self, interaction: Interaction) -> Message:
        if interaction.original_message_id is None:
            raise ApiError(404, 10008, "Unknown Message")
        msg = self.messages[interaction.original_message_id]
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def create_followup(
        self, interaction: Interaction, body: JSON, attachments: Sequence[Attachment]
    ) -> Message:
        if not interaction.acknowledged:
            raise ApiError(404, 10015, "Unknown Webhook")
        original = (
            self.messages.get(interaction.original_message_id)
            if interaction.original_message_id is not None
            else None
        )
        if original is not None and original.loading and not original.deleted:
            # the first follow-up after a deferred reply fills in the "thinking" message
            validate_message_body(body, attachments)
            changes = {k: v for k, v in body.items() if k in ("content", "embeds", "components")}
            original.flags &= ~FLAG_LOADING
            self.edit_message(original, changes, uploaded=attachments)
            return original
        msg = self.interaction_message(interaction, body, attachments, followup=True)
        interaction.followup_ids.append(msg.id)
        self.changed()
        return msg

    def edit_interaction_message(
        self, interaction: Interaction, msg: Message, body: JSON, attachments: Sequence[Attachment]
    ) -> Message:
        if msg.interaction_id != interaction.id and msg.id != interaction.original_message_id:
            raise ApiError(404, 10008, "Unknown Message")
        was_loading = msg.loading
        changes = {
            k: v
            for k, v in body.items()
            if k
            in (
                "content",
                "embeds",
                "embed",
                "components",
                "attachments",
                "allowed_mentions",
                "flags",
            )
        }
        msg.flags &= ~FLAG_LOADING
        self.edit_message(msg, changes, uploaded=attachments)
        if was_loading:
            validate_message_body(
                {"content": msg.content, "embeds": msg.embeds, "components": msg.components},
                msg.attachments,
            )
        return msg


# --- helpers ---------------------------------------------------------------------------------


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _emoji_key(emoji: Mapping[str, Any]) -> str:
    return str(emoji.get("id") or emoji.get("name"))


def _command_body(cmd: Mapping[str, Any]) -> JSON:
    return {
        k: v for k, v in cmd.items() if k not in ("id", "version", "application_id", "guild_id")
    }


def _normalize_embed(embed: Mapping[str, Any]) -> JSON:
    out = dict(embed)
    out.setdefault("type", "rich")
    return out


def number_components(components: Sequence[JSON]) -> list[JSON]:
    """Copy components and give each one a numeric ``id`` like Discord does."""
    copied: list[JSON] = [_deep_copy(c) for c in components]
    used = {c["id"] for c in walk_components(copied) if isinstance(c.get("id"), int)}
    counter = 1
    for component in walk_components(copied):
        if not isinstance(component.get("id"), int):
            while counter in used:
                counter += 1
            component["id"] = counter
            used.add(counter)
    return copied


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


_EMBED_LIMITS = {"title": 256, "description": 4096}


def validate_message_body(
    body: Mapping[str, Any], attachments: Sequence[Attachment] = (), *, allow_empty: bool = False
) -> None:
    """Discord's main message limits; raises :class:`ApiError` like the real API."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise form_error("content", "Must be a string.")
    if content and len(content) > 2000:
        raise form_error("content", "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    embeds = body.get("embeds") or []
    if body.get("embed"):
        embeds = [body["embed"]]
    if len(embeds) > 10:
        raise form_error("embeds", "Must be 10 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            raise form_error(f"embeds.{i}", "Must be an object.")
        for key, limit in _EMBED_LIMITS.items():
            value = embed.get(key)
            if value is not None and len(str(value)) > limit:
                raise form_error(
                    f"embeds.{i}.{key}",
                    f"Must be {limit} or fewer in length.",
                    "BASE_TYPE_MAX_LENGTH",
                )
            total += len(str(value or ""))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise form_error(
                f"embeds.{i}.fields", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        for j, fld in enumerate(fields):
            name = str(fld.get("name") or "")
            value = str(fld.get("value") or "")
            if not name or len(name) > 256:
                raise form_error(
                    f"embeds.{i}.fields.{j}.name", "Must be between 1 and 256 in length."
                )
            if not value or len(value) > 1024:
                raise form_error(
                    f"embeds.{i}.fields.{j}.value", "Must be between 1 and 1024 in length."
                )
            total += len(name) + len(value)
        footer = embed.get("footer") or {}
        if len(str(footer.get("text") or "")) > 2048:
            raise form_error(
                f"embeds.{i}.footer.text",
                "Must be 2048 or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
        author = embed.get("author") or {}
        if len(str(author.get("name") or "")) > 256:
            raise form_error(
                f"embeds.{i}.author.name", "Must be 256 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        total += len(str(footer.get("text") or "")) + len(str(author.get("name") or ""))
    if total > 6000:
        raise form_error(
            "embeds", "Embed size exceeds maximum size of 6000", "MAX_EMBED_SIZE_EXCEEDED"
        )
    components = body.get("components") or []
    v2 = bool(int(body.get("flags") or 0) & FLAG_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        raise form_error("components", "Must be 5 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    custom_ids: set[str] = set()
    for i, row in enumerate(components):
        if not v2 and row.get("type") == 1 and len(row.get("components") or []) > 5:
            raise form_error(
                f"components.{i}.components",
                "Must be 5 or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if not 1 <= len(str(custom_id)) <= 100:
                raise form_error("components", "custom_id must be between 1 and 100 in length.")
            if custom_id in custom_ids:
                raise form_error(
                    "components",
                    "Component custom id cannot be duplicated",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                )
            custom_ids.add(str(custom_id))
        label = component.get("label")
        if component.get("type") == 2 and label is not None and len(str(label)) > 80:
            raise form_error(
                "components", "Button label must be 80 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
    if v2 and (content or embeds):
        raise form_error("content", "Messages with IS_COMPONENTS_V2 cannot have content or embeds")
    if not allow_empty and not (
        content
        or embeds
        or components
        or attachments
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")
