"""Challenge embeds: info with a progress bar, list, results."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain.challenges import Challenge, Progress
from cogs._common import BRAND, relative, user_tag

GOAL_TEXT = {
    "community_interactions": "interactions by the whole server",
    "pair_streak": "days in a row with one partner",
    "distinct_partners": "different partners (both ways)",
    "points": "points earned",
}


def progress_bar(value: int, target: int, width: int = 16) -> str:
    filled = min(width, value * width // target) if target > 0 else width
    return "█" * filled + "░" * (width - filled)


def challenge_embed(
    ch: Challenge, now: datetime, progress: Progress | None, viewer: int | None = None
) -> discord.Embed:
    state = ch.state_at(now)
    embed = discord.Embed(title=f"🏁 {ch.name}", colour=BRAND, description=ch.description or None)
    embed.add_field(name="Goal", value=f"{ch.target} {GOAL_TEXT.get(ch.goal, ch.goal)}")
    embed.add_field(name="State", value=state)
    if state == "scheduled":
        embed.add_field(name="Starts", value=relative(ch.starts))
    elif state == "active":
        embed.add_field(name="Ends", value=relative(ch.ends))
    if ch.multiplier > 1:
        embed.add_field(name="Bonus", value=f"×{ch.multiplier:g} points while it runs")
    embed.add_field(
        name="Joining",
        value="required (`/challenge join`)" if ch.join_required else "everyone takes part",
    )
    if progress is not None and state in ("active", "ended"):
        if ch.goal == "community_interactions":
            embed.add_field(
                name="Progress",
                inline=False,
                value=f"`{progress_bar(progress.total, ch.target)}` {progress.total}/{ch.target}",
            )
        elif viewer is not None:
            mine = progress.per_member.get(viewer, 0)
            embed.add_field(
                name="Your progress",
                inline=False,
                value=f"`{progress_bar(mine, ch.target)}` {mine}/{ch.target}",
            )
        if progress.completed:
            shown = " ".join(user_tag(u) for u in progress.completed[:20])
            more = len(progress.completed) - 20
            embed.add_field(
                name=f"Completed ({len(progress.completed)})",
                inline=False,
                value=shown + (f" and {more} more" if more > 0 else ""),
            )
    embed.set_footer(text=f"Challenge #{ch.id} · {len(ch.participants)} joined")
    return embed
