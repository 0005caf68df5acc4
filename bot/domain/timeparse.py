"""Parsing what moderators type for times and durations."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError

_DURATION = re.compile(r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


def parse_duration(text: str) -> timedelta:
    """'7d', '36h', '1w 2d', '90m' → timedelta."""
    match = _DURATION.match(text.lower())
    if not match or not any(match.groups()):
        raise DomainError(f"`{text[:40]}` is not a duration. Use e.g. `7d`, `36h` or `1w 2d`.")
    weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    try:
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    except OverflowError:
        raise DomainError(f"`{text[:40]}` is far too long a duration.") from None


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """'now', 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM' (guild-local) or ISO 8601 with offset."""
    value = text.strip()
    if value.lower() == "now":
        return now
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(
            f"`{text}` is not a time. Use `now`, `2026-12-01` or `2026-12-01 18:00` (server time)."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed
