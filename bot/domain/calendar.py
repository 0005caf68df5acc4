"""Calendars of qualifying days (the heatmaps of `/profile` and `/streak member`): which
days a pair qualified, which missed days a ❄️ freeze covered, and the running streak's days.
Pure: the pairs' qualifying days and `today` in, plain tuples out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.streaks import StreakRun, view_at

WEEKS = 12


def calendar_start(today: date, weeks: int = WEEKS) -> date:
    """The Monday `weeks - 1` weeks before the week of `today` (Monday-first calendars)."""
    return today - timedelta(days=today.weekday() + 7 * (weeks - 1))


@dataclass(frozen=True, slots=True)
class PairDays:
    """One pair replayed up to `today`: its missed days that freezes covered, and the days
    of its streak if it is alive today (covered days included)."""

    covered: frozenset[date]
    run: frozenset[date]


def replay_pair(days: Iterable[date], today: date, max_freezes: int) -> PairDays:
    """The reference algorithm (streaks.StreakRun) over a pair's qualifying days, noting
    each gap a freeze bridged, and the missed days since the last qualifying day while the
    streak is still alive (a freeze covers yesterday before today is lost)."""
    run = StreakRun()
    covered: set[date] = set()
    for day in sorted(set(days)):
        if day > today:
            break
        if run.last is not None and run.current > 0:
            gap = (day - run.last).days - 1
            if 0 < gap <= run.freezes:
                covered.update(run.last + timedelta(days=k) for k in range(1, gap + 1))
        run.add_day(day, max_freezes)
    view = view_at(run, today)
    alive: frozenset[date] = frozenset()
    if view.alive and run.last is not None and run.run_start is not None:
        gap = (today - run.last).days - 1
        covered.update(run.last + timedelta(days=k) for k in range(1, gap + 1))
        end = today if run.last == today else today - timedelta(days=1)
        span = (end - run.run_start).days + 1
        alive = frozenset(run.run_start + timedelta(days=k) for k in range(span))
    return PairDays(frozenset(covered), alive)


@dataclass(frozen=True, slots=True)
class CalendarDays:
    """A calendar from `first` (a Monday) through the end of `today`'s week: per day how many
    pairs qualified, whether a freeze covered it (no pair qualified), and whether it is part
    of a running streak."""

    first: date
    today: date
    counts: tuple[int, ...]
    frozen: tuple[bool, ...]
    run: tuple[bool, ...]


def member_calendar(
    pairs: Mapping[tuple[int, int], Iterable[date]],
    today: date,
    max_freezes: int,
    weeks: int = WEEKS,
) -> CalendarDays:
    """A member's calendar over their pairs' qualifying days. A day counts the pairs that
    qualified on it; a day no pair qualified is frozen when a freeze of one of them
    covered it; `run` marks days of any streak alive today."""
    first = calendar_start(today, weeks)
    n = weeks * 7
    counts = [0] * n
    frozen = [False] * n
    running = [False] * n
    for days in pairs.values():
        listed = sorted(set(days))
        for day in listed:
            i = (day - first).days
            if 0 <= i < n and day <= today:
                counts[i] += 1
        replayed = replay_pair(listed, today, max_freezes)
        for day in replayed.covered:
            i = (day - first).days
            if 0 <= i < n:
                frozen[i] = True
        for day in replayed.run:
            i = (day - first).days
            if 0 <= i < n:
                running[i] = True
    frozen = [f and c == 0 for f, c in zip(frozen, counts, strict=True)]
    return CalendarDays(first, today, tuple(counts), tuple(frozen), tuple(running))
