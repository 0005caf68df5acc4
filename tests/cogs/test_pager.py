"""The shared pager and board pieces: Page x/y, clamping when a list shrank, buttons at the
ends, a failing page told ephemerally; units and dates readable on a phone."""

from __future__ import annotations

from typing import Any

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import DomainError
from bot.reads import BoardEntry, BoardPage
from cogs._ui import PagerView, board_embed, page_count, paged, readable_title, with_unit


class FakeResponse:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def is_done(self) -> bool:
        return bool(self.sent)

    async def send_message(self, text: str, ephemeral: bool = False) -> None:
        self.sent.append((text, ephemeral))


class FakeInteraction:
    def __init__(self) -> None:
        self.response = FakeResponse()


def test_page_count_and_footer() -> None:
    assert [page_count(n) for n in (0, 1, 10, 11, 25)] == [1, 1, 1, 2, 3]
    embed = paged(discord.Embed().set_footer(text="You: #3 · 12 days"), 1, 7)
    assert embed.footer.text == "Page 2/7 · You: #3 · 12 days"
    assert paged(discord.Embed(), 0, 0).footer.text == "Page 1/1"


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=50))
def test_page_count_holds_every_entry(entries: int, size: int) -> None:
    pages = page_count(entries, size)
    assert pages >= 1 and pages * size >= entries and (pages - 1) * size < max(entries, 1)


async def test_open_clamps_to_the_last_page_and_sets_the_buttons() -> None:
    asked: list[int] = []

    async def render(page: int) -> tuple[discord.Embed, int]:
        asked.append(page)
        return discord.Embed(description=f"page {page}"), 3

    view = PagerView(1, render)
    embed = await view.open(0)
    assert embed.footer.text == "Page 1/3"
    assert view.prev_page.disabled and not view.next_page.disabled
    assert view.my_page not in view.children  # no own page: no button
    embed = await view.open(9)  # the list shrank since the page was asked for
    assert asked[-2:] == [9, 2] and embed.footer.text == "Page 3/3"
    assert not view.prev_page.disabled and view.next_page.disabled
    view.stop()


async def test_a_page_that_fails_is_told_ephemerally() -> None:
    async def render(page: int) -> tuple[discord.Embed, int]:
        return discord.Embed(), 1

    async def own() -> int | None:
        return None

    view = PagerView(1, render, own_page=own)
    assert view.my_page in view.children
    fake: Any = FakeInteraction()
    await view.on_error(fake, DomainError("Pick a board from the list."), view.next_page)
    assert fake.response.sent == [("Pick a board from the list.", True)]
    other: Any = FakeInteraction()
    await view.on_error(other, RuntimeError("boom"), view.next_page)
    assert other.response.sent == [("That page could not be shown. Run the command again.", True)]
    view.stop()


def test_board_units_and_titles() -> None:
    assert with_unit(1, ("day", "days")) == "1 day"
    assert with_unit(1250, ("point", "points"), bold=True) == "**1,250** points"
    assert readable_title("This week (since 2026-05-04)") == "This week (since Mon 4 May)"
    assert readable_title("Reputation") == "Reputation"
    assert readable_title("Odd (since soon)") == "Odd (since soon)"
    page = BoardPage(
        "streaks",
        [BoardEntry(1, (10, 11), 12), BoardEntry(4, (12, 13), 1)],
        0,
        False,
        "Longest running streaks",
    )
    embed = board_embed(page, (4, 1))
    assert (
        embed.description == "🥇 <@10> & <@11> — 🔥 **12** days\n`#4` <@12> & <@13> — 🔥 **1** day"
    )
    assert embed.footer.text == "You: #4 · 1 day"
    challenge = BoardPage("challenge", [BoardEntry(2, (10,), 5, "✅")], 0, False, "Challenge: x")
    text = board_embed(challenge, None, ("partner", "partners")).description
    assert text == "🥈 <@10> — **5** partners ✅"
    assert board_embed(BoardPage("best", [], 0, False, "Best")).description == (
        "Nobody on this board yet."
    )
