"""/leaderboard board:[streaks|best|reputation|weekly|monthly|challenge]."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.challenges import Challenge
from bot.domain.errors import DomainError
from bot.reads import BoardPage
from cogs._cards import board_card_file, member_names
from cogs._common import guild_of
from cogs._ui import (
    BOARD_LABELS,
    CHALLENGE_UNITS,
    PAGE_SIZE,
    UNITS,
    PagerView,
    board_embed,
    page_count,
    readable_title,
)

if TYPE_CHECKING:
    from bot.app import KindlingBot

BOARDS = ("reputation", "weekly", "monthly", "streaks", "best", "challenge")
BOARD_CHOICES = [app_commands.Choice(name=BOARD_LABELS[b], value=b) for b in BOARDS]
MY_PAGE_SCAN = 5  # pages looked at past the rank's page (ties share a rank)


async def current_challenge(bot: KindlingBot, guild: int) -> Challenge | None:
    """The active challenge, else the most recently ended one."""
    challenges = await bot.services.challenges.all(guild)
    now = bot.clock.now()
    live = [c for c in challenges if c.state_at(now) == "active"]
    if live:
        return min(live, key=lambda c: c.ends)
    ended = [c for c in challenges if c.state_at(now) == "ended"]
    return max(ended, key=lambda c: c.ends) if ended else None


def pages_of(data: BoardPage, size: int) -> int:
    """The board's page count, consistent with the page in hand (a count a moment old may
    differ from the rows just read: the rows win)."""
    if not data.has_next:
        return data.page + 1
    return max(page_count(size), data.page + 2)


class LeaderboardCog(commands.Cog):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    async def cog_unload(self) -> None:
        PagerView.stop_all()

    @app_commands.command(name="leaderboard", description="Top members and pairs, 10 a page")
    @app_commands.describe(board="Which board (default: reputation)")
    @app_commands.choices(board=BOARD_CHOICES)
    @app_commands.guild_only()
    async def leaderboard(
        self, interaction: discord.Interaction, board: str = "reputation"
    ) -> None:
        if board not in BOARDS:  # Discord sends only the choices; anything else is refused
            raise DomainError("Pick a board from the list.")
        guild = guild_of(interaction)
        bot = self.bot
        user = interaction.user.id
        challenge = await current_challenge(bot, guild) if board == "challenge" else None
        unit = CHALLENGE_UNITS.get(challenge.goal) if challenge is not None else None
        shown: dict[int, BoardPage] = {}  # the page just rendered, for its picture
        name_of = member_names(interaction.guild)

        async def render(page: int) -> tuple[discord.Embed, int]:
            now = bot.clock.now()
            data = await bot.reads.board(guild, board, page, now, challenge)
            size = await bot.reads.board_size(guild, board, now, challenge)
            own = await bot.reads.rank_of(guild, board, user, now, challenge)
            shown.clear()
            shown[page] = data
            return board_embed(data, own, unit), pages_of(data, size)

        async def picture(page: int) -> discord.File | None:
            """The page as `board.png` (members' names, the same ranks and values); none for
            an empty page or a member who chose text-only cards."""
            data = shown.get(page)
            if data is None or not data.entries:
                return None
            titled = BoardPage(
                data.board, data.entries, data.page, data.has_next, readable_title(data.title)
            )
            return await board_card_file(
                bot, guild, user, titled, name_of, unit or UNITS.get(board, ("", ""))
            )

        async def own_page() -> int | None:
            """The page where the invoker is listed: from their rank, then a few pages on
            (members tied with them share the rank but fill the following rows)."""
            now = bot.clock.now()
            own = await bot.reads.rank_of(guild, board, user, now, challenge)
            if own is None:
                return None
            page = (own[0] - 1) // PAGE_SIZE
            for _ in range(MY_PAGE_SCAN):
                data = await bot.reads.board(guild, board, page, now, challenge)
                if any(user in e.users for e in data.entries):
                    return page
                if not data.has_next:
                    break
                page += 1
            return None  # ranked, but left off the board (their stats are private)

        # a challenge board computes everyone's progress: answer "thinking…" first so the
        # 3-second interaction deadline is never missed
        await interaction.response.defer()
        view = PagerView(user, render, own_page=own_page, picture=picture)
        embed = await view.open(0)
        files = [view.file] if view.file is not None else []
        if view.pages <= 1:
            view.stop()
            # one page: `Page 1/1`, no buttons
            await interaction.followup.send(embed=embed, files=files)
            return
        view.message = await interaction.followup.send(
            embed=embed, view=view, files=files, wait=True
        )
