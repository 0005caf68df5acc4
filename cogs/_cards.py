"""Image cards attached to replies (shared by the cogs that show them): the member's
text-or-picture choice, the render budget, and the pair calendar of `/streak member`."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.domain.calendar import CalendarDays
from bot.domain.challenges import Challenge, Progress
from bot.images.cards import (
    BoardImage,
    BoardRow,
    Calendar,
    ChallengeImage,
    ChallengeRow,
    PairCalendar,
)

if TYPE_CHECKING:
    from bot.app import KindlingBot
    from bot.reads import BoardPage, PairView

log = logging.getLogger(__name__)

CARD_SECONDS = 2.0  # a picture's budget: past it the reply goes out as text alone
PAIR_FILE = "streak.png"
BOARD_FILE = "board.png"
CHALLENGE_FILE = "challenge.png"
COMMUNITY = "community_interactions"
GOAL_WORDS = {
    "community_interactions": "interactions by the whole server",
    "pair_streak": "days in a row with one partner",
    "distinct_partners": "different partners",
    "points": "points",
}

NameOf = Callable[[int], str]
"""A member's display name by id ("a member" when unknown or private)."""


def member_names(guild: discord.Guild | None) -> NameOf:
    """Display names from the guild's member cache ("a member" when not there)."""

    def name_of(user: int) -> str:
        member = guild.get_member(user) if guild is not None else None
        return member.display_name if member is not None else "a member"

    return name_of


async def wants_pictures(bot: KindlingBot, guild: int, user: int) -> bool:
    """False when `user` chose text-only cards (`/profile cards:Text only`)."""
    return await bot.reads.card_style(guild, user) == "image"


async def drawn(render: Awaitable[bytes], what: str) -> bytes | None:
    """The PNG, or None (logged) when it can't be drawn within CARD_SECONDS: the reply
    then goes out as text, which says the same."""
    try:
        return await asyncio.wait_for(render, CARD_SECONDS)
    except TimeoutError:
        log.warning("%s card took over %.1f s; sent as text", what, CARD_SECONDS)
    except Exception:
        log.exception("%s card could not be drawn; sent as text", what)
    return None


def calendar_of(days: CalendarDays, with_run: bool) -> Calendar:
    return Calendar(days.first, days.today, days.counts, days.frozen, days.run if with_run else ())


def pair_status(pair: PairView) -> str:
    view = pair.view
    if not view.alive:
        return f"Ended after {view.length} day{'s' if view.length != 1 else ''}"
    return "Talk today to keep it going" if view.at_risk else "Done for today ✓"


async def pair_card_file(
    bot: KindlingBot,
    guild: int,
    viewer: discord.abc.User,
    partner: discord.abc.User,
    pair: PairView,
    now: datetime,
) -> discord.File | None:
    """The pair's 12-week calendar as `streak.png` (running days and freezes marked), or
    None when the viewer chose text or it could not be drawn."""
    if not await wants_pictures(bot, guild, viewer.id):
        return None
    days = await bot.reads.pair_calendar(guild, pair.a, pair.b, now)
    view = pair.view
    card = PairCalendar(
        a=viewer.display_name,
        b=partner.display_name,
        current=view.current,
        best=view.best,
        freezes=view.freezes if view.alive else 0,
        calendar=calendar_of(days, with_run=True),
        status=pair_status(pair),
    )
    png = await drawn(bot.renderer.pair(card), "streak")
    if png is None:
        return None
    return discord.File(
        io.BytesIO(png),
        filename=PAIR_FILE,
        description=f"Streak calendar of {viewer.display_name} and {partner.display_name}",
    )


def _unit(value: int, unit: tuple[str, str]) -> str:
    return f"{value:,} {unit[0] if value == 1 else unit[1]}".rstrip()


def board_image(
    page: BoardPage, name_of: NameOf, unit: tuple[str, str], footer: str = ""
) -> BoardImage:
    """A leaderboard page as a picture's rows: rank, names (pairs joined by &), value."""
    rows = tuple(
        BoardRow(e.rank, " & ".join(name_of(u) for u in e.users), _unit(e.value, unit))
        for e in page.entries
    )
    return BoardImage(page.title, rows, footer)


async def board_card_file(
    bot: KindlingBot,
    guild: int,
    viewer: int,
    page: BoardPage,
    name_of: NameOf,
    unit: tuple[str, str],
    footer: str = "",
) -> discord.File | None:
    """`board.png` of a leaderboard page (or None: text chosen, or not drawn in time).
    The title should already read as people read it (no ISO dates)."""
    if not await wants_pictures(bot, guild, viewer):
        return None
    png = await drawn(bot.renderer.board(board_image(page, name_of, unit, footer)), "board")
    return None if png is None else discord.File(io.BytesIO(png), filename=BOARD_FILE)


def challenge_image(
    ch: Challenge, progress: Progress, name_of: NameOf, footer: str = "", top: int = 8
) -> ChallengeImage:
    """A challenge's progress: the guild total for a community goal, else the leaders."""
    goal = GOAL_WORDS.get(ch.goal, ch.goal)
    if ch.goal == COMMUNITY:
        rows: tuple[ChallengeRow, ...] = (
            ChallengeRow("Whole server", progress.total, progress.total >= ch.target),
        )
    else:
        done = set(progress.completed)
        leaders = sorted(progress.per_member.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        rows = tuple(ChallengeRow(name_of(u), v, u in done) for u, v in leaders)
    return ChallengeImage(ch.name, goal, ch.target, rows, footer)


async def challenge_card_file(
    bot: KindlingBot,
    guild: int,
    viewer: int,
    ch: Challenge,
    progress: Progress,
    name_of: NameOf,
    footer: str = "",
) -> discord.File | None:
    """`challenge.png` of a challenge's progress (or None: text chosen, or not drawn)."""
    if not await wants_pictures(bot, guild, viewer):
        return None
    image = challenge_image(ch, progress, name_of, footer)
    png = await drawn(bot.renderer.challenge(image), "challenge")
    return None if png is None else discord.File(io.BytesIO(png), filename=CHALLENGE_FILE)
