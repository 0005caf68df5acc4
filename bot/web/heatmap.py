"""A GitHub-contributions style calendar of a member's qualifying days, as inline SVG.

Pure: a `bot.domain.calendar.CalendarDays` (the same data the /profile card draws) in,
markup out. Columns are weeks (oldest left, the running week right), rows Monday..Sunday;
days after today are not drawn, today is outlined, a missed day a ❄️ freeze covered is blue.
Fill colours are attributes, not styles, so the page's Content-Security-Policy needs no
inline styles.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.calendar import WEEKS, CalendarDays, calendar_start
from bot.web.html import esc

__all__ = ["FROZEN", "LEVELS", "WEEKS", "first_day", "heatmap_svg", "level"]

CELL = 14
GAP = 3
LEFT = 30  # weekday labels
TOP = 16  # month labels
LEVELS = ("#efe6dc", "#ffc078", "#ff922b", "#e8590c")  # no pair, 1, 2, 3+ pairs that day
FROZEN = "#a5d8ff"
TODAY_STROKE = "#1f1b16"
LABEL = "#6b6259"
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}


def first_day(today: date, weeks: int = WEEKS) -> date:
    """The Monday the calendar starts on: `weeks` columns ending with today's week."""
    return calendar_start(today, weeks)


def level(partners: int) -> int:
    return min(max(partners, 0), len(LEVELS) - 1)


def _day_title(day: date, partners: int, frozen: bool, running: bool, today: date) -> str:
    when = "Today" if day == today else f"{day:%a} {day.day} {day:%b}"
    if partners > 0:
        text = f"{when}: streak day with {partners} partner{'s' if partners != 1 else ''}"
    elif frozen:
        text = f"{when}: missed, covered by a freeze"
    else:
        text = f"{when}: no streak day"
    return text + (" (running streak)" if running and partners > 0 else "")


def heatmap_svg(cal: CalendarDays) -> str:
    weeks = len(cal.counts) // 7
    today = cal.today
    step = CELL + GAP
    width = LEFT + weeks * step
    height = TOP + 7 * step
    shown = sum(
        1 for i, n in enumerate(cal.counts) if n > 0 and cal.first + timedelta(days=i) <= today
    )
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
    mondays = [cal.first + timedelta(weeks=col) for col in range(weeks)]
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
            i = col * 7 + row
            partners, frozen, running = cal.counts[i], cal.frozen[i], cal.run[i]
            fill = FROZEN if frozen and partners == 0 else LEVELS[level(partners)]
            x, y = LEFT + col * step, TOP + row * step
            outline = f' stroke="{TODAY_STROKE}" stroke-width="2"' if day == today else ""
            title = _day_title(day, partners, frozen, running, today)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="3" '
                f'fill="{fill}"{outline} data-day="{day.isoformat()}">'
                f"<title>{esc(title)}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
