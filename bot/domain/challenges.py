"""Challenges (SPEC §5): states, the event multiplier and who completed what."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

Goal = Literal["community_interactions", "pair_streak", "distinct_partners", "points"]
GOALS: tuple[str, ...] = ("community_interactions", "pair_streak", "distinct_partners", "points")
State = Literal["scheduled", "active", "ended", "cancelled"]

MAX_DURATION = timedelta(days=90)
MIN_MULTIPLIER = 1.0
MAX_MULTIPLIER = 5.0
MAX_NAME = 80


@dataclass(slots=True)
class Challenge:
    guild: int
    id: int
    name: str
    goal: str
    target: int
    starts: datetime
    ends: datetime
    multiplier: float = 1.0
    join_required: bool = True
    description: str = ""
    cancelled: bool = False
    closed: bool = False  # results posted and badges given
    participants: dict[int, datetime] = field(default_factory=dict)

    def state_at(self, now: datetime) -> State:
        if self.cancelled:
            return "cancelled"
        if now < self.starts:
            return "scheduled"
        if now < self.ends:
            return "active"
        return "ended"

    def active_at(self, at: datetime) -> bool:
        return not self.cancelled and self.starts <= at < self.ends

    def takes_part(self, user: int, at: datetime) -> bool:
        """For the multiplier: joined at or before `at`, or no joining needed."""
        if not self.join_required:
            return True
        joined = self.participants.get(user)
        return joined is not None and joined <= at


def validate_challenge_fields(
    name: str, goal: str, target: int, starts: datetime, ends: datetime, multiplier: float
) -> list[str]:
    """Problems with a challenge definition, empty when valid."""
    problems = []
    if not name.strip():
        problems.append("name must not be empty")
    if len(name) > MAX_NAME:
        problems.append(f"name must be at most {MAX_NAME} characters")
    if goal not in GOALS:
        problems.append(f"goal must be one of {', '.join(GOALS)}")
    if target <= 0:
        problems.append("target must be greater than 0")
    if ends <= starts:
        problems.append("end must be after start")
    elif ends - starts > MAX_DURATION:
        problems.append("a challenge lasts at most 90 days")
    if not MIN_MULTIPLIER <= multiplier <= MAX_MULTIPLIER:
        problems.append("multiplier must be between 1.0 and 5.0")
    return problems


def best_multiplier(challenges: Iterable[Challenge], user: int, at: datetime) -> float:
    """Rule 4: the highest multiplier among active challenges the user takes part in."""
    best = 1.0
    for ch in challenges:
        if ch.multiplier > best and ch.active_at(at) and ch.takes_part(user, at):
            best = ch.multiplier
    return best


@dataclass(frozen=True, slots=True)
class WindowInteraction:
    actor: int
    target: int
    kind: str
    ts: datetime
    streak_eligible: bool


@dataclass(frozen=True, slots=True)
class Progress:
    """Per-member progress and who completed; `total` is the guild total for community goals."""

    per_member: dict[int, int]
    completed: list[int]
    total: int = 0


def _longest_consecutive(days: Iterable[date]) -> int:
    best = run = 0
    prev: date | None = None
    for day in sorted(set(days)):
        run = run + 1 if prev is not None and (day - prev).days == 1 else 1
        best = max(best, run)
        prev = day
    return best


def evaluate_progress(
    ch: Challenge,
    now: datetime,
    interactions: Iterable[WindowInteraction],
    pair_days: Iterable[tuple[int, int, date]],
    points: dict[int, int],
) -> Progress:
    """Progress and completers of a challenge at `now`.

    `interactions` are the guild's accepted interactions inside the window, `pair_days` the
    qualifying days (lower id, higher id, day) whose qualifying moment fell inside the window,
    `points` what each member earned inside the window.
    """
    if ch.cancelled or now < ch.starts:
        return Progress({}, [], 0)
    until = min(now, ch.ends)
    window = [i for i in interactions if ch.starts <= i.ts < until]
    joined = {u for u, at in ch.participants.items() if at < ch.ends}

    def takes_part(user: int) -> bool:
        return not ch.join_required or user in joined

    per: dict[int, int] = {}
    completed: set[int] = set()
    total = 0
    if ch.goal == "community_interactions":
        eligible = [i for i in window if i.streak_eligible]
        total = len(eligible)
        if ch.join_required:
            people = set(joined)
        else:
            people = {i.actor for i in eligible} | {i.target for i in eligible}
        per = {u: 0 for u in people}
        for i in eligible:
            for u in (i.actor, i.target):
                if u in per:
                    per[u] += 1
        if total >= ch.target:
            completed = set(people)
    elif ch.goal == "pair_streak":
        by_pair: dict[tuple[int, int], list[date]] = defaultdict(list)
        for a, b, day in pair_days:
            if takes_part(a) and takes_part(b):
                by_pair[(a, b)].append(day)
        for (a, b), days in by_pair.items():
            run = _longest_consecutive(days)
            for u in (a, b):
                per[u] = max(per.get(u, 0), run)
        completed = {u for u, run in per.items() if run >= ch.target}
    elif ch.goal == "distinct_partners":
        directed: set[tuple[int, int]] = {(i.actor, i.target) for i in window}
        partners: dict[int, set[int]] = defaultdict(set)
        for a, b in directed:
            if (b, a) in directed:
                partners[a].add(b)
        per = {u: len(p) for u, p in partners.items() if takes_part(u)}
        completed = {u for u, n in per.items() if n >= ch.target}
    elif ch.goal == "points":
        per = {u: p for u, p in points.items() if takes_part(u)}
        completed = {u for u, p in per.items() if p >= ch.target}
    return Progress(per, sorted(completed), total)
