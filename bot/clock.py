"""One Clock object is injected wherever time is read, so tests and the demo can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """A clock that starts at `start` and moves only when told (or at `speed` × real time)."""

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("MovableClock needs an aware start time")
        self._base = start
        self._speed = speed
        self._real_base = datetime.now(UTC)

    def now(self) -> datetime:
        if self._speed:
            elapsed = (datetime.now(UTC) - self._real_base) * self._speed
            return self._base + elapsed
        return self._base

    def set(self, when: datetime) -> None:
        self._base = when
        self._real_base = datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)
