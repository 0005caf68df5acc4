"""A GitHub-contributions style calendar of a member's qualifying days, as inline SVG.

Pure: the days (local dates → how many partners the day qualified with) and `today` in,
markup out. Columns are weeks (oldest left, the running week right), rows Monday..Sunday;
days after today are not drawn, today is outlined. Fill colours are attributes, not styles,
so the page's Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from bot.web.html import esc

WEEKS = 12
CELL = 14
GAP = 3
LEFT = 30  # weekday labels
TOP = 16  # month labels
LEVELS = ("#efe6dc", "#ffc078", "#ff922b", "#e8590c")  # none, 1, 2, 3+ partners
TODAY_STROKE = "#1f1b16"
LABEL = "#6b6259"
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}


def first_day(today: date, weeks: int = WEEKS) -> date:
    """The Monday the calendar starts on: `weeks` columns ending with today's week."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def level(partners: int) -> int:
    return min(max(partners, 0), len(LEVELS) - 1)


def _day_title(day: date, partners: int, today: date) -> str:
    when = "Today" if day == today else f"{day:%a} {day.day} {day:%b}"
    if partners <= 0:
        return f"{when}: no streak day"
    return f"{when}: streak day with {partners} partner{'s' if partners != 1 else ''}"


def heatmap_svg(days: Mapping[date, int], today: date, weeks: int = WEEKS) -> str:
    start = first_day(today, weeks)
    step = CELL + GAP
    width = LEFT + weeks * step
    height = TOP + 7 * step
    shown = sum(1 for d, n in days.items() if n > 0 and start <= d <= today)
    label = f"Streak days over the last {weeks} weeks: {shown}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{esc(label)}">',
        f"<title>{esc(label)}</title>",
    ]
    for row, name in WEEKDAY_LABELS.items():
        y = TOP + row * step + CELL - 3
        parts.append(
            f'<text x="0" y="{y}" font-size="10" fill="{LABEL}" '
            f'font-family="sans-serif">{name}</text>'
        )
    mondays = [start + timedelta(weeks=col) for col in range(weeks)]
    changes = [c for c in range(weeks) if c == 0 or mondays[c].month != mondays[c - 1].month]
    if len(changes) > 1 and changes[1] < 2:
        changes = changes[1:]  # the first month's label would run into the next one
    for col in changes:
        parts.append(
            f'<text x="{LEFT + col * step}" y="11" font-size="10" fill="{LABEL}" '
            f'font-family="sans-serif">{mondays[col]:%b}</text>'
        )
    for col, monday in enumerate(mondays):
        for row in range(7):
            day = monday + timedelta(days=row)
            if day > today:
                break
            partners = days.get(day, 0)
            x, y = LEFT + col * step, TOP + row * step
            outline = f' stroke="{TODAY_STROKE}" stroke-width="2"' if day == today else ""
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="3" '
                f'fill="{LEVELS[level(partners)]}"{outline} data-day="{day.isoformat()}">'
                f"<title>{esc(_day_title(day, partners, today))}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
