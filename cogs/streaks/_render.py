"""The words of /streak and /streaks: running, at risk, or ended (when, after how long, and
what brings it back). No ISO dates: Discord timestamps and "3 days ago"."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.streaks import StreakView
from cogs._common import relative

RESTORE_HINT = (
    "Talk to each other today to start a new one; a moderator can restore a streak "
    "broken by mistake (`/mod restore-streak`)."
)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def ended_text(view: StreakView, zone: ZoneInfo) -> str:
    """'Ended <t:…:R> after 12 days (best 15).' for a streak that is over."""
    when = relative(day_start(view.ended_on, zone)) if view.ended_on else "a while ago"
    return f"Ended {when} after {days(view.length)} (best {view.best})."


def freezes_text(freezes: int, max_freezes: int) -> str:
    if freezes > 0:
        each = "covers" if freezes == 1 else "each covers"
        return f"{'❄️' * freezes} {freezes} left: {each} one missed day"
    if max_freezes <= 0:
        return "none: this server has freezes off"
    return f"none yet: one is earned every 7 days in a row (up to {max_freezes})"


def ago(day: date, today: date) -> str:
    n = (today - day).days
    if n <= 0:
        return "today"
    return "yesterday" if n == 1 else f"{n} days ago"


def running_line(view: StreakView, day_ends: datetime) -> str:
    """🔥 **12** days · best 15 · ❄️ · ⏳ talk today, ends <t:…:R>"""
    parts = [f"🔥 **{view.current}** {'day' if view.current == 1 else 'days'}"]
    if view.best > view.current:
        parts.append(f"best {view.best}")
    if view.freezes:
        parts.append("❄️" * view.freezes)
    if view.at_risk:
        parts.append(f"⏳ talk today, ends {relative(day_ends)}")
    return " · ".join(parts)


def ended_line(view: StreakView, zone: ZoneInfo) -> str:
    """💤 ended <t:…:R> after 12 days (best 15)"""
    text = ended_text(view, zone).rstrip(".")
    return "💤 " + text[0].lower() + text[1:]


def at_risk_text(view: StreakView, day_ends: datetime) -> str:
    if view.at_risk:
        return f"⏳ yes: talk to each other before the day ends {relative(day_ends)}"
    return "✅ no: you both talked today"


def covered_text(view: StreakView, today: date) -> str | None:
    """A running streak whose missed days a freeze covered says so."""
    if not view.alive or view.last_day is None:
        return None
    missed = (today - view.last_day).days - 1
    if missed <= 0:
        return None
    return f"❄️ A freeze covered {days(missed).replace('day', 'missed day')}; talk today to keep it."
