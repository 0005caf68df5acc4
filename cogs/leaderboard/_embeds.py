"""Leaderboard embeds, shared by /leaderboard and the scheduled leaderboard post."""

from __future__ import annotations

import discord

from bot.reads import BoardPage
from cogs._common import BRAND, user_tag

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
UNITS = {"streaks": "days", "best": "days", "reputation": "rep", "weekly": "pts", "challenge": ""}


def board_embed(page: BoardPage, own: tuple[int, int] | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"🏆 {page.title}", colour=BRAND)
    unit = UNITS.get(page.board, "")
    lines = []
    for entry in page.entries:
        who = " & ".join(user_tag(u) for u in entry.users)
        marker = MEDALS.get(entry.rank, f"`#{entry.rank}`")
        flame = "🔥 " if page.board in ("streaks", "best") else ""
        lines.append(f"{marker} {who} — {flame}**{entry.value}** {unit} {entry.detail}".rstrip())
    embed.description = "\n".join(lines) if lines else "Nobody on this board yet."
    footer = f"Page {page.page + 1}"
    if own is not None:
        footer += f" · You: #{own[0]} ({own[1]} {unit})".rstrip()
    embed.set_footer(text=footer)
    return embed
