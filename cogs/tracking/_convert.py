"""discord.py objects → plain tracking records."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain.interactions import MessageRecord, ReactionRecord

_COUNTED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def message_record(message: discord.Message, advance_cursor: bool = True) -> MessageRecord | None:
    """None for messages that are never interactions' sources (system messages, DMs)."""
    if message.guild is None or message.type not in _COUNTED_TYPES:
        return None
    reply_to: int | None = None
    reply_author: int | None = None
    reply_author_bot = False
    ref = message.reference
    if ref is not None and ref.message_id is not None and message.type == discord.MessageType.reply:
        reply_to = ref.message_id
        resolved = ref.resolved
        if isinstance(resolved, discord.Message):
            reply_author = resolved.author.id
            reply_author_bot = resolved.author.bot or resolved.webhook_id is not None
    bots = tuple(u.id for u in message.mentions if u.bot)
    channel = message.channel
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    return MessageRecord(
        guild=message.guild.id,
        channel=channel.id,
        id=message.id,
        ts=message.created_at,
        author=message.author.id,
        content=message.content,
        reply_to=reply_to,
        mentions=tuple(u.id for u in message.mentions),
        author_bot=message.author.bot or message.webhook_id is not None or message.author.system,
        reply_author=reply_author,
        reply_author_bot=reply_author_bot,
        parent_channel=parent,
        bots=bots,
        advance_cursor=advance_cursor,
    )


def reaction_record(
    payload: discord.RawReactionActionEvent, at: datetime, parent: int | None
) -> ReactionRecord | None:
    if payload.guild_id is None:
        return None
    user_bot = bool(payload.member.bot) if payload.member is not None else False
    return ReactionRecord(
        guild=payload.guild_id,
        channel=payload.channel_id,
        message=payload.message_id,
        user=payload.user_id,
        emoji=str(payload.emoji),
        ts=at,
        user_bot=user_bot,
        message_author=payload.message_author_id,
        parent_channel=parent,
    )
