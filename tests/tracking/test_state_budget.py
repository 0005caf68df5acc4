"""Resident guild states are bounded in memory (GUILD_STATE_MB, DECISIONS B19): beyond the
bound the least recently used written states are evicted, idle or not; the one used last and
any with rows not yet written stay. Correctness across such evictions is checked by
tests/tracking/test_eviction.py (bounded mode); these check the bound itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.engine import STATE_BASE_ENTRIES
from bot.domain.interactions import MessageRecord
from bot.storage.database import Database
from bot.tracking.pipeline import STATE_ENTRY_BYTES, TrackingPipeline

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def chat(guild: int, i: int) -> list[MessageRecord]:
    """Two members of `guild` talking: a message each, mentioning the other."""
    at = T0 + timedelta(minutes=i)
    return [
        MessageRecord(guild, 5, 10_000 * guild + 2 * i, at, 10, "hello there <@11>", None, (11,)),
        MessageRecord(
            guild, 5, 10_000 * guild + 2 * i + 1, at, 11, "hi back to you <@10>", None, (10,)
        ),
    ]


async def test_states_beyond_the_bound_are_evicted_least_recently_used_first(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "k.db")
    # room for about three small states
    pipeline = TrackingPipeline(
        db, idle_seconds=0, state_bytes=3 * (STATE_BASE_ENTRIES + 20) * STATE_ENTRY_BYTES
    )
    try:
        for i, guild in enumerate(range(1, 11)):
            for rec in chat(guild, i):
                assert await pipeline.submit(rec) >= 0
            await pipeline.flush()
            await pipeline.evict_idle()
            total = sum(st.footprint() for st in pipeline.states.values())
            assert len(pipeline.states) <= 4, sorted(pipeline.states)
            assert guild in pipeline.states  # the one used last stays
            assert total <= 3 * (STATE_BASE_ENTRIES + 20) + pipeline.states[guild].footprint()
        assert pipeline.budget_evictions >= 6
        assert pipeline.evictions == pipeline.budget_evictions  # none was idle
        assert 1 not in pipeline.states and 2 not in pipeline.states  # the oldest went first
        # an evicted guild comes back from the store exactly as it was
        before = pipeline.loads
        known = await pipeline.member_infos(1)
        assert pipeline.loads == before + 1
        assert known.keys() >= {10, 11}
    finally:
        await pipeline.close()
        await db.close()


async def test_states_with_rows_not_written_are_kept_until_written(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db, idle_seconds=0, state_bytes=1, max_batch=10**6)
    try:
        for guild in (1, 2, 3):
            for rec in chat(guild, guild):
                await pipeline.submit(rec)
        # nothing is written yet: over the bound, but every state still holds unwritten rows
        await pipeline.evict_idle()
        assert set(pipeline.states) == {1, 2, 3}
        assert pipeline.budget_evictions == 0
        await pipeline.flush()
        await pipeline.evict_idle()
        assert set(pipeline.states) == {3}  # written: all but the one used last leave
        assert pipeline.budget_evictions == 2
    finally:
        await pipeline.close()
        await db.close()


async def test_no_bound_keeps_every_state(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db, idle_seconds=0, state_bytes=None)
    try:
        for guild in range(1, 6):
            for rec in chat(guild, guild):
                await pipeline.submit(rec)
        await pipeline.flush()
        await pipeline.evict_idle()
        assert set(pipeline.states) == {1, 2, 3, 4, 5}
        assert pipeline.evictions == 0
    finally:
        await pipeline.close()
        await db.close()
