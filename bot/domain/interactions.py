"""Turning plain message, reaction and kudos records into interactions (SPEC §1)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple

Kind = Literal["reply", "mention", "reaction", "kudos"]

MASS_MENTION_LIMIT = 5

# user, role and channel mentions, and custom (optionally animated) emoji
_STRIP = re.compile(r"<@[!&]?\d+>|<#\d+>|<a?:[A-Za-z0-9_~\-]+:\d+>|\s+")


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message as every source (gateway, backfill, replay, demo) describes it."""

    guild: int
    channel: int
    id: int
    ts: datetime
    author: int
    content: str
    reply_to: int | None = None
    mentions: Sequence[int] = ()
    author_bot: bool = False
    # the author of the referenced message when the source knows it (gateway, backfill)
    reply_author: int | None = None
    reply_author_bot: bool = False
    parent_channel: int | None = None
    # users of this message the source knows to be bots (mentioned bots, webhooks)
    bots: Sequence[int] = ()
    # False for live messages in a channel whose backfill has not finished since the last
    # (re)connect: the channel's cursor must not skip the gap backfill still has to read
    advance_cursor: bool = True


@dataclass(frozen=True, slots=True)
class ReactionRecord:
    guild: int
    channel: int
    message: int
    user: int
    emoji: str
    ts: datetime
    user_bot: bool = False
    # the message author when the source knows it (gateway's message_author_id)
    message_author: int | None = None
    parent_channel: int | None = None


@dataclass(frozen=True, slots=True)
class KudosRecord:
    guild: int
    giver: int
    receiver: int
    ts: datetime
    reason: str | None = None
    source: str | None = None  # command interaction id or replay id; None → derived key
    receiver_bot: bool = False

    @property
    def key_source(self) -> str:
        if self.source is not None:
            return self.source
        return f"kudos:{self.ts.astimezone(UTC).isoformat()}:{self.giver}:{self.receiver}"


@dataclass(frozen=True, slots=True)
class MemberRecord:
    guild: int
    user: int
    bot: bool
    joined_at: datetime | None
    left: bool = False


@dataclass(frozen=True, slots=True)
class CursorRecord:
    """Backfill read a channel up to `message` (nothing to apply; the cursor moves)."""

    guild: int
    channel: int
    message: int


@dataclass(frozen=True, slots=True)
class DeleteRecord:
    guild: int
    channel: int
    message: int
    ts: datetime


class Candidate(NamedTuple):
    """An interaction a message would produce, before anti-abuse (a tuple: one or more per
    message, built on the hot path)."""

    kind: Kind
    target: int


def normalise_content(content: str) -> str:
    """Lower-case, fold runs of whitespace to one space, trim (duplicate detection). A lone
    surrogate (possible in a gateway payload's JSON) and a NUL (which PostgreSQL text cannot
    hold) become U+FFFD, so the text can be stored by either backend."""
    text = " ".join(content.lower().split())  # str.split's whitespace is re's \s
    if not text.isascii():
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


def meaningful_length(content: str) -> int:
    """Code points left after removing whitespace, mentions and custom emoji."""
    if "<" not in content:  # no mention or custom emoji tokens: only whitespace to drop
        return len("".join(content.split()))
    return len(_STRIP.sub("", content))


def extract_message_candidates(
    msg: MessageRecord,
    reply_author: int | None,
    counts: Callable[[int], bool],
    min_chars: int,
) -> list[Candidate]:
    """Reply first, then mentions in mention-list order; at most one per target.

    `counts(user)` says whether a user may take part at all (not a bot, not opted out,
    not excluded). The author has already been checked by the caller.
    """
    if meaningful_length(msg.content) < min_chars:
        return []
    if not msg.mentions:  # the common case: a reply or nothing
        if reply_author is not None and reply_author != msg.author and counts(reply_author):
            return [Candidate("reply", reply_author)]
        return []
    out: list[Candidate] = []
    seen: set[int] = {msg.author}
    if reply_author is not None and reply_author != msg.author and counts(reply_author):
        out.append(Candidate("reply", reply_author))
        seen.add(reply_author)
    elif reply_author is not None:
        seen.add(reply_author)
    if len(msg.mentions) > MASS_MENTION_LIMIT and len(set(msg.mentions)) > MASS_MENTION_LIMIT:
        return out
    for user in msg.mentions:
        if user in seen:
            continue
        seen.add(user)
        if counts(user):
            out.append(Candidate("mention", user))
    return out
