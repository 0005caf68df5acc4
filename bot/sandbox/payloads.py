"""Discord API v10 JSON for the sandbox's model: what REST replies and gateway dispatches carry.

Functions, not methods: each takes the entity and, when it must look others up (authors,
members, referenced messages, permissions), a read-only :class:`WorldView`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.sandbox.model import (
    ATTACHMENT_SIZE_LIMIT,
    CHANNEL_ANNOUNCEMENT,
    CHANNEL_TEXT,
    CHANNEL_VOICE,
    INTERACTION_APPLICATION_COMMAND,
    JSON,
    Attachment,
    Channel,
    Emoji,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    User,
    iso,
)


class WorldView(Protocol):
    """What the payload builders read from the world (:class:`~bot.sandbox.world.World`)."""

    @property
    def users(self) -> Mapping[int, User]: ...

    @property
    def guilds(self) -> Mapping[int, Guild]: ...

    @property
    def channels(self) -> Mapping[int, Channel]: ...

    @property
    def messages(self) -> Mapping[int, Message]: ...

    @property
    def bot_user(self) -> User: ...

    @property
    def owner(self) -> User: ...

    @property
    def application_id(self) -> int: ...

    def user(self, user_id: int) -> User: ...

    def guild(self, guild_id: int) -> Guild: ...

    def member(self, guild_id: int, user_id: int) -> Member: ...

    def permissions_in(self, channel_id: int, user_id: int) -> int: ...


def opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def user_payload(user: User) -> JSON:
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


def me_payload(world: WorldView) -> JSON:
    data = user_payload(world.bot_user)
    data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
    return data


def member_payload(
    world: WorldView,
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
        data["user"] = user_payload(world.user(member.user_id))
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role_payload(role: Role) -> JSON:
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


def emoji_payload(emoji: Emoji) -> JSON:
    return {
        "id": str(emoji.id),
        "name": emoji.name,
        "roles": [],
        "require_colons": True,
        "managed": False,
        "animated": emoji.animated,
        "available": True,
    }


def channel_payload(
    world: WorldView, channel: Channel, *, permissions_for: int | None = None
) -> JSON:
    data: JSON = {"id": str(channel.id), "type": channel.type, "flags": 0}
    if channel.is_dm:
        data["last_message_id"] = opt_str(channel.last_message_id)
        data["recipients"] = [user_payload(world.user(u)) for u in channel.recipients]
        return data
    data.update(
        {
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "parent_id": opt_str(channel.parent_id),
            "nsfw": channel.nsfw,
            "rate_limit_per_user": 0,
        }
    )
    if channel.is_thread:
        data.update(
            {
                "owner_id": opt_str(channel.owner_id),
                "last_message_id": opt_str(channel.last_message_id),
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
                    "last_message_id": opt_str(channel.last_message_id),
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
                    "last_message_id": opt_str(channel.last_message_id),
                }
            )
    if permissions_for is not None:
        data["permissions"] = str(world.permissions_in(channel.id, permissions_for))
    return data


def guild_payload(guild: Guild) -> JSON:
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
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [emoji_payload(e) for e in guild.emojis.values()],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": opt_str(guild.system_channel_id),
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


def guild_create_payload(world: WorldView, guild: Guild, *, include_members: bool) -> JSON:
    data = guild_payload(guild)
    bot_member = guild.members.get(world.bot_user.id)
    members = (
        list(guild.members.values())
        if include_members
        else [m for m in guild.members.values() if m.user_id == world.bot_user.id]
    )
    channels = [world.channels[c] for c in guild.channel_ids]
    data.update(
        {
            "joined_at": iso(bot_member.joined_at if bot_member else guild.created_at),
            "large": len(guild.members) >= 250,
            "unavailable": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [member_payload(world, m) for m in members],
            "channels": [channel_payload(world, c) for c in channels if not c.is_thread],
            "threads": [
                channel_payload(world, c) for c in channels if c.is_thread and not c.archived
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


def attachment_payload(attachment: Attachment) -> JSON:
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


def reaction_payloads(msg: Message, viewer: int) -> list[JSON]:
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
    world: WorldView, msg: Message, *, gateway: bool = False, with_reference: bool = True
) -> JSON:
    author = world.user(msg.author_id)
    data: JSON = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "author": user_payload(author),
        "content": msg.content,
        "timestamp": iso(msg.timestamp),
        "edited_timestamp": iso(msg.edited_at),
        "tts": msg.tts,
        "mention_everyone": msg.mention_everyone,
        "mentions": [mention_payload(world, msg, uid) for uid in msg.mentions],
        "mention_roles": [str(r) for r in msg.mention_roles],
        "attachments": [attachment_payload(a) for a in msg.attachments],
        "embeds": [dict(e) for e in msg.embeds],
        "pinned": msg.pinned,
        "type": msg.type,
        "flags": msg.flags,
        "components": msg.components,
    }
    reactions = reaction_payloads(msg, world.bot_user.id)
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
            "guild_id": opt_str(msg.reference.guild_id),
        }
        if with_reference:
            ref = world.messages.get(msg.reference.message_id)
            data["referenced_message"] = (
                None
                if ref is None or ref.deleted
                else message_payload(world, ref, gateway=False, with_reference=False)
            )
    if gateway and msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
        member = world.guilds[msg.guild_id].members.get(msg.author_id)
        if member is not None and msg.webhook_id is None:
            data["member"] = member_payload(world, member, with_user=False)
    return data


def mention_payload(world: WorldView, msg: Message, user_id: int) -> JSON:
    data = user_payload(world.user(user_id))
    if msg.guild_id is not None:
        member = world.guilds[msg.guild_id].members.get(user_id)
        if member is not None:
            data["member"] = member_payload(world, member, with_user=False)
    return data


def application_payload(world: WorldView) -> JSON:
    return {
        "id": str(world.application_id),
        "name": world.bot_user.username,
        "icon": None,
        "description": "Kindling (local sandbox)",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user_payload(world.owner),
        "team": None,
        "flags": (1 << 15) | (1 << 19) | (1 << 23),
        "bot": user_payload(world.bot_user),
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
        "approximate_guild_count": len(world.guilds),
        "redirect_uris": [],
        "rpc_origins": [],
    }


def interaction_metadata(world: WorldView, interaction: Interaction, *, followup: bool) -> JSON:
    meta: JSON = {
        "id": str(interaction.id),
        "type": interaction.type,
        "user": user_payload(world.user(interaction.user_id)),
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


def interaction_payload(world: WorldView, interaction: Interaction, *, locale: str) -> JSON:
    """The INTERACTION_CREATE dispatch for a new interaction (raises if the user left)."""
    channel = world.channels[interaction.channel_id]
    user = world.user(interaction.user_id)
    payload: JSON = {
        "id": str(interaction.id),
        "application_id": str(world.application_id),
        "type": interaction.type,
        "data": interaction.data,
        "token": interaction.token,
        "version": 1,
        "channel_id": str(channel.id),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if channel.guild_id is not None:
        guild = world.guild(channel.guild_id)
        member = world.member(guild.id, user.id)
        payload.update(
            {
                "guild_id": str(guild.id),
                "guild": {
                    "id": str(guild.id),
                    "locale": guild.preferred_locale,
                    "features": [],
                },
                "guild_locale": guild.preferred_locale,
                "member": member_payload(
                    world, member, permissions=world.permissions_in(channel.id, user.id)
                ),
                "app_permissions": str(world.permissions_in(channel.id, world.bot_user.id)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
                "channel": channel_payload(world, channel, permissions_for=user.id),
            }
        )
    else:
        payload.update(
            {
                "user": user_payload(user),
                "app_permissions": str(world.permissions_in(channel.id, world.bot_user.id)),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
                "channel": channel_payload(world, channel),
            }
        )
    if interaction.message_id is not None:
        payload["message"] = message_payload(
            world, world.messages[interaction.message_id], gateway=True
        )
    return payload
