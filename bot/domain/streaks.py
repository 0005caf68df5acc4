"""Pair streaks: a pure function of the sorted qualifying days and today (SPEC §2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_day(ts: datetime, zone: ZoneInfo) -> date:
    """The guild-local calendar date of an aware timestamp."""
    return ts.astimezone(zone).date()


def pair_key(a: int, b: int) -> tuple[int, int]:
    """An unordered pair as (lower id, higher id)."""
    return (a, b) if a < b else (b, a)


@dataclass(slots=True)
class StreakRun:
    """Running state of the reference algorithm after the last qualifying day.

    `run_start` is the first day of the current run; milestones are paid once per run.
    """

    current: int = 0
    best: int = 0
    freezes: int = 0
    last: date | None = None
    run_start: date | None = None

    def add_day(self, day: date, max_freezes: int) -> bool:
        """Feed the next qualifying day (strictly after `last`). Returns True if a new run began."""
        new_run = False
        if self.last is None or self.current == 0:
            self.current = 1
            new_run = True
        else:
            gap = (day - self.last).days - 1
            if gap == 0:
                self.current += 1
            elif gap <= self.freezes:
                self.freezes -= gap
                self.current += 1
            else:
                self.current = 1
                self.freezes = 0
                new_run = True
        if new_run:
            self.run_start = day
        self.last = day
        self.best = max(self.best, self.current)
        if self.current % 7 == 0 and self.freezes < max_freezes:
            self.freezes += 1
        return new_run

    def copy(self) -> StreakRun:
        return StreakRun(self.current, self.best, self.freezes, self.last, self.run_start)


@dataclass(frozen=True, slots=True)
class StreakView:
    """A pair's streak as seen on day D."""

    current: int
    best: int
    freezes: int
    last_day: date | None
    at_risk: bool
    alive: bool
    length: int = 0  # the latest run's length on its last qualifying day (alive or not)
    ended_on: date | None = None  # an ended streak: the first local day it was over


def run_days(days: Iterable[date], max_freezes: int) -> StreakRun:
    """Run the reference algorithm over qualifying days (any order, duplicates ignored)."""
    run = StreakRun()
    for day in sorted(set(days)):
        run.add_day(day, max_freezes)
    return run


def view_at(run: StreakRun, today: date) -> StreakView:
    """Evaluate a run at local day `today` (the second half of the reference algorithm)."""
    if run.last is None:
        return StreakView(0, run.best, 0, None, False, False)
    gap = (today - run.last).days - 1
    alive = gap <= run.freezes
    current = run.current if alive else 0
    freezes = run.freezes - max(gap, 0) if alive else 0
    at_risk = alive and run.last < today
    # dead once more days were missed than its freezes covered: the day after the last
    # covered one
    ended_on = None if alive else run.last + timedelta(days=run.freezes + 2)
    return StreakView(current, run.best, freezes, run.last, at_risk, alive, run.current, ended_on)


def evaluate_streak(days: Iterable[date], today: date, max_freezes: int) -> StreakView:
    """The spec's reference algorithm: streak state from qualifying days at day `today`."""
    return view_at(run_days(days, max_freezes), today)


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What a moderator's restore does to a pair (SPEC §7 `/mod restore-streak`): the
    missed days of the latest break become qualifying, joining the runs either side."""

    missed: list[date]
    run_start: date  # the first day of the joined run
    length: int  # the joined run's length on its last qualifying day
    paid_up_to: int  # the longest run it swallows: milestones up to here were paid already
    before: int  # the pair's current streak today before the restore


def plan_restore(days: Iterable[date], today: date, max_freezes: int) -> RestorePlan | None:
    """The latest break of a pair's qualifying days and the run that filling it makes.
    A streak that is over now: the days since its last qualifying day, up to yesterday.
    A streak that broke and started again: the days between the two runs. None when the
    pair never qualified; an empty `missed` when nothing is broken."""
    ordered = sorted(set(days))
    if not ordered:
        return None
    runs: list[tuple[date, int]] = []  # (start, length on its last day) of each run
    run = StreakRun()
    previous_last: list[date | None] = []
    for day in ordered:
        last_before = run.last
        if run.add_day(day, max_freezes):
            runs.append((day, 1))
            previous_last.append(last_before)
        else:
            runs[-1] = (runs[-1][0], run.current)
    view = view_at(run, today)
    assert run.last is not None  # noqa: S101 - ordered is not empty
    if not view.alive:
        missed = [run.last + timedelta(days=i) for i in range(1, (today - run.last).days)]
    elif len(runs) >= 2 and previous_last[-1] is not None:
        gap_from, gap_to = previous_last[-1], runs[-1][0]
        missed = [gap_from + timedelta(days=i) for i in range(1, (gap_to - gap_from).days)]
    else:
        return RestorePlan([], runs[-1][0], run.current, run.current, view.current)
    joined = run_days([*ordered, *missed], max_freezes)
    start = joined.run_start or ordered[0]
    swallowed = [length for first, length in runs if first >= start]
    return RestorePlan(missed, start, joined.current, max(swallowed, default=0), view.current)
