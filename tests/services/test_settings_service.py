"""The settings service: values already set write and audit nothing; the welcome is claimed
once per guild."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc

G = 1
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def test_a_change_is_audited_and_the_same_value_again_is_not(
    pipeline: TrackingPipeline,
) -> None:
    service = svc(pipeline).settings
    audit = pipeline.repos.audit
    before, after = await service.configure(G, {"reminder_hour": 20}, 7, AT)
    assert (before.reminder_hour, after.reminder_hour) == (18, 20)
    assert await audit.count(G) == 1
    before, after = await service.configure(G, {"reminder_hour": 20}, 7, AT)
    assert before == after and await audit.count(G) == 1
    old, new = await service.change_settings(G, {"points": {"reply": 5}}, 7, AT)
    assert (old.points.reply, new.points.reply) == (3, 5) and await audit.count(G) == 2
    old, new = await service.change_settings(G, {"points": {"reply": 5}}, 7, AT)
    assert old == new and await audit.count(G) == 2


async def test_the_welcome_is_claimed_once_until_released(pipeline: TrackingPipeline) -> None:
    service = svc(pipeline).settings
    assert not await service.welcome_posted(G)
    assert await service.claim_welcome(G, AT)
    assert not await service.claim_welcome(G, AT)
    assert await service.welcome_posted(G)
    await service.release_welcome(G)
    assert await service.claim_welcome(G, AT)
