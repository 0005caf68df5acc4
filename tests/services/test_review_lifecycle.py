"""Authenticity review through the services: hold, approve, reject, flag-only and off, across
a restart, never double-counted when a pass re-runs (SPEC §10)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.interactions import MemberRecord, MessageRecord
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import EPOCH, svc

G = 1
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
RING = [900, 901, 902, 903, 904]
HONEST = list(range(1, 16))
WORDS = "we code review ship test bug fix merge plan idea cool great team docs api later".split()
CANNED = [
    "great point, totally agree with this one",
    "thanks for sharing that, really helpful stuff",
    "this is exactly what we needed here today",
]


def traffic(days: range, seed: int = 1) -> list[MemberRecord | MessageRecord]:
    """Honest members chatting with human gaps, and from day 1 a ring of new accounts
    replying canned text to each other every 61 s for four hours a day."""
    rnd = random.Random(seed)
    out: list[tuple[datetime, MemberRecord | MessageRecord]] = []
    for u in RING:
        out.append((T0 - timedelta(days=9), MemberRecord(G, u, False, T0 - timedelta(days=1))))
    for day in days:
        t = T0 + timedelta(days=day)
        for _ in range(120):
            t += timedelta(seconds=rnd.expovariate(1 / 200))
            a, b = rnd.sample(HONEST, 2)
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 9)))
            out.append((t, MessageRecord(G, 5, 0, t, a, f"{text} <@{b}>", None, (b,))))
        if day >= 1:
            t = T0 + timedelta(days=day, hours=1)
            for i in range(240):
                a, b = RING[i % 5], RING[(i + 1 + rnd.randrange(3)) % 5]
                text = f"{rnd.choice(CANNED)} <@{b}>"
                out.append((t, MessageRecord(G, 5, 0, t, a, text, None, (b,))))
                t += timedelta(seconds=61)
    out.sort(key=lambda x: x[0])
    records: list[MemberRecord | MessageRecord] = []
    for n, (_, rec) in enumerate(out, start=1 + 100_000 * days.start):
        if isinstance(rec, MessageRecord):
            rec = MessageRecord(G, 5, n, rec.ts, rec.author, rec.content, None, rec.mentions)
        records.append(rec)
    return records


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.db")
    try:
        yield database
    finally:
        await database.close()


async def feed(pipeline: TrackingPipeline, records: list[MemberRecord | MessageRecord]) -> None:
    for rec in records:
        await pipeline.submit(rec)
    await pipeline.flush()


async def reputation(pipeline: TrackingPipeline, user: int) -> int:
    return (await svc(pipeline).challenges.reads.member(G, user)).reputation


async def test_hold_then_approve_across_a_restart(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(0, 3)))
    earned = await reputation(pipeline, 900)
    assert earned > 0
    new = await services.review.run_pass(G, T0 + timedelta(days=3))
    assert sorted(f.user for f in new) == RING
    assert {"shared_text", "regular_timing"} <= set(new[0].reasons)
    assert not {f.user for f in new} & set(HONEST)
    # held: out of reputation and the weekly board; the evidence is kept with the flag
    assert await reputation(pipeline, 900) == 0
    queue = {q.flag.user: q for q in await services.review.queue(G)}
    assert queue[900].held == earned
    board = await services.challenges.reads.board(G, "weekly", 0, T0 + timedelta(days=3))
    assert not {u for e in board.entries for u in e.users} & set(RING)
    # a second pass over the same window adds nothing and holds nothing twice
    assert await services.review.run_pass(G, T0 + timedelta(days=3)) == []
    assert (await services.review.queue(G))[0].held == earned
    await pipeline.close()

    # restart: points earned while the flag is undecided are held too
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(3, 4), seed=2))
    assert await reputation(pipeline, 900) == 0
    later = {q.flag.user: q for q in await services.review.queue(G)}[900].held
    assert later > earned
    decided = await services.review.decide(G, queue[900].flag.id, True, 77, T0 + timedelta(days=4))
    assert decided.held == later
    assert await reputation(pipeline, 900) == later
    assert "rep-100" in {h.key for h in await services.badges.held(G, 900)} or later < 100
    # the same evidence never flags again; other ring members stay in the queue
    await services.review.run_pass(G, T0 + timedelta(days=4))
    assert 900 not in {q.flag.user for q in await services.review.queue(G)}
    assert {q.flag.user for q in await services.review.queue(G)} == set(RING) - {900}
    actions = [e.action for e in (await services.moderation.audit_page(G, 10, 0))[1]]
    assert actions == ["review.approve"]
    await pipeline.close()


async def test_reject_voids_the_held_points(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(0, 3)))
    await services.review.run_pass(G, T0 + timedelta(days=3))
    entry = {q.flag.user: q for q in await services.review.queue(G)}[901]
    assert entry.held > 0
    await services.review.decide(G, entry.flag.id, False, 77, T0 + timedelta(days=3, hours=1))
    assert await reputation(pipeline, 901) == 0
    assert 901 not in {q.flag.user for q in await services.review.queue(G)}
    from bot.domain.errors import DomainError

    with pytest.raises(DomainError):  # decided once only
        await services.review.decide(G, entry.flag.id, True, 78, T0 + timedelta(days=3, hours=2))
    # points earned after the decision count again
    rec = MessageRecord(
        G,
        5,
        999_999,
        T0 + timedelta(days=3, hours=3),
        901,
        "a real question for you <@1>",
        None,
        (1,),
    )
    await feed(pipeline, [rec])
    assert await reputation(pipeline, 901) > 0
    actions = [e.action for e in (await services.moderation.audit_page(G, 10, 0))[1]]
    assert actions == ["review.reject"]
    await pipeline.close()


async def test_flag_mode_holds_nothing_and_off_runs_nothing(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await services.settings.change_settings(G, {"review_mode": "flag"}, None, EPOCH)
    await feed(pipeline, traffic(range(0, 3)))
    earned = await reputation(pipeline, 902)
    new = await services.review.run_pass(G, T0 + timedelta(days=3))
    assert sorted(f.user for f in new) == RING
    assert await reputation(pipeline, 902) == earned
    assert all(q.held == 0 for q in await services.review.queue(G))
    await services.settings.change_settings(G, {"review_mode": "off"}, None, EPOCH)
    await pipeline.close()

    other = TrackingPipeline(db)
    assert await svc(other).review.run_pass(G + 1, T0 + timedelta(days=3)) == []
    await other.close()


async def test_off_runs_no_pass(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await services.settings.change_settings(G, {"review_mode": "off"}, None, EPOCH)
    await feed(pipeline, traffic(range(0, 3)))
    assert await services.review.run_pass(G, T0 + timedelta(days=3)) == []
    assert await services.review.queue(G) == []
    await pipeline.close()


async def test_an_approval_while_a_pass_runs_is_not_undone(db: Database) -> None:
    from bot.domain.review import ReviewInput, review_pass

    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(0, 3)))
    await services.review.run_pass(G, T0 + timedelta(days=3))
    flag = {q.flag.user: q for q in await services.review.queue(G)}[900]
    released = flag.held

    async def slow_pass(inp: ReviewInput) -> dict[int, object]:  # type: ignore[type-arg]
        # a moderator approves 900 while the (threaded) pass computes
        await services.review.decide(G, flag.flag.id, True, 77, T0 + timedelta(days=3, hours=1))
        return review_pass(inp)  # type: ignore[return-value]

    await services.review.run_pass(G, T0 + timedelta(days=3, hours=2), slow_pass)  # type: ignore[arg-type]
    assert 900 not in {q.flag.user for q in await services.review.queue(G)}
    assert await reputation(pipeline, 900) == released
    await pipeline.close()


async def test_a_new_flag_after_an_approval_holds_only_what_came_after(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(0, 3)))
    await services.review.run_pass(G, T0 + timedelta(days=3))
    flag = {q.flag.user: q for q in await services.review.queue(G)}[900]
    decided_at = T0 + timedelta(days=3, hours=1)
    await services.review.decide(G, flag.flag.id, True, 77, decided_at)
    approved = await reputation(pipeline, 900)
    await feed(pipeline, traffic(range(3, 5), seed=3))  # the ring goes on farming
    await services.review.run_pass(G, T0 + timedelta(days=5))
    again = {q.flag.user: q for q in await services.review.queue(G)}
    assert 900 in again and again[900].flag.since >= decided_at
    assert await reputation(pipeline, 900) == approved  # what was approved stays counted
    await pipeline.close()


async def test_switching_the_mode_converts_undecided_flags(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(0, 3)))
    await services.review.run_pass(G, T0 + timedelta(days=3))
    held = {q.flag.user: q.held for q in await services.review.queue(G)}
    assert held[903] > 0 and await reputation(pipeline, 903) == 0
    await services.settings.change_settings(G, {"review_mode": "flag"}, 77, T0)
    assert all(q.held == 0 for q in await services.review.queue(G))
    assert await reputation(pipeline, 903) == held[903]
    await services.settings.change_settings(G, {"review_mode": "hold"}, 77, T0)
    assert {q.flag.user: q.held for q in await services.review.queue(G)} == held
    assert await reputation(pipeline, 903) == 0
    await pipeline.close()


async def test_opting_out_removes_the_flag(db: Database) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    await feed(pipeline, traffic(range(0, 3)))
    await services.review.run_pass(G, T0 + timedelta(days=3))
    await services.privacy.opt_out(G, 904)
    assert 904 not in {q.flag.user for q in await services.review.queue(G)}
    await pipeline.close()


async def test_badges_reached_with_held_points_are_withdrawn_and_their_roles_told(
    db: Database,
) -> None:
    pipeline = TrackingPipeline(db)
    services = svc(pipeline)
    revoked: list[tuple[int, str]] = []
    services.badges.add_revoke_listener(
        lambda awards: revoked.extend((a.user, a.badge) for a in awards)
    )
    await services.settings.change_settings(G, {"points": {"mention": 50}}, None, EPOCH)
    await feed(pipeline, traffic(range(0, 3)))
    assert "rep-100" in {h.key for h in await services.badges.held(G, 900)}
    await services.review.run_pass(G, T0 + timedelta(days=3))
    assert "rep-100" not in {h.key for h in await services.badges.held(G, 900)}
    assert (900, "rep-100") in revoked
    entry = {q.flag.user: q for q in await services.review.queue(G)}[900]
    await services.review.decide(G, entry.flag.id, True, 77, T0 + timedelta(days=3, hours=1))
    assert "rep-100" in {h.key for h in await services.badges.held(G, 900)}  # earned again
    await pipeline.close()
