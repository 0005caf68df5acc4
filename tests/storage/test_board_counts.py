"""Board sizes for "Page x/y": each COUNT agrees with the board query it counts, hidden
members and paging included."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.protocols import Repositories
from tests.storage.test_repositories import (
    TODAY,
    G,
    H,
    seed_streaks,
    seed_visibility,
    write,
)


async def test_count_reputation_matches_top_reputation(repos: Repositories) -> None:
    await seed_visibility(repos, G)
    await write(repos, reputation={(G, 7): 20, (G, 8): 0, (H, 1): 1000})
    for public_only in (False, True):
        shown = await repos.members.top_reputation(G, 100, 0, public_only)
        assert await repos.members.count_reputation(G, public_only) == len(shown)
    assert await repos.members.count_reputation(G) == 3
    assert await repos.members.count_reputation(G, public_only=True) == 2
    assert await repos.members.count_reputation(99) == 0


async def test_count_alive_matches_alive_streaks(repos: Repositories) -> None:
    await seed_streaks(repos)
    s = repos.streaks
    for today in (TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=9)):
        for exclude in ([], [3], [2, 4]):
            for max_freezes in (0, 1, 2):
                rows = await s.alive_streaks(G, today, max_freezes, 100, 0, exclude)
                assert await s.count_alive(G, today, max_freezes, exclude) == len(rows)
    assert await s.count_alive(G, TODAY, 2) == 4
    assert await s.count_alive(H, TODAY, 2) == 1


async def test_count_pairs_matches_top_best(repos: Repositories) -> None:
    await seed_streaks(repos)
    s = repos.streaks
    for exclude in ([], [3], [1, 5]):
        assert await s.count_pairs(G, exclude) == len(await s.top_best(G, 100, 0, exclude))
    assert await s.count_pairs(G) == 6
    assert await s.count_pairs(99) == 0
