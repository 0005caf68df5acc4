"""Image rows built from read models: boards, challenges, a pair's status line."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.challenges import Challenge, Progress
from bot.domain.streaks import StreakView
from bot.images import render
from bot.reads import BoardEntry, BoardPage, PairView
from cogs._cards import board_image, challenge_image, pair_status
from tests.images.test_render import decode

NAMES = {1: "Ana", 2: "Bo", 3: "Cy"}


def name_of(user: int) -> str:
    return NAMES.get(user, "a member")


def test_a_board_page_becomes_rows_with_units_and_pairs_joined() -> None:
    page = BoardPage(
        "streaks",
        [BoardEntry(1, (1, 2), 12), BoardEntry(2, (3, 9), 1)],
        page=0,
        has_next=False,
        title="Running streaks",
    )
    image = board_image(page, name_of, ("day", "days"), "Page 1/1")
    assert [(r.rank, r.label, r.value) for r in image.rows] == [
        (1, "Ana & Bo", "12 days"),
        (2, "Cy & a member", "1 day"),
    ]
    decode(render.render_board(image))


def test_a_challenge_shows_its_leaders_or_the_server_total() -> None:
    start, end = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 8, tzinfo=UTC)
    ch = Challenge(1, 1, "Sprint", "points", 50, start, end)
    progress = Progress({1: 60, 2: 10, 3: 30}, [1])
    image = challenge_image(ch, progress, name_of)
    assert [(r.label, r.value, r.done) for r in image.rows] == [
        ("Ana", 60, True),
        ("Cy", 30, False),
        ("Bo", 10, False),
    ]
    community = Challenge(1, 2, "All of us", "community_interactions", 100, start, end)
    whole = challenge_image(community, Progress({1: 5}, [], total=120), name_of)
    assert [(r.label, r.value, r.done) for r in whole.rows] == [("Whole server", 120, True)]
    decode(render.render_challenge(whole))


def test_pair_status_line() -> None:
    day = date(2026, 6, 10)
    risk = PairView(1, 2, StreakView(5, 9, 1, day, True, True, 5))
    done = PairView(1, 2, StreakView(5, 9, 1, day, False, True, 5))
    over = PairView(1, 2, StreakView(0, 9, 0, day, False, False, 1, day))
    assert pair_status(risk) == "Talk today to keep it going"
    assert pair_status(done).startswith("Done for today")
    assert pair_status(over) == "Ended after 1 day"
