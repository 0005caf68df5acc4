"""The words of a thanks reply: what the thanked member got and, when it is not simply the
guild's kudos points, why (the facts come from the engine's award notes)."""

from __future__ import annotations

import discord

from bot.domain.engine import AwardNote, KudosOutcome
from cogs._common import user_tag

MAX_SHOWN_REASON = 150


def shown_reason(reason: str, limit: int = MAX_SHOWN_REASON) -> str:
    """A member's reason, safe to show: one line, no pings, no markdown tricks, clipped."""
    text = " ".join(reason.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def _kudos_lines(note: AwardNote, who: str) -> list[str]:
    if note.new_member:
        return [f"🌱 No points yet: {who} joined the server too recently to earn any."]
    if note.base <= 0:
        return ["Kudos earn no points in this server."]
    lines = []
    if note.multiplier > 1:
        source = note.challenge or "Event bonus"
        lines.append(f"⚡ {source} ×{note.multiplier:g}: {note.base} → {note.multiplied}")
    capped = f"✂️ Capped to {note.points}" if note.points > 0 else "✂️ Capped"
    if note.cap == "member":
        lines.append(
            f"{capped}: {who} already earned {note.cap_used} today; "
            f"{note.cap_limit} a day is the limit."
        )
    elif note.cap == "pair":
        lines.append(
            f"{capped}: {who} already earned {note.cap_used} with you today; "
            f"{note.cap_limit} a day per partner is the limit."
        )
    return lines


def _bonus_line(note: AwardNote) -> str | None:
    if note.points <= 0:
        return None
    if note.reason == "streak_day":
        return f"🔥 +{note.points} streak day: you both talked today."
    if note.reason.startswith("milestone-"):
        return f"🏅 +{note.points} for reaching a {note.reason.split('-', 1)[1]}-day streak."
    return None


def reward_text(outcome: KudosOutcome, receiver: int) -> tuple[str, list[str]]:
    """(headline, explanation lines) of an accepted kudos, for the thanked member."""
    who = user_tag(receiver)
    notes = outcome.notes_for(receiver)
    total = sum(n.points for n in notes)
    held = any(n.held for n in notes)
    if total <= 0:
        headline = f"💛 Kudos to {who}"
    else:
        headline = f"💛 +{total} reputation to {who}"
        if held:
            headline += " (held for review)"
    lines: list[str] = []
    for note in notes:
        if note.reason == "kudos":
            lines += _kudos_lines(note, who)
        elif (line := _bonus_line(note)) is not None:
            lines.append(line)
    if held:
        lines.append("🔍 Held for review: it counts once a moderator approves.")
    return headline, lines
