"""/leaderboard board:[streaks|best|reputation|weekly|monthly|challenge]."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.challenges import Challenge
from cogs._common import guild_of
from cogs._ui import PagerView, board_embed

if TYPE_CHECKING:
    from bot.app import KindlingBot

Board = Literal["streaks", "best", "reputation", "weekly", "monthly", "challenge"]


async def current_challenge(bot: KindlingBot, guild: int) -> Challenge | None:
    """The active challenge, else the most recently ended one."""
    challenges = await bot.services.challenges.all(guild)
    now = bot.clock.now()
    live = [c for c in challenges if c.state_at(now) == "active"]
    if live:
        return min(live, key=lambda c: c.ends)
    ended = [c for c in challenges if c.state_at(now) == "ended"]
    return max(ended, key=lambda c: c.ends) if ended else None


class LeaderboardCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    async def cog_unload(self) -> None:
        PagerView.stop_all()

    @app_commands.command(name="leaderboard", description="Top members and pairs, 10 a page")
    @app_commands.describe(board="Which board (default: reputation)")
    @app_commands.guild_only()
    async def leaderboard(
        self, interaction: discord.Interaction, board: Board = "reputation"
    ) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        user = interaction.user.id
        challenge = await current_challenge(bot, guild) if board == "challenge" else None

        async def render(page: int) -> tuple[discord.Embed, bool]:
            now = bot.clock.now()
            data = await bot.reads.board(guild, board, page, now, challenge)
            own = await bot.reads.rank_of(guild, board, user, now, challenge)
            return board_embed(data, own), data.has_next

        # a challenge board computes everyone's progress: answer "thinking…" first so the
        # 3-second interaction deadline is never missed
        await interaction.response.defer()
        embed, has_next = await render(0)
        if not has_next:
            await interaction.followup.send(embed=embed)
            return
        view = PagerView(user, 0, has_next, render)
        view.message = await interaction.followup.send(embed=embed, view=view, wait=True)
