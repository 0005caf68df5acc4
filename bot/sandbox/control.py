"""Python control API over a running sandbox server.

Tests and the demo use it to act as simulated members (messages, replies, reactions,
slash commands, buttons, modals, joins and leaves) and to read back everything the bot
did (messages, interaction responses, follow-ups, DMs, role changes, pins, commands).
Actions are ``async``: they return once the resulting gateway dispatch is on the wire.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot.sandbox.model import (
    CALLBACK_MODAL,
    CHANNEL_TEXT,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    OPTION_ATTACHMENT,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
    OPTION_USER,
    Channel,
    Emoji,
    Guild,
    Interaction,
    InteractionResponse,
    Member,
    Message,
    Overwrite,
    Role,
    RoleChange,
    User,
    number_components,
)
from bot.sandbox.payloads import (
    attachment_payload,
    channel_payload,
    member_payload,
    message_payload,
    role_payload,
    user_payload,
)
from bot.sandbox.permissions import ADMINISTRATOR
from bot.sandbox.validation import parse_emoji
from bot.sandbox.world import World

log = logging.getLogger(__name__)

T = TypeVar("T")

Actor = int | User | Member
ChannelRef = int | str | Channel | None
GuildRef = int | Guild | None
MessageRef = int | Message
InteractionRef = int | Interaction
RoleRef = int | str | Role

MAX_OPTION_NUMBER = 2**53
"""Discord's range for INTEGER and NUMBER option values: -2^53 to 2^53."""
MAX_OPTION_STRING = 6000
"""The longest STRING option value Discord accepts (the largest ``max_length``)."""


class ControlError(Exception):
    """The control API was asked for something a Discord user could not do."""


def _check_utf8(where: str, value: str) -> None:
    """Discord's strings are UTF-8: a lone surrogate (U+D800..U+DFFF) cannot be sent at all
    (discord/discord-api-docs#6561), so no interaction ever carries one."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ControlError(f"{where}: a lone surrogate is not valid UTF-8") from None


class Server(Protocol):
    """What :class:`Control` needs from the server it drives (:class:`~bot.sandbox.Sandbox`).

    Control depends on this, never on the server module: the server builds its Control.
    """

    @property
    def world(self) -> World: ...

    async def flush(self) -> None: ...

    def announce_guild(self, guild: Guild) -> None: ...

    async def wait_connected(self, *, since: int | None = None, timeout: float = 5.0) -> int: ...


class Control:
    """Act as members of the sandbox and read back what the bot did."""

    def __init__(self, sandbox: Server) -> None:
        self.sandbox = sandbox

    # -- basics ----------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        return self.sandbox.world

    @property
    def guild(self) -> Guild:
        """The default guild."""
        return self.world.default_guild

    @property
    def bot(self) -> User:
        return self.world.bot_user

    @property
    def owner(self) -> User:
        """The guild owner / application owner (a human with every permission)."""
        return self.world.owner

    def _guild(self, ref: GuildRef) -> Guild:
        if ref is None:
            return self.guild
        if isinstance(ref, Guild):
            return ref
        return self.world.guild(ref)

    def channel(self, ref: ChannelRef = None, *, guild: GuildRef = None) -> Channel:
        """A channel by id, name (``"general"`` / ``"#general"``) or object; default #general."""
        if isinstance(ref, Channel):
            return ref
        g = self._guild(guild)
        if ref is None:
            if g.system_channel_id is None:
                raise ControlError("the guild has no default channel")
            return self.world.channel(g.system_channel_id)
        if isinstance(ref, str):
            return self.world.channel_by_name(ref, g.id)
        return self.world.channel(ref)

    def dm_channel(self, who: Actor) -> Channel:
        """The DM channel between ``who`` and the bot (created on first use)."""
        return self.world.dm_channel(self.user(who).id)

    def user(self, who: Actor) -> User:
        if isinstance(who, User):
            return who
        if isinstance(who, Member):
            return self.world.user(who.user_id)
        return self.world.user(who)

    def member(self, who: Actor, *, guild: GuildRef = None) -> Member:
        g = self._guild(guild)
        uid = self.user(who).id
        member = g.members.get(uid)
        if member is None:
            raise ControlError(f"user {uid} is not a member of guild {g.id}")
        return member

    def role(self, ref: RoleRef, *, guild: GuildRef = None) -> Role:
        g = self._guild(guild)
        if isinstance(ref, Role):
            return ref
        if isinstance(ref, str):
            for role in g.roles.values():
                if role.name == ref:
                    return role
            raise ControlError(f"no role named {ref!r}")
        return self.world.role(g.id, ref)

    def message(self, ref: MessageRef) -> Message:
        if isinstance(ref, Message):
            return ref
        msg = self.world.messages.get(ref)
        if msg is None:
            raise ControlError(f"unknown message {ref}")
        return msg

    def interaction(self, ref: InteractionRef) -> Interaction:
        if isinstance(ref, Interaction):
            return ref
        found = self.world.interactions.get(ref)
        if found is None:
            raise ControlError(f"unknown interaction {ref}")
        return found

    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    async def flush(self) -> None:
        """Wait until every gateway dispatch produced so far has been written."""
        await self.sandbox.flush()

    # -- setting up the world ----------------------------------------------------------------------

    async def add_member(
        self,
        name: str,
        *,
        bot: bool = False,
        roles: Sequence[RoleRef] = (),
        joined_at: datetime | None = None,
        nick: str | None = None,
        global_name: str | None = None,
        dms_open: bool = True,
        guild: GuildRef = None,
    ) -> Member:
        """Create a user (human or bot) and add them to the guild (GUILD_MEMBER_ADD)."""
        g = self._guild(guild)
        user = self.world.create_user(name, bot=bot, global_name=global_name, dms_open=dms_open)
        role_ids = [self.role(r, guild=g).id for r in roles]
        member = self.world.add_member(
            g.id, user.id, roles=role_ids, joined_at=joined_at, nick=nick
        )
        await self.flush()
        return member

    async def join(
        self,
        who: Actor,
        *,
        guild: GuildRef = None,
        roles: Sequence[RoleRef] = (),
        joined_at: datetime | None = None,
    ) -> Member:
        """An existing user (e.g. one who left) joins the guild."""
        g = self._guild(guild)
        role_ids = [self.role(r, guild=g).id for r in roles]
        member = self.world.add_member(g.id, self.user(who).id, roles=role_ids, joined_at=joined_at)
        await self.flush()
        return member

    async def leave(self, who: Actor, *, guild: GuildRef = None) -> None:
        g = self._guild(guild)
        self.world.remove_member(g.id, self.user(who).id)
        await self.flush()

    async def add_role(
        self,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        color: int = 0,
        mentionable: bool = False,
        guild: GuildRef = None,
    ) -> Role:
        """Create a role (GUILD_ROLE_CREATE). Position 1 (the default) is below the bot's role."""
        g = self._guild(guild)
        role = self.world.create_role(
            g.id,
            name,
            permissions=permissions,
            position=position,
            color=color,
            mentionable=mentionable,
        )
        await self.flush()
        return role

    async def set_role_permissions(
        self, role: RoleRef, permissions: int, *, guild: GuildRef = None
    ) -> Role:
        r = self.role(role, guild=guild)
        r.permissions = permissions
        self.world.update_role(r)
        await self.flush()
        return r

    async def set_roles(
        self,
        who: Actor,
        roles: Sequence[RoleRef],
        *,
        guild: GuildRef = None,
        by: Actor | None = None,
    ) -> list[RoleChange]:
        """A moderator sets a member's roles (GUILD_MEMBER_UPDATE)."""
        g = self._guild(guild)
        role_ids = [self.role(r, guild=g).id for r in roles]
        by_id = self.user(by).id if by is not None else g.owner_id
        changes = self.world.set_member_roles(g.id, self.user(who).id, role_ids, by=by_id)
        await self.flush()
        return changes

    async def give_role(self, who: Actor, role: RoleRef, *, guild: GuildRef = None) -> None:
        member = self.member(who, guild=guild)
        rid = self.role(role, guild=guild).id
        await self.set_roles(who, [*member.roles, rid], guild=guild)

    async def take_role(self, who: Actor, role: RoleRef, *, guild: GuildRef = None) -> None:
        member = self.member(who, guild=guild)
        rid = self.role(role, guild=guild).id
        await self.set_roles(who, [r for r in member.roles if r != rid], guild=guild)

    async def add_channel(
        self,
        name: str,
        *,
        type: int = CHANNEL_TEXT,
        parent: ChannelRef = None,
        topic: str | None = None,
        overwrites: Sequence[Overwrite] = (),
        guild: GuildRef = None,
    ) -> Channel:
        g = self._guild(guild)
        parent_id = self.channel(parent, guild=g).id if parent is not None else None
        channel = self.world.create_channel(
            g.id, name, type=type, parent_id=parent_id, topic=topic, overwrites=overwrites
        )
        await self.flush()
        return channel

    async def create_thread(
        self,
        who: Actor,
        channel: ChannelRef,
        name: str,
        *,
        message: MessageRef | None = None,
        private: bool = False,
    ) -> Channel:
        parent = self.channel(channel)
        thread = self.world.create_thread(
            parent.id,
            name,
            owner_id=self.user(who).id,
            private=private,
            thread_id=self.message(message).id if message is not None else None,
        )
        await self.flush()
        return thread

    async def add_emoji(self, name: str, *, guild: GuildRef = None) -> Emoji:
        emoji = self.world.create_emoji(self._guild(guild).id, name)
        await self.flush()
        return emoji

    async def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> Guild:
        """The bot joins a new guild (GUILD_CREATE, on the connection of its shard);
        `shard` (id, count) places it on that shard."""
        g = self.world.create_guild(name, shard=shard)
        self.sandbox.announce_guild(g)
        await self.flush()
        return g

    # -- acting as members -------------------------------------------------------------------------

    async def send_message(
        self,
        author: Actor,
        content: str = "",
        *,
        channel: ChannelRef = None,
        reply_to: MessageRef | None = None,
        mention_author: bool = True,
        mentions: Sequence[Actor] | None = None,
        embeds: Sequence[JSON] = (),
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> Message:
        """Post a message as ``author``.

        ``<@id>`` tokens in ``content`` become mentions; ``mentions`` adds more. A reply
        (``reply_to``) pings the replied-to author unless ``mention_author=False``, as in
        Discord's client. Defaults to the replied message's channel, else #general.
        """
        user = self.user(author)
        target = self.message(reply_to) if reply_to is not None else None
        if channel is None and target is not None:
            ch = self.world.channel(target.channel_id)
        else:
            ch = self.channel(channel)
        if ch.guild_id is not None and user.id not in self.world.guilds[ch.guild_id].members:
            raise ControlError(f"{user.username} is not a member of the channel's guild")
        files = [
            self.world.create_attachment(name, data, channel_id=ch.id) for name, data in attachments
        ]
        allowed = (
            None
            if mention_author
            else {"parse": ["users", "roles", "everyone"], "replied_user": False}
        )
        msg = self.world.create_message(
            ch.id,
            user.id,
            content=content,
            embeds=embeds,
            attachments=files,
            reply_to=target.id if target is not None else None,
            mentions=[self.user(m).id for m in mentions] if mentions else None,
            allowed_mentions=allowed,
        )
        await self.flush()
        return msg

    async def edit_message(self, message: MessageRef, content: str) -> Message:
        msg = self.message(message)
        self.world.edit_message(msg, {"content": content})
        await self.flush()
        return msg

    async def delete_message(self, message: MessageRef) -> None:
        self.world.delete_message(self.message(message))
        await self.flush()

    async def react(self, who: Actor, message: MessageRef, emoji: str | Emoji = "⭐") -> None:
        msg = self.message(message)
        self.world.add_reaction(msg, self.user(who).id, self._emoji(emoji, msg))
        await self.flush()

    async def unreact(self, who: Actor, message: MessageRef, emoji: str | Emoji = "⭐") -> None:
        msg = self.message(message)
        self.world.remove_reaction(msg, self.user(who).id, self._emoji(emoji, msg))
        await self.flush()

    def _emoji(self, emoji: str | Emoji, msg: Message) -> JSON:
        if isinstance(emoji, Emoji):
            return {"id": str(emoji.id), "name": emoji.name, "animated": emoji.animated}
        return parse_emoji(emoji, self.world.guilds.values())

    async def send_dm(self, author: Actor, content: str) -> Message:
        """A user writes to the bot in DMs."""
        user = self.user(author)
        channel = self.world.dm_channel(user.id)
        msg = self.world.create_message(channel.id, user.id, content=content)
        await self.flush()
        return msg

    # -- slash commands ----------------------------------------------------------------------------

    async def invoke(
        self,
        who: Actor,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        channel: ChannelRef = None,
        locale: str = "en-US",
        check_permissions: bool = True,
        check_contexts: bool = True,
    ) -> Interaction:
        """Run a registered slash command as ``who``.

        ``command`` is the full path as typed, e.g. ``"thanks"`` or ``"challenge join"``
        or ``"settings points set"``. ``options`` maps option names to values: str, int,
        float, bool; users as ids / User / Member (sent with ``resolved`` users and members);
        roles as id / name / Role; channels as id / ``"#name"`` / Channel; attachments as
        ``(filename, bytes)``. Values are checked against the registered schema.
        ``check_contexts=False`` delivers a guild-only command in DMs anyway, which Discord
        does not do: it tests what the bot does if it ever arrives (defence in depth).
        """
        ch = self.channel(channel)
        data, cmd_name = self._command_data(
            who, command, options or {}, ch, None, check_permissions, check_contexts
        )
        interaction = self.world.create_interaction(
            INTERACTION_APPLICATION_COMMAND,
            self.user(who).id,
            ch.id,
            data,
            command_name=cmd_name,
            locale=locale,
            loop_time=self._loop_time(),
        )
        await self.flush()
        return interaction

    async def invoke_menu(
        self,
        who: Actor,
        name: str,
        target: MessageRef | Actor,
        *,
        message: bool,
        channel: ChannelRef = None,
        locale: str = "en-US",
        check_contexts: bool = True,
    ) -> Interaction:
        """Run a context-menu command (right-click → Apps → ``name``) on a message
        (``message=True``) or a user, as Discord does: type 2 with ``data.type`` 3 or 2,
        ``target_id`` and the target in ``resolved``. ``check_contexts`` as in :meth:`invoke`."""
        user = self.user(who)
        kind = 3 if message else 2
        if message:
            msg = self._visible_message(user, target)  # type: ignore[arg-type]
            ch = self.channel(msg.channel_id)
        else:
            ch = self.channel(channel)
        try:
            cmd, is_guild = self.world.find_command(name, ch.guild_id, type=kind)
        except LookupError as exc:
            raise ControlError(str(exc)) from None
        if ch.guild_id is None:
            contexts = cmd.get("contexts")
            if check_contexts and (is_guild or (contexts is not None and 1 not in contexts)):
                raise ControlError(f"{name!r} cannot be used in DMs")
        elif user.id not in self.world.guilds[ch.guild_id].members:
            raise ControlError(f"{user.username} is not a member of the guild")
        resolved: dict[str, dict[str, JSON]] = {}
        if message:
            resolved["messages"] = {str(msg.id): message_payload(self.world, msg)}
            target_id = str(msg.id)
        else:
            target_id = self._resolve_user(f"{name!r} target", target, ch, resolved)
        data: JSON = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": kind,
            "target_id": target_id,
            "resolved": resolved,
        }
        if is_guild and ch.guild_id is not None:
            data["guild_id"] = str(ch.guild_id)
        interaction = self.world.create_interaction(
            INTERACTION_APPLICATION_COMMAND,
            user.id,
            ch.id,
            data,
            command_name=cmd["name"],
            locale=locale,
            loop_time=self._loop_time(),
        )
        await self.flush()
        return interaction

    async def autocomplete(
        self,
        who: Actor,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        focused: str,
        channel: ChannelRef = None,
        locale: str = "en-US",
    ) -> Interaction:
        """Send an autocomplete request (type 4) with ``focused`` being typed."""
        ch = self.channel(channel)
        data, cmd_name = self._command_data(who, command, options or {}, ch, focused, False, True)
        interaction = self.world.create_interaction(
            INTERACTION_AUTOCOMPLETE,
            self.user(who).id,
            ch.id,
            data,
            command_name=cmd_name,
            locale=locale,
            loop_time=self._loop_time(),
        )
        await self.flush()
        return interaction

    def _command_data(
        self,
        who: Actor,
        command: str,
        options: Mapping[str, object],
        channel: Channel,
        focused: str | None,
        check_permissions: bool,
        check_contexts: bool,
    ) -> tuple[JSON, str]:
        parts = command.strip().lstrip("/").split()
        if not parts:
            raise ControlError("empty command")
        user = self.user(who)
        try:
            cmd, is_guild = self.world.find_command(parts[0], channel.guild_id)
        except LookupError as exc:
            raise ControlError(str(exc)) from None
        if channel.guild_id is None:
            contexts = cmd.get("contexts")
            if check_contexts and (
                is_guild
                or (contexts is not None and 1 not in contexts)
                or cmd.get("dm_permission") is False
            ):
                raise ControlError(f"/{parts[0]} cannot be used in DMs")
        elif user.id not in self.world.guilds[channel.guild_id].members:
            raise ControlError(f"{user.username} is not a member of the guild")
        elif check_permissions and cmd.get("default_member_permissions") is not None:
            needed = int(cmd["default_member_permissions"])
            perms = self.world.permissions_in(channel.id, user.id)
            if not perms & ADMINISTRATOR and perms & needed != needed:
                raise ControlError(
                    f"{user.username} may not use /{parts[0]} (default_member_permissions={needed})"
                )
        resolved: dict[str, dict[str, JSON]] = {}
        schema: list[JSON] = list(cmd.get("options") or [])
        containers: list[JSON] = []
        top: list[JSON] = []
        current = top
        for part in parts[1:]:
            sub = next(
                (
                    o
                    for o in schema
                    if o["name"] == part
                    and o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                names = [o["name"] for o in schema if o["type"] in (1, 2)]
                raise ControlError(f"/{command}: no subcommand {part!r} (have {names})")
            node: JSON = {"name": sub["name"], "type": sub["type"], "options": []}
            current.append(node)
            containers.append(node)
            current = node["options"]
            schema = list(sub.get("options") or [])
        if any(o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP) for o in schema):
            names = [o["name"] for o in schema]
            raise ControlError(f"/{command} needs a subcommand: {names}")
        known = {o["name"]: o for o in schema}
        for name in options:
            if name not in known:
                raise ControlError(f"/{command} has no option {name!r} (have {sorted(known)})")
        if focused is not None and focused not in known:
            raise ControlError(f"/{command} has no option {focused!r} to autocomplete")
        for opt in schema:
            name = opt["name"]
            if name == focused:
                raw = options.get(name, "")
                _check_utf8(f"/{command} {name}", str(raw))
                current.append(
                    {"name": name, "type": opt["type"], "value": str(raw), "focused": True}
                )
                continue
            if name not in options:
                if opt.get("required") and focused is None:
                    raise ControlError(f"/{command}: option {name!r} is required")
                continue
            value = self._option_value(command, opt, options[name], channel, resolved, user.id)
            current.append({"name": name, "type": opt["type"], "value": value})
        data: JSON = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": cmd.get("type", 1),
            "options": top,
        }
        if resolved:
            data["resolved"] = resolved
        if is_guild and channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        return data, cmd["name"]

    def _option_value(
        self,
        command: str,
        opt: JSON,
        value: object,
        channel: Channel,
        resolved: dict[str, dict[str, JSON]],
        invoker: int,
    ) -> object:
        otype = opt["type"]
        name = opt["name"]
        where = f"/{command} {name}"
        if otype == OPTION_STRING:
            if not isinstance(value, str):
                raise ControlError(f"{where}: expected a string, got {value!r}")
            if "min_length" in opt and len(value) < int(opt["min_length"]):
                raise ControlError(f"{where}: shorter than {opt['min_length']}")
            if "max_length" in opt and len(value) > int(opt["max_length"]):
                raise ControlError(f"{where}: longer than {opt['max_length']}")
            if len(value) > MAX_OPTION_STRING:
                raise ControlError(f"{where}: longer than {MAX_OPTION_STRING}")
            _check_utf8(where, value)
            self._check_choice(where, opt, value)
            return value
        if otype in (OPTION_INTEGER, OPTION_NUMBER):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ControlError(f"{where}: expected a number, got {value!r}")
            if otype == OPTION_INTEGER and not isinstance(value, int):
                raise ControlError(f"{where}: expected an integer, got {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ControlError(f"{where}: {value!r} is not a number Discord sends")
            if not -MAX_OPTION_NUMBER <= value <= MAX_OPTION_NUMBER:
                raise ControlError(f"{where}: outside -2^53..2^53")
            if opt.get("min_value") is not None and value < opt["min_value"]:
                raise ControlError(f"{where}: below min_value {opt['min_value']}")
            if opt.get("max_value") is not None and value > opt["max_value"]:
                raise ControlError(f"{where}: above max_value {opt['max_value']}")
            self._check_choice(where, opt, value)
            return value
        if otype == OPTION_BOOLEAN:
            if not isinstance(value, bool):
                raise ControlError(f"{where}: expected a bool, got {value!r}")
            return value
        if otype == OPTION_USER:
            return self._resolve_user(where, value, channel, resolved)
        if otype == OPTION_ROLE:
            return self._resolve_role(where, value, channel, resolved)
        if otype == OPTION_MENTIONABLE:
            if isinstance(value, Role):
                return self._resolve_role(where, value, channel, resolved)
            if isinstance(value, int) and channel.guild_id is not None:
                if value in self.world.guilds[channel.guild_id].roles:
                    return self._resolve_role(where, value, channel, resolved)
            return self._resolve_user(where, value, channel, resolved)
        if otype == OPTION_CHANNEL:
            target = self._channel_value(where, value, channel)
            allowed_types = opt.get("channel_types")
            if allowed_types and target.type not in allowed_types:
                raise ControlError(f"{where}: channel type {target.type} not in {allowed_types}")
            payload = channel_payload(self.world, target, permissions_for=invoker)
            resolved.setdefault("channels", {})[str(target.id)] = payload
            return str(target.id)
        if otype == OPTION_ATTACHMENT:
            if not (isinstance(value, tuple) and len(value) == 2):
                raise ControlError(f"{where}: expected (filename, bytes)")
            filename, blob = value
            if not isinstance(filename, str) or not isinstance(blob, bytes):
                raise ControlError(f"{where}: expected (filename, bytes)")
            att = self.world.create_attachment(
                filename, blob, channel_id=channel.id, ephemeral=True
            )
            resolved.setdefault("attachments", {})[str(att.id)] = attachment_payload(att)
            return str(att.id)
        raise ControlError(f"{where}: unsupported option type {otype}")

    @staticmethod
    def _check_choice(where: str, opt: JSON, value: object) -> None:
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ControlError(f"{where}: {value!r} is not one of {[c['value'] for c in choices]}")

    def _resolve_user(
        self, where: str, value: object, channel: Channel, resolved: dict[str, dict[str, JSON]]
    ) -> str:
        if not isinstance(value, int | User | Member) or isinstance(value, bool):
            raise ControlError(f"{where}: expected a user (id, User or Member), got {value!r}")
        try:
            user = self.user(value)
        except Exception as exc:
            raise ControlError(f"{where}: unknown user {value!r}") from exc
        resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        if channel.guild_id is not None:
            member = self.world.guilds[channel.guild_id].members.get(user.id)
            if member is not None:
                resolved.setdefault("members", {})[str(user.id)] = member_payload(
                    self.world,
                    member,
                    with_user=False,
                    permissions=self.world.permissions_in(channel.id, user.id),
                )
        return str(user.id)

    def _resolve_role(
        self, where: str, value: object, channel: Channel, resolved: dict[str, dict[str, JSON]]
    ) -> str:
        if channel.guild_id is None:
            raise ControlError(f"{where}: roles need a guild channel")
        if not isinstance(value, int | str | Role) or isinstance(value, bool):
            raise ControlError(f"{where}: expected a role (id, name or Role), got {value!r}")
        try:
            role = self.role(value, guild=channel.guild_id)
        except Exception as exc:
            raise ControlError(f"{where}: unknown role {value!r}") from exc
        resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
        return str(role.id)

    def _channel_value(self, where: str, value: object, channel: Channel) -> Channel:
        if isinstance(value, Channel):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return self.world.channel(value)
        if isinstance(value, str):
            return self.channel(value, guild=channel.guild_id)
        raise ControlError(f"{where}: expected a channel (id, '#name' or Channel), got {value!r}")

    # -- components and modals ---------------------------------------------------------------------

    def _visible_message(self, user: User, message: MessageRef) -> Message:
        msg = self.message(message)
        if msg.deleted:
            raise ControlError(f"message {msg.id} was deleted")
        if msg.ephemeral_for is not None and msg.ephemeral_for != user.id:
            raise ControlError(f"message {msg.id} is ephemeral for someone else")
        return msg

    async def press_button(self, who: Actor, message: MessageRef, custom_id: str) -> Interaction:
        """Click the button ``custom_id`` on ``message`` (INTERACTION_CREATE type 3)."""
        user = self.user(who)
        msg = self._visible_message(user, message)
        component = msg.find_component(custom_id)
        if component is None:
            raise ControlError(
                f"message {msg.id} has no component {custom_id!r} (has {msg.custom_ids()})"
            )
        if component.get("type") != 2:
            raise ControlError(f"{custom_id!r} is not a button")
        if component.get("disabled"):
            raise ControlError(f"button {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": 2, "id": component.get("id")}
        interaction = self.world.create_interaction(
            INTERACTION_MESSAGE_COMPONENT,
            user.id,
            msg.channel_id,
            data,
            message=msg,
            loop_time=self._loop_time(),
        )
        await self.flush()
        return interaction

    async def select(
        self,
        who: Actor,
        message: MessageRef,
        custom_id: str,
        values: Sequence[str | int | User | Member | Role | Channel],
    ) -> Interaction:
        """Choose ``values`` in the select menu ``custom_id`` (any select type)."""
        user = self.user(who)
        msg = self._visible_message(user, message)
        component = msg.find_component(custom_id)
        if component is None or component.get("type") not in (3, 5, 6, 7, 8):
            raise ControlError(f"message {msg.id} has no select menu {custom_id!r}")
        if component.get("disabled"):
            raise ControlError(f"select {custom_id!r} is disabled")
        channel = self.world.channel(msg.channel_id)
        out_values, resolved = self._select_values(component, values, channel, user.id)
        data: JSON = {
            "custom_id": custom_id,
            "component_type": component["type"],
            "id": component.get("id"),
            "values": out_values,
        }
        if resolved:
            data["resolved"] = resolved
        interaction = self.world.create_interaction(
            INTERACTION_MESSAGE_COMPONENT,
            user.id,
            msg.channel_id,
            data,
            message=msg,
            loop_time=self._loop_time(),
        )
        await self.flush()
        return interaction

    def _select_values(
        self,
        component: JSON,
        values: Sequence[object],
        channel: Channel,
        invoker: int,
    ) -> tuple[list[str], dict[str, dict[str, JSON]]]:
        ctype = component["type"]
        custom_id = component.get("custom_id")
        lo = int(component.get("min_values", 1))
        hi = int(component.get("max_values", 1))
        if not lo <= len(values) <= hi:
            raise ControlError(f"select {custom_id!r} takes {lo}..{hi} values, got {len(values)}")
        resolved: dict[str, dict[str, JSON]] = {}
        out: list[str] = []
        where = f"select {custom_id!r}"
        for value in values:
            if ctype == 3:
                allowed = [o["value"] for o in component.get("options") or []]
                if value not in allowed:
                    raise ControlError(f"{where}: {value!r} is not one of {allowed}")
                out.append(str(value))
            elif ctype == 5:
                out.append(self._resolve_user(where, value, channel, resolved))
            elif ctype == 6:
                out.append(self._resolve_role(where, value, channel, resolved))
            elif ctype == 7:
                if isinstance(value, Role | str):
                    out.append(self._resolve_role(where, value, channel, resolved))
                else:
                    out.append(self._resolve_user(where, value, channel, resolved))
            else:
                target = self._channel_value(where, value, channel)
                resolved.setdefault("channels", {})[str(target.id)] = channel_payload(
                    self.world, target, permissions_for=invoker
                )
                out.append(str(target.id))
        return out, resolved

    def modal(self, interaction: InteractionRef) -> JSON:
        """The modal the bot opened in answer to ``interaction``."""
        inter = self.interaction(interaction)
        for response in inter.responses:
            if response.type == CALLBACK_MODAL:
                return response.data
        raise ControlError(f"interaction {inter.id} was not answered with a modal")

    async def submit_modal(
        self,
        who: Actor,
        interaction: InteractionRef,
        values: Mapping[str, str | Sequence[str]],
    ) -> Interaction:
        """Fill in and submit the modal opened in answer to ``interaction`` (type 5)."""
        origin = self.interaction(interaction)
        user = self.user(who)
        if origin.user_id != user.id:
            raise ControlError("only the user who opened a modal can submit it")
        modal = self.modal(origin)
        remaining = dict(values)
        components = self._modal_components(
            number_components(modal.get("components") or []), remaining
        )
        if remaining:
            raise ControlError(
                f"modal {modal.get('custom_id')!r} has no inputs {sorted(remaining)}"
            )
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        message = self.world.messages.get(origin.message_id) if origin.message_id else None
        result = self.world.create_interaction(
            INTERACTION_MODAL_SUBMIT,
            user.id,
            origin.channel_id,
            data,
            message=message,
            loop_time=self._loop_time(),
        )
        await self.flush()
        return result

    def _modal_components(
        self, components: Sequence[JSON], values: dict[str, str | Sequence[str]]
    ) -> list[JSON]:
        out: list[JSON] = []
        for component in components:
            ctype = component.get("type")
            if ctype == 1:
                out.append(
                    {
                        "type": 1,
                        "id": component.get("id"),
                        "components": self._modal_components(
                            component.get("components") or [], values
                        ),
                    }
                )
            elif ctype == 18:
                inner = self._modal_components([component["component"]], values)
                if inner:
                    out.append({"type": 18, "id": component.get("id"), "component": inner[0]})
            elif ctype == 4:
                custom_id = str(component["custom_id"])
                raw = values.pop(custom_id, component.get("value") or "")
                if not isinstance(raw, str):
                    raise ControlError(f"text input {custom_id!r} takes a string")
                required = component.get("required", True)
                if required and not raw:
                    raise ControlError(f"text input {custom_id!r} is required")
                if raw and "min_length" in component and len(raw) < int(component["min_length"]):
                    raise ControlError(
                        f"text input {custom_id!r} is shorter than {component['min_length']}"
                    )
                if "max_length" in component and len(raw) > int(component["max_length"]):
                    raise ControlError(
                        f"text input {custom_id!r} is longer than {component['max_length']}"
                    )
                out.append(
                    {"type": 4, "id": component.get("id"), "custom_id": custom_id, "value": raw}
                )
            elif ctype == 3:
                custom_id = str(component["custom_id"])
                chosen = values.pop(custom_id, [])
                chosen_list = [chosen] if isinstance(chosen, str) else list(chosen)
                allowed = [o["value"] for o in component.get("options") or []]
                for value in chosen_list:
                    if value not in allowed:
                        raise ControlError(
                            f"select {custom_id!r}: {value!r} is not one of {allowed}"
                        )
                out.append(
                    {
                        "type": 3,
                        "id": component.get("id"),
                        "custom_id": custom_id,
                        "values": chosen_list,
                    }
                )
            elif ctype == 10:
                out.append({"type": 10, "id": component.get("id")})
        return out

    # -- reading back what the bot did -------------------------------------------------------------

    def messages(
        self,
        channel: ChannelRef = None,
        *,
        author: Actor | None = None,
        include_ephemeral: bool = False,
        include_deleted: bool = False,
    ) -> list[Message]:
        """Messages in a channel (default #general), oldest first."""
        ch = self.channel(channel)
        author_id = self.user(author).id if author is not None else None
        out: list[Message] = []
        for mid in self.world.channel_messages.get(ch.id, []):
            msg = self.world.messages[mid]
            if msg.deleted and not include_deleted:
                continue
            if msg.ephemeral_for is not None and not include_ephemeral:
                continue
            if author_id is not None and msg.author_id != author_id:
                continue
            out.append(msg)
        return out

    def bot_messages(
        self,
        channel: ChannelRef | None = None,
        *,
        include_ephemeral: bool = False,
        all_channels: bool = False,
    ) -> list[Message]:
        """Messages the bot posted (in ``channel``, default #general, or in every guild channel)."""
        if not all_channels:
            return self.messages(channel, author=self.bot, include_ephemeral=include_ephemeral)
        out = [
            m
            for m in self.world.messages.values()
            if m.author_id == self.bot.id
            and m.guild_id is not None
            and not m.deleted
            and (include_ephemeral or m.ephemeral_for is None)
        ]
        return sorted(out, key=lambda m: m.id)

    def last_bot_message(self, channel: ChannelRef = None) -> Message | None:
        msgs = self.bot_messages(channel)
        return msgs[-1] if msgs else None

    def dms(self, user: Actor, *, include_user_messages: bool = False) -> list[Message]:
        """Messages the bot sent to ``user`` in DMs (optionally the user's own too)."""
        uid = self.user(user).id
        channel_id = self.world.dm_channels.get(uid)
        if channel_id is None:
            return []
        return [
            self.world.messages[m]
            for m in self.world.channel_messages.get(channel_id, [])
            if not self.world.messages[m].deleted
            and (include_user_messages or self.world.messages[m].author_id == self.bot.id)
        ]

    def response(self, interaction: InteractionRef) -> InteractionResponse | None:
        return self.interaction(interaction).response

    def followups(self, interaction: InteractionRef) -> list[Message]:
        inter = self.interaction(interaction)
        return [self.world.messages[m] for m in inter.followup_ids]

    def original_message(self, interaction: InteractionRef) -> Message | None:
        inter = self.interaction(interaction)
        if inter.original_message_id is None:
            return None
        return self.world.messages[inter.original_message_id]

    def role_changes(self, who: Actor | None = None, *, guild: GuildRef = None) -> list[RoleChange]:
        """Role changes (by the bot or a moderator), oldest first."""
        g = self._guild(guild)
        uid = self.user(who).id if who is not None else None
        return [
            c
            for c in self.world.role_changes
            if c.guild_id == g.id and (uid is None or c.user_id == uid)
        ]

    def member_roles(self, who: Actor, *, guild: GuildRef = None) -> list[Role]:
        g = self._guild(guild)
        return [g.roles[r] for r in self.member(who, guild=g).roles if r in g.roles]

    def pins(self, channel: ChannelRef = None) -> list[Message]:
        ch = self.channel(channel)
        return self.world.pinned_messages(ch.id)

    def reactions(self, message: MessageRef) -> dict[str, list[int]]:
        """Emoji (name, or id for custom emoji) → ids of users who reacted, in order."""
        msg = self.message(message)
        return {str(r.emoji.get("id") or r.emoji.get("name")): list(r.users) for r in msg.reactions}

    def commands(self, guild: GuildRef | str = "global") -> list[JSON]:
        """Registered application commands: ``"global"`` (default) or a guild's."""
        if guild == "global":
            return list(self.world.commands.get(None, []))
        if isinstance(guild, str):
            raise ControlError("guild must be 'global', an id or a Guild")
        return list(self.world.commands.get(self._guild(guild).id, []))

    def command_names(self, guild: GuildRef | str = "global") -> list[str]:
        return sorted(c["name"] for c in self.commands(guild))

    # -- waiting -----------------------------------------------------------------------------------

    async def wait_for(
        self, probe: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until ``probe()`` returns non-``None`` (re-checked on every change)."""
        return await self.world.wait_until(probe, timeout=timeout, what=what)

    async def wait_for_response(
        self, interaction: InteractionRef, timeout: float = 5.0
    ) -> InteractionResponse:
        """The bot's first callback to the interaction (reply, defer, update, modal, choices)."""
        inter = self.interaction(interaction)
        return await self.wait_for(
            lambda: inter.response, timeout=timeout, what=f"a response to interaction {inter.id}"
        )

    async def wait_for_reply(self, interaction: InteractionRef, timeout: float = 5.0) -> Message:
        """The interaction's visible answer: the reply, or a deferred reply once filled in."""
        inter = self.interaction(interaction)

        def probe() -> Message | None:
            if inter.original_message_id is None:
                return None
            msg = self.world.messages[inter.original_message_id]
            if msg.loading or msg.deleted:
                return None
            return msg

        return await self.wait_for(
            probe, timeout=timeout, what=f"the reply to interaction {inter.id}"
        )

    async def wait_for_followup(
        self, interaction: InteractionRef, count: int = 1, timeout: float = 5.0
    ) -> Message:
        """The ``count``-th follow-up message of the interaction."""
        inter = self.interaction(interaction)

        def probe() -> Message | None:
            if len(inter.followup_ids) >= count:
                return self.world.messages[inter.followup_ids[count - 1]]
            return None

        return await self.wait_for(probe, timeout=timeout, what=f"follow-up #{count} of {inter.id}")

    async def wait_for_message(
        self,
        channel: ChannelRef | None = None,
        *,
        author: Actor | None = None,
        after: MessageRef | None = None,
        predicate: Callable[[Message], bool] | None = None,
        any_channel: bool = False,
        include_ephemeral: bool = False,
        timeout: float = 5.0,
    ) -> Message:
        """The first message (by default from the bot) matching the filters.

        ``after`` (a message or id) skips older messages; ``any_channel`` looks everywhere,
        DMs included.
        """
        author_id = self.user(author).id if author is not None else self.bot.id
        channel_id = None if any_channel else self.channel(channel).id
        floor = self.message(after).id if isinstance(after, Message) else (after or 0)

        def probe() -> Message | None:
            pool = (
                self.world.messages.values()
                if channel_id is None
                else (
                    self.world.messages[m] for m in self.world.channel_messages.get(channel_id, [])
                )
            )
            for msg in sorted(pool, key=lambda m: m.id):
                if msg.id <= floor or msg.deleted or msg.author_id != author_id:
                    continue
                if msg.ephemeral_for is not None and not include_ephemeral:
                    continue
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self.wait_for(probe, timeout=timeout, what="a matching message")

    async def wait_for_dm(
        self,
        user: Actor,
        *,
        after: MessageRef | None = None,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0,
    ) -> Message:
        """A DM from the bot to ``user``."""
        floor = self.message(after).id if isinstance(after, Message) else (after or 0)

        def probe() -> Message | None:
            for msg in self.dms(user):
                if msg.id > floor and (predicate is None or predicate(msg)):
                    return msg
            return None

        return await self.wait_for(
            probe, timeout=timeout, what=f"a DM to {self.user(user).username}"
        )

    async def wait_for_role_change(
        self,
        who: Actor,
        role: RoleRef | None = None,
        *,
        added: bool = True,
        guild: GuildRef = None,
        timeout: float = 5.0,
    ) -> RoleChange:
        rid = self.role(role, guild=guild).id if role is not None else None

        def probe() -> RoleChange | None:
            for change in self.role_changes(who, guild=guild):
                if change.added == added and (rid is None or change.role_id == rid):
                    return change
            return None

        return await self.wait_for(probe, timeout=timeout, what="a role change")

    async def wait_for_commands(
        self, guild: GuildRef | str = "global", *, names: Sequence[str] = (), timeout: float = 5.0
    ) -> list[JSON]:
        """Registered commands once some exist (and include every name in ``names``)."""

        def probe() -> list[JSON] | None:
            cmds = self.commands(guild)
            have = {c["name"] for c in cmds}
            if cmds and set(names) <= have:
                return cmds
            return None

        return await self.wait_for(probe, timeout=timeout, what="registered commands")

    async def wait_for_reaction(
        self, message: MessageRef, emoji: str, *, user: Actor | None = None, timeout: float = 5.0
    ) -> None:
        """Until ``user`` (default the bot) has reacted with ``emoji`` on the message."""
        uid = self.user(user).id if user is not None else self.bot.id
        msg = self.message(message)

        def probe() -> bool | None:
            return True if uid in self.reactions(msg).get(emoji, []) else None

        await self.wait_for(probe, timeout=timeout, what=f"reaction {emoji} on {msg.id}")

    async def wait_connected(self, *, since: int | None = None, timeout: float = 5.0) -> int:
        return await self.sandbox.wait_connected(since=since, timeout=timeout)
