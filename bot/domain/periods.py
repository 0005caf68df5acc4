"""Periods of a guild's leaderboard schedule (SPEC §6): the recap period ends at each
`leaderboard_day` (a weekday, or every day) at `leaderboard_hour`:00 local time. Pure: `now`
and the zone are passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.guild_config import WEEKDAYS


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """`day` at `hour`:00 local, as a UTC instant (so differences are real durations). A
    local time that does not exist (the spring DST gap) is read with the offset before it."""
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _step(schedule: str) -> int:
    return 1 if schedule == "daily" else 7


def period_end(now: datetime, zone: ZoneInfo, schedule: str, hour: int) -> datetime:
    """The most recent period end at or before `now` (`schedule` is a weekday or "daily")."""
    local = now.astimezone(zone)
    day = local.date()
    if schedule != "daily":
        day -= timedelta(days=(day.weekday() - WEEKDAYS.index(schedule)) % 7)
    end = _at(day, hour, zone)
    while end > now:
        day -= timedelta(days=_step(schedule))
        end = _at(day, hour, zone)
    return end


def period_start(end: datetime, zone: ZoneInfo, schedule: str, hour: int) -> datetime:
    """The start of the period that ends at `end`: one schedule step earlier, local time
    (a week of a DST change is 167 or 169 hours)."""
    day = end.astimezone(zone).date() - timedelta(days=_step(schedule))
    return _at(day, hour, zone)


def next_period_end(now: datetime, zone: ZoneInfo, schedule: str, hour: int) -> datetime:
    """The first period end after `now`."""
    end = period_end(now, zone, schedule, hour)
    day = end.astimezone(zone).date()
    while end <= now:
        day += timedelta(days=_step(schedule))
        end = _at(day, hour, zone)
    return end
