"""Point rules and anti-abuse helpers (SPEC §3), each a small pure function."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

DUPLICATE_WINDOW_SECONDS = 600


def earner_of(kind: str, actor: int, target: int) -> tuple[int, int]:
    """(earner, partner) of an interaction: the actor for replies and mentions, else the target."""
    if kind in ("reply", "mention"):
        return actor, target
    return target, actor


def is_new_member(joined_at: datetime | None, at: datetime, min_age_days: int) -> bool:
    """Rule 0: joined less than `min_age_days` ago at time `at`."""
    if min_age_days <= 0 or joined_at is None:
        return False
    return at - joined_at < timedelta(days=min_age_days)


def cooldown_passes(last_passed: datetime | None, at: datetime, cooldown_seconds: int) -> bool:
    """Rule 1: at least `cooldown_seconds` since the last passing interaction of the pair."""
    if last_passed is None:
        return True
    return (at - last_passed).total_seconds() >= cooldown_seconds


def is_duplicate(normalised: str, at: datetime, earlier: Iterable[tuple[datetime, str]]) -> bool:
    """Rule 2: same normalised content by the same author at most 600 s earlier (inclusive)."""
    for ts, text in earlier:
        if text == normalised and 0 <= (at - ts).total_seconds() <= DUPLICATE_WINDOW_SECONDS:
            return True
    return False


def multiply(points: int, multiplier: float) -> int:
    """Rule 4: apply a multiplier, rounding down exactly (no float error)."""
    if multiplier <= 1:
        return points
    return int(Fraction(points) * Fraction(str(multiplier)))


def truncate_to_caps(
    points: int, pair_used: int, pair_cap: int, day_used: int, day_cap: int
) -> int:
    """Rule 5: truncate to what is left of both budgets, never negative."""
    return max(0, min(points, pair_cap - pair_used, day_cap - day_used))
