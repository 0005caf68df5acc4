"""Scheduled job bodies with `now` passed in and a recording poster (no Discord, no waiting)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.challenges import Challenge, Progress
from bot.domain.interactions import MessageRecord
from bot.reads import BoardPage
from bot.scheduling.jobs import (
    ENTRIES_PER_MESSAGE,
    Jobs,
    ReminderEntry,
    ReminderMessage,
    split_digest,
)
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import EPOCH, svc

G = 1
DAY0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@dataclass
class RecordingPoster:
    digests: list[tuple[int, list[ReminderMessage]]] = field(default_factory=list)
    dms: list[tuple[int, list[ReminderEntry]]] = field(default_factory=list)
    closed_dms: set[int] = field(default_factory=set)
    boards: list[tuple[int | None, BoardPage]] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    announcements: list[tuple[int, str, list[int]]] = field(default_factory=list)
    next_id: int = 500

    async def post_reminders(
        self, guild: int, channel: int, messages: Sequence[ReminderMessage]
    ) -> None:
        self.digests.append((channel, list(messages)))

    async def dm_reminder(self, guild: int, user: int, entries: Sequence[ReminderEntry]) -> bool:
        if user in self.closed_dms:
            return False
        self.dms.append((user, list(entries)))
        return True

    async def post_board(
        self, guild: int, channel: int, page: BoardPage, message_id: int | None
    ) -> int | None:
        self.boards.append((message_id, page))
        if message_id is not None and message_id not in self.deleted:
            return message_id
        self.next_id += 1
        return self.next_id

    async def announce_challenge(
        self,
        guild: int,
        channel: int,
        challenge: Challenge,
        phase: str,
        progress: Progress | None,
        board: BoardPage | None,
        **_: object,
    ) -> None:
        self.announcements.append((challenge.id, phase, progress.completed if progress else []))


@pytest.fixture
async def world(
    tmp_path: Path,
) -> AsyncIterator[tuple[Database, TrackingPipeline, Jobs, RecordingPoster]]:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    poster = RecordingPoster()
    jobs = Jobs(svc(pipeline), svc(pipeline).challenges.reads, poster, dm_interval=0)
    yield db, pipeline, jobs, poster
    await pipeline.close()
    await db.close()


async def talk(
    pipeline: TrackingPipeline, a: int, b: int, days: int, base: int, start: int = 0
) -> None:
    for d in range(start, start + days):
        at = DAY0 + timedelta(days=d)
        mid = base + d * 2
        await pipeline.submit(MessageRecord(G, 5, mid, at, a, f"hi there {d} <@{b}>", None, (b,)))
        await pipeline.submit(
            MessageRecord(G, 5, mid + 1, at + timedelta(minutes=5), b, f"hello back {d}", mid)
        )


async def configure(pipeline: TrackingPipeline, **config: object) -> None:
    await svc(pipeline).settings.configure(G, config, None, EPOCH)


async def test_digest_dm_off_and_fallback(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, jobs, poster = world
    await talk(pipeline, 10, 11, 4, 1000)  # streak 4, at risk on day 5
    await talk(pipeline, 12, 13, 3, 2000, start=1)
    await talk(pipeline, 14, 15, 2, 3000, start=2)  # too short to remind
    await configure(pipeline, reminder_channel=77)
    await jobs.services.privacy.set_preference(G, 11, "notify", "dm")
    await jobs.services.privacy.set_preference(G, 12, "notify", "dm")
    await jobs.services.privacy.set_preference(G, 13, "notify", "off")
    poster.closed_dms.add(12)
    slot = datetime(2026, 6, 5, 18, 0, 30, tzinfo=UTC)  # day 5, 18:00 UTC
    assert (await jobs.run_slot(slot))["reminders"] == 1
    assert [u for u, _ in poster.dms] == [11]
    ((channel, messages),) = poster.digests
    assert channel == 77
    entries = [e for m in messages for e in m.entries]
    assert [(e.a, e.b, e.current) for e in entries] == [(10, 11, 4), (12, 13, 3)]
    assert entries[0].ping == (10,)  # 11 got a DM instead
    assert entries[1].ping == (12,)  # 12's DMs are closed: falls back; 13 chose off
    # the same slot again (a restart) posts nothing more
    assert (await jobs.run_slot(slot + timedelta(minutes=5)))["reminders"] == 0
    assert len(poster.digests) == 1


async def test_reminders_only_in_the_guild_local_slot(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, jobs, poster = world
    await talk(pipeline, 10, 11, 3, 1000)
    await svc(pipeline).settings.change_settings(G, {"timezone": "America/New_York"}, None, EPOCH)
    await configure(pipeline, reminder_channel=77, reminder_hour=18)
    utc_18 = datetime(2026, 6, 4, 18, 0, tzinfo=UTC)  # 14:00 in New York
    assert (await jobs.run_slot(utc_18))["reminders"] == 0
    local_18 = datetime(2026, 6, 4, 22, 0, tzinfo=UTC)  # 18:00 EDT
    assert (await jobs.run_slot(local_18))["reminders"] == 1
    assert poster.digests


async def test_leaderboard_is_edited_in_place_and_recreated_when_deleted(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, jobs, poster = world
    await talk(pipeline, 10, 11, 2, 1000)
    await configure(
        pipeline,
        leaderboard_channel=88,
        leaderboard_day="daily",
        leaderboard_hour=12,
        leaderboard_board="reputation",
    )
    await jobs.run_slot(datetime(2026, 6, 3, 12, 0, tzinfo=UTC))
    await jobs.run_slot(datetime(2026, 6, 3, 13, 30, tzinfo=UTC))  # nothing changed: no edit
    assert [mid for mid, _ in poster.boards] == [None]
    await talk(pipeline, 10, 12, 1, 3000, start=3)  # the board's data changes
    jobs.reads.forget(G)
    await jobs.run_slot(datetime(2026, 6, 4, 12, 0, tzinfo=UTC))
    assert [mid for mid, _ in poster.boards] == [None, 501]
    assert poster.next_id == 501  # the second post edited the first
    poster.deleted.add(501)
    await talk(pipeline, 11, 12, 1, 4000, start=4)
    jobs.reads.forget(G)
    await jobs.run_slot(datetime(2026, 6, 5, 12, 0, tzinfo=UTC))
    assert [mid for mid, _ in poster.boards] == [None, 501, 501]
    assert poster.next_id == 502  # the edit found it deleted: posted again
    page = poster.boards[0][1]
    assert [e.users for e in page.entries][:2] == [(11,), (10,)]


async def test_challenge_lifecycle_with_a_restart(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, pipeline, jobs, poster = world
    await configure(pipeline, announcement_channel=99)
    ch = Challenge(
        G,
        1,
        "June",
        "distinct_partners",
        1,
        DAY0 - timedelta(hours=1),
        DAY0 + timedelta(days=3),
        multiplier=2.0,
        join_required=True,
    )
    await svc(pipeline).challenges.save(ch, None, "challenge.create", EPOCH)
    await svc(pipeline).challenges.join(G, 1, 10, DAY0 - timedelta(minutes=30))
    assert await jobs.run_challenges(DAY0) == [(G, 1, "start")]
    assert await jobs.run_challenges(DAY0 + timedelta(minutes=1)) == []
    await talk(pipeline, 10, 11, 1, 1000)
    await pipeline.close()
    # restart in the middle: a new pipeline on the same database
    pipeline2 = TrackingPipeline(db)
    jobs2 = Jobs(svc(pipeline2), svc(pipeline2).challenges.reads, poster, dm_interval=0)
    try:
        await talk(pipeline2, 10, 12, 1, 5000)
        # the bot was down at the end: the end is executed once when it comes back
        later = DAY0 + timedelta(days=5)
        assert await jobs2.run_challenges(later) == [(G, 1, "end")]
        assert await jobs2.run_challenges(later) == []
        assert poster.announcements == [(1, "start", []), (1, "end", [10])]
        held = await svc(pipeline2).badges.held(G, 10)
        assert [h.key for h in held].count("challenge-1") == 1
        assert (await jobs2.run_challenges(later + timedelta(days=1))) == []
    finally:
        await pipeline2.close()


def test_digest_split_respects_limits() -> None:
    entries = [ReminderEntry(i, i + 1, 5, 0, DAY0, (i,)) for i in range(0, 40, 2)]
    messages = split_digest(entries)
    assert all(1 <= len(m.entries) <= ENTRIES_PER_MESSAGE for m in messages)
    assert [e for m in messages for e in m.entries] == entries


async def test_members_who_are_not_public_are_never_named_in_posts(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, jobs, poster = world
    await talk(pipeline, 10, 11, 4, 1000)
    await talk(pipeline, 12, 13, 4, 2000)
    await configure(
        pipeline,
        reminder_channel=77,
        leaderboard_channel=88,
        leaderboard_day="daily",
        leaderboard_hour=18,
        leaderboard_board="streaks",
    )
    await jobs.services.privacy.set_preference(G, 13, "visibility", "server")
    await jobs.run_slot(datetime(2026, 6, 5, 18, 0, tzinfo=UTC))
    entries = [e for _, messages in poster.digests for m in messages for e in m.entries]
    assert [(e.a, e.b) for e in entries] == [(10, 11)]
    assert sorted(u for u, _ in poster.dms) == [12, 13]  # told by DM instead
    board = poster.boards[0][1]
    assert [e.users for e in board.entries] == [(10, 11)]


async def test_board_pages_stay_full_when_some_pairs_are_private(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, jobs, _ = world
    for i in range(12):
        await talk(pipeline, 100 + 2 * i, 101 + 2 * i, 1, 10_000 + 10 * i)
    await jobs.services.privacy.set_preference(G, 100, "visibility", "private")
    page = await jobs.reads.board(G, "streaks", 0, DAY0 + timedelta(hours=3))
    assert len(page.entries) == 10 and page.has_next
    assert all(100 not in e.users for e in page.entries)
    second = await jobs.reads.board(G, "streaks", 1, DAY0 + timedelta(hours=3))
    assert len(second.entries) == 1 and not second.has_next
