"""Property: the SQL "alive" and "at risk" rules of the streak repository agree with the domain
(`bot.domain.streaks.view_at`), for any stored pair streak runs.

Runs are written through the pipeline's own write path (`Batch.streaks`) and read back through
the StreakStore protocol, so every backend is held to the same rules."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.engine import Batch
from bot.domain.streaks import StreakRun, view_at
from bot.storage.protocols import Repositories

BIG = 10_000
_guilds = itertools.count(1_000)  # the fixture's database is shared by every example

Pair = tuple[int, int]


@st.composite
def runs(draw: st.DrawFn, today: date, max_freezes: int) -> StreakRun:
    current = draw(st.integers(min_value=1, max_value=40))
    best = current + draw(st.integers(min_value=0, max_value=5))
    # up to two more than today's max: freezes earned before a moderator lowered it are kept
    freezes = draw(st.integers(min_value=0, max_value=max_freezes + 2))
    last = today + timedelta(days=draw(st.integers(min_value=-10, max_value=2)))
    run_start = last - timedelta(days=draw(st.integers(min_value=0, max_value=current + 5)))
    return StreakRun(current, best, freezes, last, run_start)


pairs = st.tuples(st.integers(1, 12), st.integers(1, 12)).filter(lambda p: p[0] < p[1])


@st.composite
def cases(draw: st.DrawFn) -> tuple[date, int, int, dict[Pair, StreakRun]]:
    today = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    max_freezes = draw(st.integers(min_value=0, max_value=3))
    min_streak = draw(st.integers(min_value=0, max_value=10))
    streaks = draw(st.dictionaries(pairs, runs(today, max_freezes), max_size=12))
    return today, max_freezes, min_streak, streaks


async def check(
    repos: Repositories,
    today: date,
    max_freezes: int,
    min_streak: int,
    streaks: dict[Pair, StreakRun],
) -> None:
    guild = next(_guilds)
    batch = Batch()
    for (a, b), run in streaks.items():
        batch.streaks[(guild, a, b)] = run.copy()
    await repos.tracking.write_batch(batch)
    views = {pair: view_at(run, today) for pair, run in streaks.items()}

    alive = [
        (pair, streaks[pair].current)
        for pair, v in views.items()
        if v.alive and streaks[pair].current > 0
    ]
    expected_alive = sorted(alive, key=lambda x: (-x[1], x[0]))
    got = await repos.streaks.alive_streaks(guild, today, max_freezes, BIG, 0)
    assert [((r.a, r.b), r.run.current) for r in got] == expected_alive
    assert all(r.run == streaks[(r.a, r.b)] for r in got)

    for threshold in {0, *(c for _, c in alive), *(c - 1 for _, c in alive)}:
        expected_count = sum(1 for _, c in alive if c > threshold)
        counted = await repos.streaks.count_alive_longer(guild, today, max_freezes, threshold)
        assert counted == expected_count, threshold

    expected_risk = sorted(
        (
            (a, b, streaks[(a, b)].current, v.freezes)
            for (a, b), v in views.items()
            if v.at_risk and streaks[(a, b)].current >= min_streak
        ),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    risk = await repos.streaks.at_risk_pairs([(guild, today, max_freezes, min_streak)])
    assert risk.get(guild, []) == expected_risk
    assert set(risk) <= {guild}


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases())
async def test_alive_and_at_risk_match_the_domain(
    repos: Repositories, case: tuple[date, int, int, dict[Pair, StreakRun]]
) -> None:
    await check(repos, *case)


async def test_freezes_earned_before_max_freezes_was_lowered(repos: Repositories) -> None:
    # a week-long run earned a freeze under max_freezes 1, then the guild set max_freezes 0;
    # the pair skipped yesterday: view_at says alive, at risk, 0 freezes left
    today = date(2026, 6, 10)
    run = StreakRun(7, 7, 1, today - timedelta(days=2), today - timedelta(days=8))
    assert view_at(run, today).alive and view_at(run, today).at_risk
    await check(repos, today, 0, 0, {(1, 2): run})
