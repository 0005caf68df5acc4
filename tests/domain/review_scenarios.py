"""Builders for the authenticity-review tests (SPEC §10): honest communities, rings, timing.

Everything is deterministic (seeded `random.Random`) and aware (UTC). A `Community` collects
interactions, messages and join times and turns them into a `ReviewInput`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.review import ReviewInput, ReviewInteraction, ReviewMessage

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)
LONG_AGO = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=3)

_SYLLABLES = ("ba", "ko", "ri", "mu", "te", "sa", "lo", "ne", "pi", "du")
VOCAB: tuple[str, ...] = tuple(
    a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES
)

CANNED: tuple[str, ...] = (
    "great point, totally agree with you here",
    "this is the best community i have ever joined",
    "thanks so much for the help, really appreciate it",
    "wow that is amazing work, keep it up friend",
    "does anyone want to play later tonight after dinner",
)


def varied_text(rng: random.Random, lo: int = 5, hi: int = 10) -> str:
    """A longer message nobody else writes (1,000-word vocabulary, 5–10 words)."""
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(lo, hi)))


def at(seconds: float) -> datetime:
    """`WEEK_AGO` + seconds: a point inside the default 7-day window."""
    return WEEK_AGO + timedelta(seconds=seconds)


def stamps(start: datetime, gaps: Iterable[float]) -> list[datetime]:
    """`start` then one time after each gap."""
    out = [start]
    for gap in gaps:
        out.append(out[-1] + timedelta(seconds=gap))
    return out


def human_gaps(rng: random.Random, n: int, mean: float = 180.0) -> list[float]:
    """Exponential gaps (a person: many quick answers, a few long pauses), at least 1 s."""
    return [max(1.0, rng.expovariate(1 / mean)) for _ in range(n)]


def bursty_gaps(rng: random.Random, n: int) -> list[float]:
    """A lively conversation: mostly a few seconds to a minute, now and then several minutes."""
    return [
        max(1.0, rng.expovariate(1 / 20) if rng.random() < 0.6 else rng.expovariate(1 / 300))
        for _ in range(n)
    ]


@dataclass
class Community:
    interactions: list[ReviewInteraction] = field(default_factory=list)
    messages: list[ReviewMessage] = field(default_factory=list)
    joined: dict[int, datetime | None] = field(default_factory=dict)
    created: dict[int, datetime] = field(default_factory=dict)

    def act(self, actor: int, target: int, kind: str, ts: datetime) -> None:
        self.interactions.append(ReviewInteraction(actor, target, kind, ts))

    def say(
        self,
        author: int,
        ts: datetime,
        text: str,
        to: int | None = None,
        kind: str = "reply",
    ) -> None:
        self.messages.append(ReviewMessage(author, ts, text))
        if to is not None:
            self.act(author, to, kind, ts)

    def join(self, members: Iterable[int], when: datetime | None) -> None:
        for m in members:
            self.joined[m] = when

    def input(self, now: datetime = NOW, **kw: Any) -> ReviewInput:
        return ReviewInput(
            interactions=list(self.interactions),
            messages=list(self.messages),
            joined=dict(self.joined),
            now=now,
            created=kw.pop("created", dict(self.created)),
            **kw,
        )


def honest_community(
    c: Community,
    members: Sequence[int],
    rng: random.Random,
    *,
    days: int = 7,
    start: datetime = WEEK_AGO,
    kudos: float = 0.0,
    partners: Sequence[int] | None = None,
) -> None:
    """Members chatting with random others of `partners` (default: each other), human-style.

    Each member has one or two sessions a day at a random hour, 4–12 messages of varied text
    with bursty gaps; most messages reply to or mention someone, some get a reaction, and a
    share `kudos` of them come with a kudos to the person answered.
    """
    pool = list(partners if partners is not None else members)
    for m in members:
        c.joined.setdefault(m, None)
    for m in members:
        others = [p for p in pool if p != m]
        for day in range(days):
            for _ in range(rng.randint(1, 2)):
                t = start + timedelta(days=day, seconds=rng.uniform(0, 20 * 3600))
                for gap in [0.0, *bursty_gaps(rng, rng.randint(3, 11))]:
                    t += timedelta(seconds=gap)
                    to = rng.choice(others)
                    r = rng.random()
                    if r < 0.6:
                        c.say(m, t, varied_text(rng), to, "reply")
                    elif r < 0.7:
                        c.say(m, t, varied_text(rng), to, "mention")
                    else:
                        c.say(m, t, varied_text(rng))
                    if rng.random() < 0.3:
                        c.act(rng.choice(others), m, "reaction", t + timedelta(seconds=5))
                    if kudos and rng.random() < kudos:
                        c.act(m, to, "kudos", t + timedelta(seconds=2))


def ring(
    c: Community,
    members: Sequence[int],
    *,
    start: datetime = WEEK_AGO + timedelta(hours=1),
    count: int = 40,
    gap: float = 61.0,
    texts: Sequence[str] = CANNED,
    kudos_days: int = 7,
    kudos_per_day: int = 2,
    outside: Sequence[int] = (),
    outside_share: float = 0.0,
    rng: random.Random | None = None,
) -> None:
    """A farming ring: each member posts `count` canned messages every `gap` seconds, each a
    reply to another ring member (or, with probability `outside_share`, to a random member of
    `outside`, who answers back once), and every day each gives a kudos to each of the next
    `kudos_per_day` members of the circle (at most one a day to the same member, §3)."""
    rng = rng or random.Random(7)
    n = len(members)
    for i, m in enumerate(members):
        t0 = start + timedelta(seconds=7 * i)
        for k in range(count):
            ts = t0 + timedelta(seconds=gap * k)
            if outside and rng.random() < outside_share:
                to = rng.choice(outside)
                c.act(to, m, "reply", ts + timedelta(seconds=20))
            else:
                to = members[(i + 1 + k % (n - 1)) % n]
            c.say(m, ts, texts[(i + k) % len(texts)], to, "reply")
        for day in range(kudos_days):
            for j in range(1, kudos_per_day + 1):
                to = members[(i + j) % n]
                c.act(m, to, "kudos", start + timedelta(days=day, hours=2, seconds=j))


def conversation(
    c: Community,
    a: int,
    b: int,
    rng: random.Random,
    *,
    start: datetime = WEEK_AGO + timedelta(hours=2),
    messages: int = 200,
) -> None:
    """Two people talking for hours: turns of 1–3 messages a few seconds apart, answers after a
    human delay, and now and then a long break."""
    t = start
    speaker, other = a, b
    sent = 0
    while sent < messages:
        for _ in range(rng.randint(1, 3)):
            c.say(speaker, t, varied_text(rng), other, "reply")
            sent += 1
            t += timedelta(seconds=rng.uniform(2, 15))
        t += timedelta(seconds=3 + rng.expovariate(1 / 45))
        if rng.random() < 0.03:
            t += timedelta(minutes=rng.uniform(35, 90))
        speaker, other = other, speaker
