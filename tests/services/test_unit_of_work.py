"""A service action is one transaction: domain write, repository writes and audit row commit
together or not at all; the batch's streak recompute is inside the batch's transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.challenges import Challenge
from bot.domain.interactions import MessageRecord
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import EPOCH, svc

G = 1
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def say(mid: int, author: int, target: int, at: datetime) -> MessageRecord:
    return MessageRecord(G, 5, mid, at, author, f"hello there {mid}", None, (target,))


async def test_a_failing_audit_row_rolls_the_whole_action_back(
    pipeline: TrackingPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = svc(pipeline)
    await pipeline.submit(say(1, 10, 11, T0))  # pending ingest, flushed by the action first

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.moderation.audit, "record", broken)
    with pytest.raises(RuntimeError):
        await services.moderation.adjust_reputation(G, 10, 500, 7, "test", "mod:1", T0)
    monkeypatch.undo()
    # nothing of the action is stored or remembered; what was ingested before it is
    data = await services.privacy.export(G, 10)
    assert [e["reason"] for e in data["ledger"]] == ["mention"]
    assert (await svc(pipeline).challenges.reads.member(G, 10)).reputation == 1
    assert "rep-500" not in {h.key for h in await services.badges.held(G, 10)}
    assert (await services.moderation.audit_page(G, 10, 0))[0] == 0
    # the guild's state was rebuilt from the store, so the next action starts from truth
    total = await services.moderation.adjust_reputation(G, 10, 5, 7, "test", "mod:2", T0)
    assert total == 6
    assert (await services.moderation.audit_page(G, 10, 0))[0] == 1


async def test_a_domain_error_inside_an_action_writes_nothing(
    pipeline: TrackingPipeline,
) -> None:
    from bot.domain.errors import DomainError

    services = svc(pipeline)
    with pytest.raises(DomainError):
        await services.moderation.restore_streak(G, 10, 11, 7, "", T0)
    assert (await services.moderation.audit_page(G, 10, 0))[0] == 0


async def test_batch_rows_and_streak_recompute_commit_together(
    pipeline: TrackingPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = svc(pipeline)
    await services.settings.change_settings(G, {"streak_mode": "any"}, None, EPOCH)
    await pipeline.submit(say(1, 10, 11, T0 + timedelta(days=1)))
    await pipeline.flush()
    # an older day arrives late: the pair's streak is recomputed from all its days
    await pipeline.submit(say(2, 10, 11, T0))
    store = pipeline.store
    real = store.save_streak

    async def crash(*_: object, **__: object) -> None:
        raise RuntimeError("killed between the batch and the recompute")

    monkeypatch.setattr(store, "save_streak", crash)
    with pytest.raises(RuntimeError):
        await pipeline.flush()
    # the crash rolled the batch back too: the late message is not half-stored (read from
    # the store directly: a read model would flush again)
    data = await pipeline.repos.privacy.export(G, 10)
    assert [i["source"] for i in data["interactions"]] == ["1"]
    stored = await pipeline.repos.streaks.pair(G, 10, 11)
    assert stored is not None and stored.run.current == 1
    monkeypatch.setattr(store, "save_streak", real)
    await pipeline.flush()
    pair = await services.challenges.reads.pair(G, 10, 11, T0 + timedelta(days=1))
    assert pair is not None and pair.view.current == 2
    data = await services.privacy.export(G, 10)
    assert sorted(i["source"] for i in data["interactions"]) == ["1", "2"]


async def test_another_tasks_write_waits_for_an_open_change(
    pipeline: TrackingPipeline,
) -> None:
    services = svc(pipeline)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing_change() -> None:
        async with pipeline.locked(G):
            await services.moderation.audit.record(G, 7, "test", {}, T0)
            inside.set()
            await release.wait()
            raise RuntimeError("the change fails after another task wrote")

    change = asyncio.create_task(failing_change())
    await asyncio.wait_for(inside.wait(), timeout=5)
    nudge = asyncio.create_task(services.privacy.record_nudge(G, 10, 11, date(2026, 6, 1), 10))
    await asyncio.sleep(0.05)
    assert not nudge.done()  # it waits for the change's transaction instead of joining it
    release.set()
    with pytest.raises(RuntimeError):
        await change
    assert await asyncio.wait_for(nudge, timeout=5)  # written after the rollback, so it is kept
    assert not await services.privacy.record_nudge(G, 10, 11, date(2026, 6, 1), 10)
    assert (await services.moderation.audit_page(G, 10, 0))[0] == 0


async def test_read_caches_follow_a_service_change_without_being_told(
    pipeline: TrackingPipeline,
) -> None:
    services = svc(pipeline)
    reads = services.challenges.reads
    assert await reads.hidden(G) == []
    await services.privacy.set_preference(G, 10, "visibility", "private")
    assert await reads.hidden(G) == [10]


async def test_challenges_are_handed_out_as_copies(pipeline: TrackingPipeline) -> None:
    services = svc(pipeline)
    ch = Challenge(G, 0, "Spring", "points", 5, T0, T0 + timedelta(days=3))
    created = await services.challenges.create(ch, 7, T0)
    assert created.id == 1
    assert await services.challenges.join(G, 1, 10, T0)
    got = await services.challenges.get(G, 1)
    assert got is not None and list(got.participants) == [10]
    got.participants[99] = T0  # a caller's copy: the live challenge is untouched
    again = await services.challenges.get(G, 1)
    assert again is not None and list(again.participants) == [10]
    entries = (await services.moderation.audit_page(G, 10, 0))[1]
    assert [e.action for e in entries] == ["challenge.create"]
