"""Cards as pictures: golden images compared by pixel difference (never bytes, so a Pillow
or FreeType update that moves an anti-aliased edge passes), and the edge cases.

Regenerate the goldens after an intended change with KINDLING_UPDATE_GOLDEN=1 and look at
them (tests/images/golden/*.png) before committing."""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Collection
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from bot.images import render
from bot.images.cards import (
    BoardImage,
    BoardRow,
    Calendar,
    ChallengeImage,
    ChallengeRow,
    PairCalendar,
    ProfileCard,
    StreakLine,
)

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("KINDLING_UPDATE_GOLDEN") == "1"
TODAY = date(2026, 6, 10)  # a Wednesday
MAX_PNG = 200 * 1024

# a pixel "differs" when a channel moved by more than this; a card matches its golden when
# at most this share of its pixels differ
CHANNEL_TOLERANCE = 40
PIXEL_SHARE = 0.01


def decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png))
    img.load()
    return img.convert("RGB")


def near(pixel: object, colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    """Palette PNGs move colours a little: close enough to `colour`."""
    assert isinstance(pixel, tuple)
    return all(abs(int(p) - c) <= tolerance for p, c in zip(pixel, colour, strict=True))


def differing_share(a: Image.Image, b: Image.Image) -> float:
    diff = (
        ImageChops.difference(a, b)
        .convert("L")
        .point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    )
    histogram = diff.histogram()
    return histogram[255] / (a.width * a.height)


def check_golden(name: str, png: bytes) -> None:
    path = GOLDEN / f"{name}.png"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no golden image {path.name}: run with KINDLING_UPDATE_GOLDEN=1")
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(png)
        return
    got, want = decode(png), decode(path.read_bytes())
    assert got.size == want.size, f"{name}: size {got.size}, golden {want.size}"
    share = differing_share(got, want)
    assert share <= PIXEL_SHARE, f"{name}: {share:.2%} of pixels differ from the golden"


def calendar(counts: list[int], frozen: Collection[int] = ()) -> Calendar:
    first = render_first(TODAY)
    padded = counts + [0] * (84 - len(counts))
    return Calendar(
        first, TODAY, tuple(padded), tuple(i in frozen for i in range(84)), (False,) * 84
    )


def render_first(today: date) -> date:
    return today - timedelta(days=today.weekday() + 77)


def busy_card() -> ProfileCard:
    counts = [(i * 7) % 5 if i % 6 else 0 for i in range(80)]
    return ProfileCard(
        name="Ana Lovelace",
        reputation=1234,
        rank=3,
        calendar=calendar(counts, frozen={6, 30}),
        badges=("3-day streak", "7-day streak", "Helper", "Night owl"),
        streaks=(StreakLine("Bo", 12, 30, 2), StreakLine("Cy", 5, 5), StreakLine("Di", 0, 9)),
    )


def avatar_png(colour: tuple[int, int, int] = (20, 160, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (128, 128), colour).save(out, format="PNG")
    return out.getvalue()


# -- goldens --------------------------------------------------------------------------------


def test_profile_golden() -> None:
    check_golden("profile", render.render_profile(busy_card()))


def test_profile_without_activity_golden() -> None:
    empty = ProfileCard("Newcomer", 0, None, Calendar.empty(TODAY))
    check_golden("profile_empty", render.render_profile(empty))


def test_pair_golden() -> None:
    counts = [1 if i % 4 else 0 for i in range(80)]
    cal = replace(calendar(counts, frozen={8}), run=tuple(60 <= i <= 79 for i in range(84)))
    card = PairCalendar("Ana", "Bo", 20, 31, 1, cal, "Talk today to keep it")
    check_golden("pair", render.render_pair(card))


def test_board_golden() -> None:
    rows = tuple(BoardRow(i + 1, f"Member {i} & Partner {i}", f"{40 - i} days") for i in range(10))
    check_golden("board", render.render_board(BoardImage("Running streaks", rows, "Page 1/3")))


def test_challenge_golden() -> None:
    rows = tuple(ChallengeRow(f"Member {i}", 100 - 15 * i, i == 0) for i in range(5))
    image = ChallengeImage("Spring sprint", "points", 100, rows, "Ends in 3 days")
    check_golden("challenge", render.render_challenge(image))


def test_a_changed_card_does_not_match_the_golden() -> None:
    """The comparison can fail: another reputation and name are seen."""
    path = GOLDEN / "profile.png"
    if not path.exists():
        pytest.skip("golden not generated yet")
    other = replace(busy_card(), name="Someone Else Entirely", reputation=98765, rank=None)
    share = differing_share(decode(render.render_profile(other)), decode(path.read_bytes()))
    assert share > PIXEL_SHARE


# -- edge cases -----------------------------------------------------------------------------


def test_cards_are_small_valid_pngs_of_the_documented_size() -> None:
    png = render.render_profile(replace(busy_card(), avatar=avatar_png()))
    img = decode(png)
    assert img.size == (render.WIDTH, render.PROFILE_H)
    assert len(png) <= MAX_PNG


def test_a_365_day_streak_fills_the_calendar() -> None:
    cal = Calendar(render_first(TODAY), TODAY, (1,) * 84, (False,) * 84, (True,) * 84)
    card = replace(busy_card(), streaks=(StreakLine("Bo", 365, 365, 2),), calendar=cal)
    img = decode(render.render_profile(card))
    # the first cell (top-left of the grid) is a running-streak day
    x = render.WIDTH - render.PAD - render.CALENDAR_W + render.LABEL_W + 7
    y = 134 + 18 + 7
    assert near(img.getpixel((x, y)), render.RUN)


def test_a_32_character_name_is_clipped_with_an_ellipsis() -> None:
    name = "W" * 32
    face = render.font(30, True)
    shown = render.label(name, face, 400, bold=True)
    assert shown.endswith("…") and face.getlength(shown) <= 400
    assert render.label("Ana", face, 400) == "Ana"
    decode(render.render_profile(replace(busy_card(), name=name)))


@pytest.mark.parametrize(
    "name",
    ["עִבְרִית שם", "محمد علي", "🔥🔥🔥", "Ana 🔥 Bo ✨", "👩‍💻 dev", "", "\u200f\u202e", "Zoë 日本"],
)
def test_right_to_left_emoji_and_odd_names_render(name: str) -> None:
    card = replace(busy_card(), name=name, streaks=(StreakLine(name, 3, 3),), badges=(name,))
    decode(render.render_profile(card))
    decode(render.render_pair(PairCalendar(name, name, 3, 3, 0, Calendar.empty(TODAY))))


def test_emoji_the_font_lacks_are_left_out_not_drawn_as_boxes() -> None:
    assert render.drawable("Ana 🔥 Bo") == "Ana Bo"
    assert render.drawable("🔥🔥") == ""
    assert render.drawable("מיכל") == "מיכל"
    assert render.initial_of("🔥 zed") == "Z"
    assert render.initial_of("🔥") == "?"


def test_missing_or_broken_avatar_draws_an_initial_disc() -> None:
    centre = (render.PAD + render.AVATAR // 2, 30 + render.AVATAR // 2 + 30)  # below the letter
    for avatar in (None, b"not an image", b""):
        img = decode(render.render_profile(replace(busy_card(), avatar=avatar)))
        assert not near(img.getpixel(centre), render.BG)
    green = decode(render.render_profile(replace(busy_card(), avatar=avatar_png())))
    r, g, _b = green.getpixel(centre)
    assert g > 120 and r < 60  # the avatar's own colour


def test_an_oversized_avatar_is_refused_rather_than_decoded() -> None:
    out = io.BytesIO()
    Image.new("RGB", (2000, 2000), (0, 0, 255)).save(out, format="PNG")
    assert render._avatar_image(out.getvalue(), 96) is None


def test_today_is_outlined_and_future_days_are_blank() -> None:
    img = decode(render.render_profile(replace(busy_card(), calendar=Calendar.empty(TODAY))))
    gx = render.WIDTH - render.PAD - render.CALENDAR_W + render.LABEL_W
    gy = 134 + 18
    col, row = divmod((TODAY - render_first(TODAY)).days, 7)
    cx, cy = gx + col * render.PITCH, gy + row * render.PITCH
    assert near(img.getpixel((cx - 2, cy + 7)), render.TEXT)  # the outline's left edge
    assert near(img.getpixel((cx + 7, cy + render.PITCH + 7)), render.BG)  # tomorrow: not drawn


def test_month_labels_never_crowd() -> None:
    for offset in range(0, 400, 9):
        today = date(2026, 1, 1) + timedelta(days=offset)
        labels = render._month_labels(Calendar.empty(today))
        cols = [c for c, _ in labels]
        assert all(b - a >= 3 for a, b in itertools.pairwise(cols))
        assert len({m for _, m in labels}) == len(labels)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60), st.integers(min_value=20, max_value=500))
def test_fit_never_exceeds_its_width(text: str, width: int) -> None:
    face = render.font(16)
    shown = render.label(text, face, width)
    assert face.getlength(shown) <= width or shown == "…"


@settings(max_examples=25, deadline=None)
@given(
    name=st.text(max_size=40),
    reputation=st.integers(min_value=-(10**9), max_value=10**12),
    rank=st.none() | st.integers(min_value=1, max_value=10**7),
    counts=st.lists(st.integers(min_value=0, max_value=50), min_size=84, max_size=84),
    frozen=st.lists(st.booleans(), min_size=84, max_size=84),
    badges=st.lists(st.text(max_size=30), max_size=12),
    streaks=st.lists(
        st.tuples(st.text(max_size=40), st.integers(0, 10**5), st.integers(0, 10**5)),
        max_size=5,
    ),
    today_offset=st.integers(min_value=0, max_value=3000),
)
def test_any_card_renders_a_small_png(
    name: str,
    reputation: int,
    rank: int | None,
    counts: list[int],
    frozen: list[bool],
    badges: list[str],
    streaks: list[tuple[str, int, int]],
    today_offset: int,
) -> None:
    today = date(2024, 1, 1) + timedelta(days=today_offset)
    cal = Calendar(render_first(today), today, tuple(counts), tuple(frozen))
    card = ProfileCard(
        name,
        reputation,
        rank,
        cal,
        tuple(badges),
        tuple(StreakLine(p, c, max(c, b), c % 3) for p, c, b in streaks),
    )
    png = render.render_profile(card)
    assert len(png) <= MAX_PNG
    assert decode(png).size == (render.WIDTH, render.PROFILE_H)
