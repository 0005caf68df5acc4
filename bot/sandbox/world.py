"""In-memory state of the local Discord-compatible sandbox.

The :class:`World` holds users, guilds, channels, messages, application commands and
interactions, changes them the way Discord's API would and emits a gateway dispatch for
each change to listeners (the gateway server). Everything here is synchronous; the server
and the control API drive it from one asyncio loop.

The pieces it is built from: :mod:`bot.sandbox.model` (entities and constants),
:mod:`bot.sandbox.permissions` (permission maths), :mod:`bot.sandbox.payloads` (Discord's
JSON for each entity), :mod:`bot.sandbox.validation` (request checks) and
:mod:`bot.sandbox.errors` (Discord-shaped errors).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.sandbox.errors import ApiError, form_error
from bot.sandbox.model import (
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    CHANNEL_DM,
    CHANNEL_PRIVATE_THREAD,
    CHANNEL_PUBLIC_THREAD,
    CHANNEL_TEXT,
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    MESSAGE_CHAT_INPUT_COMMAND,
    MESSAGE_CONTEXT_MENU_COMMAND,
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    Attachment,
    Channel,
    Dispatch,
    Emoji,
    Guild,
    Interaction,
    InteractionResponse,
    Member,
    Message,
    MessageReference,
    Overwrite,
    Reaction,
    Role,
    RoleChange,
    SnowflakeGenerator,
    User,
    iso,
    number_components,
    utcnow,
)
from bot.sandbox.payloads import (
    channel_payload,
    emoji_payload,
    interaction_metadata,
    interaction_payload,
    member_payload,
    message_payload,
    role_payload,
    user_payload,
)
from bot.sandbox.permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    DM_PERMISSIONS,
    MENTION_EVERYONE,
    MODERATOR_PERMISSIONS,
    channel_permissions,
    check,
)
from bot.sandbox.validation import validate_command, validate_message_body

log = logging.getLogger(__name__)

T = TypeVar("T")

_USER_MENTION = re.compile(r"<@!?(\d{1,20})>")
_ROLE_MENTION = re.compile(r"<@&(\d{1,20})>")


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

    def create_guild(
        self, name: str, *, owner: int | None = None, shard: tuple[int, int] | None = None
    ) -> Guild:
        """A new guild; `shard` (id, count) picks an id on that shard (Discord's rule
        ``(guild_id >> 22) % count``)."""
        gid = self.snowflakes.next() if shard is None else self.snowflakes.next_on_shard(*shard)
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
            {"guild_id": str(guild_id), "role": role_payload(role)},
            guild_id,
        )
        return role

    def update_role(self, role: Role) -> None:
        self.emit(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role_payload(role)},
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
        self.emit("CHANNEL_CREATE", channel_payload(self, channel), guild_id)
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
        payload = channel_payload(self, thread)
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
                "emojis": [emoji_payload(e) for e in guild.emojis.values()],
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
        data = member_payload(self, member)
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
            {"guild_id": str(guild_id), "user": user_payload(self.user(user_id))},
            guild_id,
        )

    # -- permissions (the maths is in bot.sandbox.permissions) ----------------------------------

    def permissions_in(self, channel_id: int, user_id: int) -> int:
        channel = self.channel(channel_id)
        if channel.guild_id is None:
            return DM_PERMISSIONS
        guild = self.guild(channel.guild_id)
        source = channel
        if channel.is_thread and channel.parent_id is not None:
            source = self.channel(channel.parent_id)
        return channel_permissions(guild, source, user_id)

    def require(self, channel_id: int, user_id: int, *needed: int) -> None:
        check(self.permissions_in(channel_id, user_id), *needed)

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
            self.emit("MESSAGE_CREATE", message_payload(self, msg, gateway=True), msg.guild_id)
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
            self.emit("MESSAGE_UPDATE", message_payload(self, msg, gateway=True), msg.guild_id)
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
                data["member"] = member_payload(self, member)
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
        self.emit("MESSAGE_UPDATE", message_payload(self, msg, gateway=True), msg.guild_id)

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
        data = member_payload(self, member)
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
            cmd = validate_command(raw, f"{index}")
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
        payload = interaction_payload(self, interaction, locale=locale)
        interaction.payload = payload
        self.interactions[iid] = interaction
        self.interactions_by_token[token] = interaction
        self.emit("INTERACTION_CREATE", payload, channel.guild_id)
        return interaction

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
            interaction_metadata=interaction_metadata(self, interaction, followup=followup),
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
                resource["message"] = message_payload(self, response.message)
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
