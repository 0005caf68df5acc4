"""The sandbox's data model: Discord's type constants, snowflakes and the entity records.

Plain data (plus walking and numbering component trees); :class:`~bot.sandbox.world.World`
holds and changes it, :mod:`bot.sandbox.payloads` turns it into Discord's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

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

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """The next snowflake whose guild shard, ``(id >> 22) % shard_count``, is
        ``shard_id``: later milliseconds are taken until one fits (at most
        ``shard_count - 1`` of them), as guilds created over time spread over shards."""
        candidate = self.next()
        while (candidate >> 22) % shard_count != shard_id:
            candidate = (((candidate >> 22) + 1) << 22) | (self._worker << 17)
        self._last = candidate
        return candidate


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
