"""Cards drawn with Pillow: `render_*(data) -> bytes` (PNG). Pure and synchronous: no
discord, no I/O but loading the bundled DejaVu fonts once per process.

Names are drawn with the bundled font; characters it has no glyph for (most emoji) are
left out rather than drawn as boxes, and text is clipped to its width with "…". Where
Pillow has libraqm, right-to-left names are laid out right to left.
"""

from __future__ import annotations

import functools
import io
import zlib
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.images.cards import (
    BoardImage,
    Calendar,
    ChallengeImage,
    PairCalendar,
    ProfileCard,
    StreakLine,
)

FONTS = Path(__file__).with_name("fonts")
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"

WIDTH = 800
PAD = 28
PALETTE_COLOURS = 96

BG = (30, 31, 34)
PANEL = (43, 45, 49)
TEXT = (242, 243, 245)
MUTED = (160, 166, 176)
BRAND = (255, 140, 40)
FREEZE = (84, 156, 226)
LEVELS = (
    (58, 60, 66),  # no qualifying day
    (112, 64, 30),
    (170, 90, 32),
    (222, 118, 36),
    (255, 160, 64),
)
RUN = (255, 186, 96)  # a day of the running streak (pair calendars)

CELL = 15
GAP = 3
PITCH = CELL + GAP
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ELLIPSIS = "…"

Colour = tuple[int, int, int]


# -- fonts and text -----------------------------------------------------------------------------


@functools.cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled DejaVu Sans at `size` px, loaded once per process and size."""
    return ImageFont.truetype(str(FONTS / (BOLD if bold else REGULAR)), size)


@functools.cache
def _notdef(bold: bool) -> bytes:
    """The mask of the font's missing-glyph box (a private-use code point it lacks)."""
    return bytes(font(20, bold).getmask("\U0010fffd"))


@functools.cache
def has_glyph(ch: str, bold: bool = False) -> bool:
    if ch.isspace():
        return True
    return bytes(font(20, bold).getmask(ch)) != _notdef(bold)


def drawable(text: str, bold: bool = False) -> str:
    """`text` without the characters the font cannot draw (emoji, joiners, controls), with
    runs of spaces collapsed."""
    kept = "".join(ch for ch in text if ch.isprintable() and has_glyph(ch, bold))
    return " ".join(kept.split())


def fit(text: str, face: ImageFont.FreeTypeFont, width: float) -> str:
    """`text` as drawn in at most `width` px: whole, or its longest start with "…"."""
    if face.getlength(text) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if face.getlength(text[:mid].rstrip() + ELLIPSIS) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def label(text: str, face: ImageFont.FreeTypeFont, width: float, bold: bool = False) -> str:
    return fit(drawable(text, bold), face, width)


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont,
    fill: Colour,
    anchor: str = "la",
) -> float:
    """Draw `text`; returns its advance width."""
    if text:
        draw.text(xy, text, font=face, fill=fill, anchor=anchor)
    return face.getlength(text)


def _number(n: int) -> str:
    return f"{n:,}"


# -- canvas and PNG -----------------------------------------------------------------------------


@functools.cache
def _base(width: int, height: int) -> Image.Image:
    """The static layer of a card: background and the brand stripe (drawn once, copied)."""
    img = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, 5), fill=BRAND)
    return img


def _canvas(height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = _base(WIDTH, height).copy()
    return img, ImageDraw.Draw(img)


def to_png(img: Image.Image) -> bytes:
    """A small PNG: a palette of at most PALETTE_COLOURS, no dithering."""
    small = img.quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=False, compress_level=7)
    return out.getvalue()


# -- avatar -------------------------------------------------------------------------------------

AVATAR = 96
MAX_AVATAR_PIXELS = 1024 * 1024


@functools.cache
def _circle_mask(size: int) -> Image.Image:
    """An anti-aliased disc (drawn 4x and scaled down), once per size."""
    big = Image.new("L", (size * 4, size * 4), 0)
    ImageDraw.Draw(big).ellipse((0, 0, size * 4 - 1, size * 4 - 1), fill=255)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _disc_colour(name: str) -> Colour:
    hue = zlib.crc32(name.encode("utf-8", "replace")) % 6
    return (
        (214, 96, 77),
        (84, 156, 226),
        (90, 180, 110),
        (170, 110, 214),
        (230, 170, 50),
        (70, 175, 180),
    )[hue]


def initial_of(name: str) -> str:
    for ch in drawable(name, bold=True):
        if ch.isalnum():
            return ch.upper()
    return "?"


def _avatar_image(data: bytes | None, size: int) -> Image.Image | None:
    """The avatar scaled to a square, or None when there is none or it cannot be read."""
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as src:
            if src.width * src.height > MAX_AVATAR_PIXELS:
                return None
            src.draft("RGB", (size * 2, size * 2))
            rgb = src.convert("RGB")
        return ImageOps.fit(rgb, (size, size), Image.Resampling.LANCZOS)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _draw_avatar(img: Image.Image, xy: tuple[int, int], name: str, data: bytes | None) -> None:
    size = AVATAR
    mask = _circle_mask(size)
    picture = _avatar_image(data, size)
    if picture is None:  # the initial-letter disc
        picture = Image.new("RGB", (size, size), _disc_colour(name))
        ImageDraw.Draw(picture).text(
            (size / 2, size / 2), initial_of(name), font=font(44, True), fill=TEXT, anchor="mm"
        )
    img.paste(picture, xy, mask)


# -- the calendar heatmap -----------------------------------------------------------------------

GRID_W = 12 * PITCH - GAP
GRID_H = 7 * PITCH - GAP
DAY_LABELS = ((0, "Mon"), (2, "Wed"), (4, "Fri"))
LABEL_W = 34


def _cell_colour(cal: Calendar, i: int) -> Colour | None:
    """A day's fill, or None for a day after today (not drawn)."""
    if cal.day(i) > cal.today:
        return None
    count = cal.counts[i]
    if count > 0:
        if cal.run and cal.run[i]:
            return RUN
        return LEVELS[min(count, 4)]
    if cal.frozen and cal.frozen[i]:
        return FREEZE
    return LEVELS[0]


def _month_labels(cal: Calendar) -> list[tuple[int, str]]:
    """(week column, month) where a month starts, never two labels within 3 columns."""
    out: list[tuple[int, str]] = []
    weeks = cal.days // 7
    for col in range(weeks):
        monday = cal.first + timedelta(days=7 * col)
        days = [monday + timedelta(days=k) for k in range(7)]
        starts = col == 0 or any(d.day == 1 for d in days)
        if not starts:
            continue
        month = days[-1] if col else monday
        if out and col - out[-1][0] < 3:
            if col == weeks - 1 or out[-1][0] != 0:
                continue
            out.pop()  # the first column's partial month gives way to a month that starts
        out.append((col, MONTHS[month.month - 1]))
    return out


def _freeze_mark(draw: ImageDraw.ImageDraw, x: float, y: float, size: int) -> None:
    """A cross on a freeze cell, so a freeze reads without colour too."""
    mx, my, r = x + size // 2, y + size // 2, size // 2 - 3
    draw.line((mx - r, my, mx + r, my), fill=TEXT, width=1)
    draw.line((mx, my - r, mx, my + r), fill=TEXT, width=1)


def draw_calendar(draw: ImageDraw.ImageDraw, x: int, y: int, cal: Calendar) -> int:
    """Month labels, day labels, the grid and a legend with its top-left at (x, y), the
    grid at (x + LABEL_W, y + 18). Returns the bottom of the legend."""
    small = font(11)
    gx, gy = x + LABEL_W, y + 18
    for col, name in _month_labels(cal):
        draw.text((gx + col * PITCH, y + 2), name, font=small, fill=MUTED)
    for row, name in DAY_LABELS:
        draw.text((x, gy + row * PITCH + CELL / 2), name, font=small, fill=MUTED, anchor="lm")
    for i in range(cal.days):
        colour = _cell_colour(cal, i)
        if colour is None:
            continue
        col, row = divmod(i, 7)
        cx, cy = gx + col * PITCH, gy + row * PITCH
        draw.rounded_rectangle((cx, cy, cx + CELL - 1, cy + CELL - 1), radius=3, fill=colour)
        if cal.frozen and cal.frozen[i] and cal.counts[i] == 0:
            _freeze_mark(draw, cx, cy, CELL)
    # today outlined
    t = (cal.today - cal.first).days
    if 0 <= t < cal.days:
        col, row = divmod(t, 7)
        cx, cy = gx + col * PITCH, gy + row * PITCH
        draw.rounded_rectangle(
            (cx - 2, cy - 2, cx + CELL + 1, cy + CELL + 1), radius=4, outline=TEXT
        )
    # legend
    ly = gy + 7 * PITCH + 6
    lx = float(x)
    lx += _text(draw, (lx, ly + 6), "Less", small, MUTED, "lm") + 5
    for colour in LEVELS:
        draw.rounded_rectangle((lx, ly, lx + 11, ly + 11), radius=2, fill=colour)
        lx += 14
    lx += 3 + _text(draw, (lx + 3, ly + 6), "More", small, MUTED, "lm") + 14
    draw.rounded_rectangle((lx, ly, lx + 11, ly + 11), radius=2, fill=FREEZE)
    _freeze_mark(draw, lx, ly, 12)
    lx += 16 + _text(draw, (lx + 16, ly + 6), "freeze", small, MUTED, "lm") + 12
    draw.rounded_rectangle((lx, ly, lx + 11, ly + 11), radius=2, outline=TEXT)
    _text(draw, (lx + 16, ly + 6), "today", small, MUTED, "lm")
    return ly + 12


CALENDAR_W = LABEL_W + GRID_W


def active_days(cal: Calendar) -> int:
    return sum(1 for i, c in enumerate(cal.counts) if c > 0 and cal.day(i) <= cal.today)


# -- profile card -------------------------------------------------------------------------------

PROFILE_H = 330


def _chips(
    draw: ImageDraw.ImageDraw, rows: Sequence[tuple[int, int, int]], names: Sequence[str]
) -> None:
    """Badge names as chips, filling the rows (x, y, width) in turn; what does not fit is
    counted at the end ("+3")."""
    face = font(13)
    shown = [t for t in (label(raw, face, 150) for raw in names) if t]
    row = 0
    x, y, width = rows[0]
    cx = x
    for n, text in enumerate(shown):
        w = int(face.getlength(text)) + 16
        reserve = 40 if n < len(shown) - 1 and row == len(rows) - 1 else 0
        if cx + w > x + width - reserve:
            if row < len(rows) - 1:
                row += 1
                x, y, width = rows[row]
                cx = x
                reserve = 40 if n < len(shown) - 1 and row == len(rows) - 1 else 0
            if cx + w > x + width - reserve:
                _text(draw, (cx, y + 11), f"+{len(shown) - n}", face, MUTED, "lm")
                return
        draw.rounded_rectangle((cx, y, cx + w, y + 22), radius=11, fill=PANEL)
        _text(draw, (cx + 8, y + 11), text, face, TEXT, "lm")
        cx += w + 6


def render_profile(card: ProfileCard) -> bytes:
    img, draw = _canvas(PROFILE_H)
    _draw_avatar(img, (PAD, 30), card.name, card.avatar)
    left = PAD + AVATAR + 18
    name_face = font(30, True)
    name = label(card.name, name_face, WIDTH - left - PAD, bold=True) or "Member"
    _text(draw, (left, 30), name, name_face, TEXT)
    # reputation and rank
    y = 76
    x = float(left)
    x += _text(draw, (x, y), _number(card.reputation), font(20, True), BRAND)
    x += _text(draw, (x, y + 3), " reputation", font(16), MUTED)
    if card.rank is not None:
        x += _text(draw, (x, y + 3), "  ·  rank ", font(16), MUTED)
        _text(draw, (x, y), f"#{card.rank}", font(20, True), TEXT)
    cal_x = WIDTH - PAD - CALENDAR_W
    if card.badges:
        rows = ((left, 110, cal_x - left - 20), (PAD, 140, cal_x - PAD - 20))
        _chips(draw, rows, card.badges)
    else:
        _text(draw, (left, 114), "No badges yet", font(13), MUTED)
    # top streaks
    sy = 180
    _text(draw, (PAD, sy), "TOP STREAKS", font(12, True), MUTED)
    sy += 24
    text_w = cal_x - PAD - 24
    if not card.streaks:
        _text(draw, (PAD, sy), "No streaks yet.", font(16), TEXT)
        _text(draw, (PAD, sy + 24), "Reply to someone on two days running", font(13), MUTED)
        _text(draw, (PAD, sy + 42), "and you both start one.", font(13), MUTED)
    for line in card.streaks[:3]:
        x = float(PAD)
        days = line.current if line.current > 0 else line.best
        lead_colour = BRAND if line.current > 0 else MUTED
        x += _text(draw, (x, sy), _number(days), font(22, True), lead_colour) + 6
        unit = "day" if days == 1 else "days"
        x += _text(draw, (x, sy + 5), unit + " with ", font(15), MUTED)
        extra = ""
        if line.current > 0 and line.best > line.current:
            extra = f"best {_number(line.best)}"
        elif line.current <= 0:
            extra = "ended"
        extra_w = font(13).getlength(extra) + 40 if extra or line.freezes else 0
        partner_face = font(16, True)
        partner = label(line.partner, partner_face, max(40, text_w - (x - PAD) - extra_w), True)
        x += _text(draw, (x, sy + 4), partner or "a member", partner_face, TEXT) + 10
        if line.freezes > 0 and line.current > 0:
            x += _text(draw, (x, sy + 5), f"❄ {line.freezes}", font(14), FREEZE) + 8
        if extra:
            _text(draw, (x, sy + 6), extra, font(13), MUTED)
        sy += 36
    # the calendar
    cal = card.calendar
    days = active_days(cal)
    title = f"LAST {cal.days // 7} WEEKS  ·  {days} ACTIVE DAY{'S' if days != 1 else ''}"
    _text(draw, (cal_x, 114), title, font(12, True), MUTED)
    draw_calendar(draw, cal_x, 134, cal)
    return to_png(img)


# -- pair calendar ------------------------------------------------------------------------------

PAIR_H = 260


def render_pair(card: PairCalendar) -> bytes:
    img, draw = _canvas(PAIR_H)
    cal_x = WIDTH - PAD - CALENDAR_W
    text_w = cal_x - PAD - 24
    face = font(26, True)
    a = label(card.a, face, (text_w - 30) / 2, True) or "a member"
    b = label(card.b, face, text_w - face.getlength(a + " & "), True) or "a member"
    _text(draw, (PAD, 28), f"{a} & {b}", face, TEXT)
    y = 80
    x = float(PAD)
    lead = BRAND if card.current > 0 else MUTED
    x += _text(draw, (x, y), _number(card.current), font(40, True), lead) + 8
    _text(draw, (x, y + 16), "day streak", font(16), MUTED)
    y += 60
    _text(draw, (PAD, y), f"Best {_number(card.best)} days", font(16), TEXT)
    y += 26
    if card.freezes > 0:
        draw.rounded_rectangle((PAD, y + 2, PAD + 11, y + 13), radius=2, fill=FREEZE)
        n = card.freezes
        _text(draw, (PAD + 17, y), f"{n} freeze{'s' if n != 1 else ''} left", font(15), FREEZE)
        y += 26
    if card.status:
        _text(draw, (PAD, y), label(card.status, font(15), text_w), font(15), MUTED)
    cal = card.calendar
    days = active_days(cal)
    _text(draw, (cal_x, 28), f"LAST {cal.days // 7} WEEKS  ·  {days} DAYS", font(12, True), MUTED)
    draw_calendar(draw, cal_x, 50, cal)
    return to_png(img)


# -- leaderboard and challenge ------------------------------------------------------------------

ROW_H = 40


def render_board(board: BoardImage) -> bytes:
    rows = board.rows[:10]
    height = 84 + ROW_H * max(len(rows), 1) + (34 if board.footer else 12)
    img, draw = _canvas(height)
    _text(
        draw, (PAD, 26), label(board.title, font(24, True), WIDTH - 2 * PAD), font(24, True), TEXT
    )
    y = 76
    if not rows:
        _text(draw, (PAD, y + 8), "Nobody on this board yet.", font(16), MUTED)
    for n, row in enumerate(rows):
        if n % 2 == 0:
            draw.rounded_rectangle(
                (PAD - 8, y, WIDTH - PAD + 8, y + ROW_H - 4), radius=8, fill=PANEL
            )
        mid = y + (ROW_H - 4) / 2
        colour = BRAND if row.rank <= 3 else MUTED
        _text(draw, (PAD + 30, mid), f"#{row.rank}", font(17, True), colour, "rm")
        value_face = font(17, True)
        value = label(row.value, value_face, 220, True)
        vw = value_face.getlength(value)
        _text(draw, (WIDTH - PAD, mid), value, value_face, TEXT, "rm")
        name = label(row.label, font(17), WIDTH - 2 * PAD - 60 - vw)
        _text(draw, (PAD + 44, mid), name, font(17), TEXT, "lm")
        y += ROW_H
    if board.footer:
        _text(draw, (PAD, y + 8), label(board.footer, font(13), WIDTH - 2 * PAD), font(13), MUTED)
    return to_png(img)


def render_challenge(ch: ChallengeImage) -> bytes:
    rows = ch.rows[:10]
    height = 110 + ROW_H * max(len(rows), 1) + (34 if ch.footer else 12)
    img, draw = _canvas(height)
    _text(draw, (PAD, 24), label(ch.name, font(24, True), WIDTH - 2 * PAD), font(24, True), TEXT)
    goal = f"Goal: {_number(ch.target)} {ch.goal}"
    _text(draw, (PAD, 62), label(goal, font(15), WIDTH - 2 * PAD), font(15), MUTED)
    y = 100
    if not rows:
        _text(draw, (PAD, y + 8), "No progress yet.", font(16), MUTED)
    bar_x = PAD + 250
    bar_w = WIDTH - PAD - 110 - bar_x
    for row in rows:
        mid = y + ROW_H / 2 - 2
        _text(draw, (PAD, mid), label(row.label, font(16), 236), font(16), TEXT, "lm")
        draw.rounded_rectangle((bar_x, mid - 7, bar_x + bar_w, mid + 7), radius=7, fill=PANEL)
        share = min(1.0, row.value / ch.target) if ch.target > 0 else 1.0
        if share > 0:
            fill_w = max(14, int(bar_w * share))
            colour = (90, 180, 110) if row.done else BRAND
            draw.rounded_rectangle((bar_x, mid - 7, bar_x + fill_w, mid + 7), radius=7, fill=colour)
        value = f"{_number(row.value)}/{_number(ch.target)}"
        _text(draw, (WIDTH - PAD, mid), value, font(15, True), TEXT, "rm")
        y += ROW_H
    if ch.footer:
        _text(draw, (PAD, y + 8), label(ch.footer, font(13), WIDTH - 2 * PAD), font(13), MUTED)
    return to_png(img)


def warm_up() -> None:
    """Load the fonts and static layers (a pool worker's initializer)."""
    for size in (11, 12, 13, 15, 16, 17, 20, 22, 24, 26, 30, 40, 44):
        font(size)
        font(size, True)
    _notdef(False)
    _notdef(True)
    _circle_mask(AVATAR)
    for height in (PROFILE_H, PAIR_H):
        _base(WIDTH, height)


def sample_profile(today: date) -> ProfileCard:
    """A made-up card (the benchmark's and the demo's)."""
    first = today - timedelta(days=today.weekday() + 77)
    counts = tuple((i * 7919) % 5 if (i * 31) % 9 else 0 for i in range(84))
    frozen = tuple(c == 0 and i % 13 == 0 for i, c in enumerate(counts))
    return ProfileCard(
        name="Ana Lovelace",
        reputation=1234,
        rank=3,
        calendar=Calendar(first, today, counts, frozen),
        badges=("3-day streak", "7-day streak", "Helper", "Night owl", "Thanks x10"),
        streaks=(StreakLine("Bo", 12, 30, 2), StreakLine("Cy", 5, 5, 0), StreakLine("Di", 0, 9)),
    )
