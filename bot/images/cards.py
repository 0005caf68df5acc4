"""What an image card shows: plain, frozen, picklable data (no discord, no storage).

The renderer's cache keys on a digest of these values, so a card is drawn again exactly
when something it shows changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKS = 12


@dataclass(frozen=True, slots=True)
class Calendar:
    """A GitHub-style calendar: whole weeks, Monday first, the last week holding `today`.

    `counts[i]` is how many pairs qualified on day `first + i` (0: none), `frozen[i]` whether
    a freeze covered that day, `run[i]` whether it is part of the running streak (pair
    calendars). Days after `today` are drawn empty."""

    first: date
    today: date
    counts: tuple[int, ...]
    frozen: tuple[bool, ...] = ()
    run: tuple[bool, ...] = ()

    @property
    def days(self) -> int:
        return len(self.counts)

    def day(self, i: int) -> date:
        return self.first + timedelta(days=i)

    @classmethod
    def empty(cls, today: date, weeks: int = WEEKS) -> Calendar:
        first = calendar_first(today, weeks)
        n = weeks * 7
        return cls(first, today, (0,) * n, (False,) * n, (False,) * n)


def calendar_first(today: date, weeks: int = WEEKS) -> date:
    """The Monday `weeks - 1` weeks before the week of `today`."""
    return today - timedelta(days=today.weekday() + 7 * (weeks - 1))


@dataclass(frozen=True, slots=True)
class StreakLine:
    partner: str
    current: int
    best: int
    freezes: int = 0


@dataclass(frozen=True, slots=True)
class ProfileCard:
    name: str
    reputation: int
    rank: int | None
    calendar: Calendar
    badges: tuple[str, ...] = ()
    streaks: tuple[StreakLine, ...] = ()
    avatar: bytes | None = field(default=None, repr=False)  # PNG/JPEG/WebP bytes, or a disc


@dataclass(frozen=True, slots=True)
class PairCalendar:
    """`/streak member`: the pair's qualifying days, its running streak and freezes."""

    a: str
    b: str
    current: int
    best: int
    freezes: int
    calendar: Calendar
    status: str = ""  # one short line: "at risk today", "ended 3 days ago", …


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class BoardImage:
    title: str
    rows: tuple[BoardRow, ...]
    footer: str = ""


@dataclass(frozen=True, slots=True)
class ChallengeRow:
    label: str
    value: int
    done: bool = False


@dataclass(frozen=True, slots=True)
class ChallengeImage:
    name: str
    goal: str  # "points", "pair streak", … as the member reads it
    target: int
    rows: tuple[ChallengeRow, ...]  # the leaders, or one row for a community total
    footer: str = ""
