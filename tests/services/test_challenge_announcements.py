"""A challenge's start is announced once: by `/challenge create` when it starts now, else by
the scheduled job; the job's claim sees a creation that has not committed yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.challenges import Challenge
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc

G = 1
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def sprint(**kw: object) -> Challenge:
    ch = Challenge(G, 0, "Sprint", "points", 5, T0, T0 + timedelta(days=1))
    for key, value in kw.items():
        setattr(ch, key, value)
    return ch


async def test_announced_at_creation_is_not_claimed_again(pipeline: TrackingPipeline) -> None:
    service = svc(pipeline).challenges
    ch = await service.create(sprint(), 99, T0, announced=True)
    assert await service.due(T0) == []  # stored as announced
    assert not await service.claim_start(G, ch.id)


async def test_the_job_claims_a_start_once(pipeline: TrackingPipeline) -> None:
    service = svc(pipeline).challenges
    ch = await service.create(sprint(), 99, T0)
    assert await service.due(T0) == [(G, ch.id, "start")]
    assert await service.claim_start(G, ch.id)
    assert await service.due(T0) == []


async def test_the_claim_sees_a_creation_still_in_its_transaction(
    pipeline: TrackingPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job reads what is due on the same connection while the creation's transaction is
    open (between its insert and its announced mark): its claim must still refuse."""
    service = svc(pipeline).challenges
    seen: list[bool] = []
    original = service.repo.upsert

    async def upsert_then_job_looks(ch: Challenge) -> None:
        await original(ch)
        due = await service.due(T0)
        seen.append(bool(due) and not await service.claim_start(G, due[0][1]))

    monkeypatch.setattr(service.repo, "upsert", upsert_then_job_looks)
    await service.create(sprint(), 99, T0, announced=True)
    assert seen == [True]


async def test_cancel_keeps_participants_and_audits_the_reason(
    pipeline: TrackingPipeline,
) -> None:
    service = svc(pipeline).challenges
    ch = await service.create(sprint(), 99, T0)
    await service.join(G, ch.id, 10, T0)
    await service.join(G, ch.id, 11, T0)
    cancelled = await service.cancel(ch, 99, T0 + timedelta(hours=1), "venue fell through")
    assert cancelled.cancelled and sorted(cancelled.participants) == [10, 11]
    assert await service.audience(cancelled) == ([10, 11], [])
    assert await service.close(cancelled, T0 + timedelta(days=2)) is None  # nothing awarded
    (latest, *_) = await pipeline.repos.audit.page(G, 10, 0)
    assert latest.action == "challenge.cancel"
    assert latest.details["reason"] == "venue fell through"
