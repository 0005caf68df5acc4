"""The read models' caches stay bounded whatever the number of guilds looked at (#13), and
serve a value only while it is fresh."""

from __future__ import annotations

import pytest

from bot import reads
from bot.reads import FreshCache


def test_a_full_cache_drops_the_stale_then_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(reads.time, "monotonic", lambda: clock[0])
    cache: FreshCache[int, str] = FreshCache(limit=3)
    for guild in range(3):
        cache.put(guild, f"g{guild}")
        clock[0] += 1
    assert [cache.get(g) for g in range(3)] == ["g0", "g1", "g2"]
    cache.put(3, "g3")  # full: the oldest (0) goes
    assert len(cache) == 3 and cache.get(0) is None and cache.get(3) == "g3"
    clock[0] += reads.WEEKLY_CACHE_SECONDS  # 1, 2 and 3 are stale now
    assert cache.get(1) is None
    cache.put(4, "g4")
    assert len(cache) == 1 and cache.get(4) == "g4"  # the stale ones were swept


def test_ten_thousand_guilds_keep_the_cache_at_its_limit() -> None:
    cache: FreshCache[int, list[int]] = FreshCache(limit=512)
    for guild in range(10_000):
        cache.put(guild, [guild])
    assert len(cache) == 512
    assert cache.get(9_999) == [9_999] and cache.get(0) is None


def test_drop_forgets_one_guilds_entries() -> None:
    cache: FreshCache[tuple[int, bool], int] = FreshCache()
    cache.put((1, True), 1)
    cache.put((1, False), 2)
    cache.put((2, True), 3)
    cache.drop(lambda key: key[0] == 1)
    assert cache.get((1, True)) is None and cache.get((1, False)) is None
    assert cache.get((2, True)) == 3
