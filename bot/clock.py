"""One Clock object is injected wherever time is read, so tests and the demo can move time.

:class:`ManualClock` is the one movable clock: the bot reads it through :class:`Clock`
(``clock.now()``), the sandbox through ``now=`` (calling it), and the demo and the e2e
tests move both at once with :meth:`ManualClock.set` / :meth:`ManualClock.advance`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move.

    It is a :class:`Clock` for the bot and, being callable, the ``now=`` of the sandbox.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def __call__(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self._now = when

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = self._now + (delta or timedelta()) + timedelta(**kwargs)
        return self._now
