"""The recap post of a completed schedule period (SPEC §6): a new message, readable on a
phone, naming public members only (mentions inside an embed ping nobody)."""

from __future__ import annotations

from datetime import datetime, timedelta

import discord
from discord.utils import TimestampStyle

from bot.reads import Recap
from cogs._common import BRAND, user_tag


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _ts(at: datetime, style: TimestampStyle) -> str:
    return discord.utils.format_dt(at, style)


def recap_title(recap: Recap) -> str:
    span = recap.end - recap.start
    if span <= timedelta(days=1, hours=2):
        return "📅 The day in review"
    return "📅 The week in review"


def recap_embed(recap: Recap) -> discord.Embed:
    embed = discord.Embed(
        title=recap_title(recap),
        description=f"{_ts(recap.start, 'D')} → {_ts(recap.end, 'D')}",
        colour=BRAND,
    )
    medals = ("🥇", "🥈", "🥉")
    if recap.members:
        lines = [
            f"{medals[i] if i < len(medals) else f'`{i + 1}.`'} {user_tag(u)} · "
            f"{_plural(points, 'point')}"
            for i, (u, points) in enumerate(recap.members)
        ]
        embed.add_field(name="🏆 Top members", value="\n".join(lines), inline=False)
    if recap.pairs:
        lines = [
            f"{user_tag(a)} & {user_tag(b)} · {_plural(days, 'streak day')}"
            for a, b, days in recap.pairs
        ]
        embed.add_field(name="🤝 Top pairs", value="\n".join(lines), inline=False)
    if recap.milestones:
        lines = [
            f"🔥 {user_tag(a)} & {user_tag(b)} reached {_plural(length, 'day')}"
            for a, b, length in recap.milestones
        ]
        if recap.milestone_count > len(recap.milestones):
            lines.append(f"…and {recap.milestone_count - len(recap.milestones):,} more")
        embed.add_field(name="Streak milestones", value="\n".join(lines), inline=False)
    if recap.badges:
        lines = []
        for emoji, name, users, total in recap.badges:
            names = ", ".join(user_tag(u) for u in users)
            more = f" and {total - len(users):,} more" if total > len(users) else ""
            lines.append(f"{emoji} **{discord.utils.escape_markdown(name)}** · {names}{more}")
        if recap.badge_count > len(recap.badges):
            lines.append(f"…and {recap.badge_count - len(recap.badges):,} more badges")
        embed.add_field(name="🏅 New badges", value="\n".join(lines)[:1024], inline=False)
    if recap.challenges:
        lines = []
        for ended in recap.challenges:
            name = discord.utils.escape_markdown(ended.challenge.name)
            done = max(ended.total, len(ended.completed))  # hidden completers count too
            lines.append(f"🏁 **{name}** · {_plural(done, 'member')} completed it")
        embed.add_field(name="Challenges that ended", value="\n".join(lines), inline=False)
    embed.set_footer(text="The live board above keeps counting the new period.")
    return embed
