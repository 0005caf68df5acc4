"""/mod restore-streak through the moderation service: the usual case (a missed day, then
the pair kept talking) joins the two runs and pays what the joined run earns, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.domain.streaks import local_day, view_at
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import EPOCH, svc
from tests.scheduling.test_jobs import DAY0, G, talk


async def milestones_of(pipeline: TrackingPipeline, user: int) -> list[tuple[str, int]]:
    rows = await pipeline.repos.db.fetchall(  # type: ignore[attr-defined]
        "SELECT reason, delta FROM ledger WHERE guild_id = ? AND user_id = ? "
        "AND reason LIKE 'milestone-%' ORDER BY id",
        (G, user),
    )
    return [(str(r[0]), int(r[1])) for r in rows]


async def current(pipeline: TrackingPipeline, at: datetime) -> int:
    row = await pipeline.repos.streaks.pair(G, 10, 11)
    assert row is not None
    return view_at(row.run, local_day(at, UTC)).current  # type: ignore[arg-type]


async def test_a_missed_day_then_kept_talking_is_joined_and_paid(
    pipeline: TrackingPipeline,
) -> None:
    services = svc(pipeline)
    await services.settings.change_settings(G, {"limits": {"max_freezes": 0}}, None, EPOCH)
    await talk(pipeline, 10, 11, 5, 1000)  # days 0-4: 5 days (3-day milestone)
    await talk(pipeline, 10, 11, 4, 2000, start=6)  # day 5 missed; days 6-9
    await pipeline.flush()
    now = DAY0 + timedelta(days=10)
    assert await current(pipeline, now) == 4
    before = await milestones_of(pipeline, 10)
    assert before == [("milestone-3", 10), ("milestone-3", 10)]  # one per run
    rep_before = (await services.moderation.members.member(G, 10)).reputation

    restored = await services.moderation.restore_streak(G, 10, 11, 7, "outage", now)

    assert [d.isoformat() for d in restored.days] == ["2026-06-06"]
    assert (restored.before, restored.current) == (4, 10)
    assert restored.milestones == [(7, 25)]  # 3 was paid; 7 is what the joined run adds
    assert "streak-7" in restored.badges
    assert await current(pipeline, now) == 10
    assert await milestones_of(pipeline, 10) == [*before, ("milestone-7", 25)]
    assert (await services.moderation.members.member(G, 10)).reputation == rep_before + 25
    held = {h.key for h in await services.badges.held(G, 11)}
    assert {"streak-3", "streak-7"} <= held
    _, entries = await services.moderation.audit_page(G, 10, 0)
    assert entries[0].action == "mod.restore-streak"
    details = entries[0].details
    assert details["before"] == 4 and details["after"] == 10 and details["milestones"] == [7]
    # nothing is broken any more: a second restore is refused, and pays nothing twice
    with pytest.raises(DomainError, match="no break"):
        await services.moderation.restore_streak(G, 10, 11, 7, "again", now)
    assert len(await milestones_of(pipeline, 10)) == 3


async def test_a_streak_that_is_over_is_filled_up_to_yesterday(
    pipeline: TrackingPipeline,
) -> None:
    services = svc(pipeline)
    await talk(pipeline, 10, 11, 6, 1000)  # days 0-5: no freezes yet (one comes at 7)
    await pipeline.flush()
    now = DAY0 + timedelta(days=9)  # days 6, 7, 8 missed: over
    assert await current(pipeline, now) == 0
    restored = await services.moderation.restore_streak(G, 10, 11, 7, "", now)
    assert len(restored.days) == 3 and restored.current == 9
    assert restored.milestones == [(7, 25)]
    assert await current(pipeline, now) == 9


async def test_refusals(pipeline: TrackingPipeline) -> None:
    services = svc(pipeline)
    with pytest.raises(DomainError, match="never had a streak"):
        await services.moderation.restore_streak(G, 10, 11, 7, "", DAY0)
    with pytest.raises(DomainError, match="two different"):
        await services.moderation.restore_streak(G, 10, 10, 7, "", DAY0)
    await talk(pipeline, 10, 11, 2, 1000)
    await pipeline.flush()
    with pytest.raises(DomainError, match="at most 30"):
        await services.moderation.restore_streak(G, 10, 11, 7, "", DAY0 + timedelta(days=60))
    _, entries = await services.moderation.audit_page(G, 10, 0)
    assert entries == []
