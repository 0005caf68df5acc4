"""Badge deliveries are owed in the store from the award's own transaction (#12 item 3), with
the moderator whose action awarded them; moderators cannot reward themselves (#12 item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc
from tests.scheduling.test_jobs import DAY0, G, talk

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


async def test_earned_badges_are_owed_until_delivered(pipeline: TrackingPipeline) -> None:
    badges = svc(pipeline).badges
    await talk(pipeline, 10, 11, 3, 1000)  # streak-3 for both
    owed = await badges.owed(G)
    assert {(o.user, o.badge, o.actor) for o in owed} == {
        (10, "streak-3", None),
        (11, "streak-3", None),
    }
    assert await badges.guilds_owed() == [G]
    await badges.delivered([owed[0].id], DAY0 + timedelta(days=3))
    assert [o.user for o in await badges.owed(G)] == [owed[1].user]
    await badges.delivered([owed[1].id], DAY0 + timedelta(days=3))
    assert await badges.owed(G) == [] and await badges.guilds_owed() == []


async def test_a_moderator_action_owes_its_badges_in_their_name(
    pipeline: TrackingPipeline,
) -> None:
    services = svc(pipeline)
    await services.moderation.adjust_reputation(G, 10, 150, 7, "welcome", "mod:1", T0)
    await services.badges.grant(G, 11, "streak-7", 8, T0)
    owed = {(o.user, o.badge): o.actor for o in await services.badges.owed(G)}
    assert owed == {(10, "rep-100"): 7, (11, "streak-7"): 8}


async def test_a_failed_action_owes_nothing(
    pipeline: TrackingPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = svc(pipeline)

    async def broken(*args: object) -> None:
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(services.moderation, "_audit", broken)
    with pytest.raises(RuntimeError):
        await services.moderation.adjust_reputation(G, 10, 150, 7, "x", "mod:1", T0)
    assert await services.badges.owed(G) == []


async def test_moderators_cannot_adjust_or_restore_for_themselves(
    pipeline: TrackingPipeline,
) -> None:
    services = svc(pipeline)
    with pytest.raises(DomainError, match="your own reputation"):
        await services.moderation.adjust_reputation(G, 7, 500, 7, "me", "mod:1", T0)
    await talk(pipeline, 7, 11, 2, 1000)
    with pytest.raises(DomainError, match="streak of your own"):
        await services.moderation.restore_streak(G, 11, 7, 7, "", DAY0 + timedelta(days=5))
    assert await services.badges.owed(G) == []
    _, entries = await services.moderation.audit_page(G, 10, 0)
    assert entries == []
