"""Badge rules (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass

STREAK_LENGTHS: tuple[int, ...] = (3, 7, 14, 30, 50, 100, 365)
REP_THRESHOLDS: tuple[int, ...] = (100, 500, 1000, 5000)
CONNECTOR_THRESHOLDS: tuple[int, ...] = (5, 20)


@dataclass(frozen=True, slots=True)
class BadgeInfo:
    key: str
    name: str
    emoji: str
    description: str


def _builtins() -> dict[str, BadgeInfo]:
    out: dict[str, BadgeInfo] = {}
    for n in STREAK_LENGTHS:
        out[f"streak-{n}"] = BadgeInfo(
            f"streak-{n}", f"{n}-day streak", "🔥", f"A pair streak reached {n} days"
        )
    for n in REP_THRESHOLDS:
        out[f"rep-{n}"] = BadgeInfo(f"rep-{n}", f"{n} reputation", "🏅", f"Reached {n} reputation")
    for n in CONNECTOR_THRESHOLDS:
        out[f"connector-{n}"] = BadgeInfo(
            f"connector-{n}", f"Connector {n}", "🤝", f"Qualifying days with {n} different partners"
        )
    return out


BUILTIN_BADGES: dict[str, BadgeInfo] = _builtins()


def challenge_badge(challenge_id: int) -> str:
    return f"challenge-{challenge_id}"


def streak_badge(length: int) -> str | None:
    """The badge a pair streak reaching exactly `length` earns, if any."""
    return f"streak-{length}" if length in STREAK_LENGTHS else None
