"""Exactly-once reminders across processes (#13): a reminder is claimed before it is posted
and confirmed after; a claim without confirmation (the process died in between) is settled
by the next slot: looked for in the channel, posted only if it is not there (only the rest
of a digest cut short), and given up when its day is over. Two runs never both post."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from bot.scheduling.jobs import Jobs, ReminderMessage
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc
from tests.scheduling.test_jobs import G, RecordingPoster, configure, talk

SLOT = datetime(2026, 6, 5, 18, 0, 30, tzinfo=UTC)  # day 5, 18:00 UTC


class ChannelPoster(RecordingPoster):
    """Remembers the texts it posted, as the channel's history would."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.crash_after: int | None = None

    async def post_reminders(
        self,
        guild: int,
        channel: int,
        messages: Sequence[ReminderMessage],
        *,
        skip: Collection[str] = (),
    ) -> None:
        for message in messages:
            text = f"{guild}:{message.first}:" + ",".join(f"{e.a}-{e.b}" for e in message.entries)
            if text in skip:
                continue
            if self.crash_after is not None and len(self.texts) >= self.crash_after:
                raise RuntimeError("the process dies here")
            self.texts.append(text)

    async def posted_since(
        self, guild: int, channel: int, since: datetime, kind: str
    ) -> list[str] | None:
        return list(self.texts) if kind == "reminder" else []


def jobs_of(pipeline: TrackingPipeline, poster: RecordingPoster) -> Jobs:
    return Jobs(svc(pipeline), svc(pipeline).challenges.reads, poster, dm_interval=0)


async def at_risk(pipeline: TrackingPipeline, pairs: int) -> None:
    for i in range(pairs):
        await talk(pipeline, 100 + 2 * i, 101 + 2 * i, 4, 1000 + 100 * i)
    await configure(pipeline, reminder_channel=77)


async def test_a_digest_cut_short_is_completed_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        await at_risk(pipeline, 7)  # 7 pairs: two messages (5 + 2)
        poster = ChannelPoster()
        poster.crash_after = 1  # the first message went out, then the process died
        await jobs_of(pipeline, poster).run_slot(SLOT)
        assert len(poster.texts) == 1
        doubt = await svc(pipeline).schedule.reminders_in_doubt()
        assert [(d.guild, d.key) for d in doubt] == [(G, "2026-06-05")]
        poster.crash_after = None
        restarted = jobs_of(pipeline, poster)  # a new process: nothing in memory
        done = await restarted.run_slot(SLOT + timedelta(minutes=3))
        assert done["settled"] == 1
        assert len(poster.texts) == 2 and len(set(poster.texts)) == 2
        assert await svc(pipeline).schedule.reminders_in_doubt() == []
        await restarted.run_slot(SLOT + timedelta(minutes=15))
        assert len(poster.texts) == 2
    finally:
        await pipeline.close()
        await db.close()


async def test_a_posted_reminder_in_doubt_is_not_posted_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        await at_risk(pipeline, 1)
        poster = ChannelPoster()
        await jobs_of(pipeline, poster).run_slot(SLOT)
        assert len(poster.texts) == 1
        # the process died after posting, before confirming
        await db.execute("UPDATE guild_jobs SET reminder_done_day = NULL")
        await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=1))
        assert len(poster.texts) == 1
        assert await svc(pipeline).schedule.reminders_in_doubt() == []
    finally:
        await pipeline.close()
        await db.close()


async def test_a_claim_is_won_once_and_an_old_doubt_is_given_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        schedule = svc(pipeline).schedule
        assert await schedule.claim_reminder(G, "2026-06-05", 1)
        assert not await schedule.claim_reminder(G, "2026-06-05", 2)  # another process
        assert await schedule.claim_reminder(G, "2026-06-06", 3)  # the next day
        await at_risk(pipeline, 1)
        poster = ChannelPoster()
        await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(days=2))  # day 7
        assert await schedule.reminders_in_doubt() == []  # day 6 is over: given up
        async with schedule.global_once("retention", "2026-06-05") as first:
            assert first
        async with schedule.global_once("retention", "2026-06-05") as again:
            assert not again
    finally:
        await pipeline.close()
        await db.close()


async def test_another_process_guilds_are_left_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        await at_risk(pipeline, 1)
        poster = ChannelPoster()
        jobs = Jobs(svc(pipeline), svc(pipeline).challenges.reads, poster, owns=lambda g: g != G)
        assert (await jobs.run_slot(SLOT))["reminders"] == 0
        assert poster.texts == []
        assert await svc(pipeline).schedule.reminders_in_doubt() == []
    finally:
        await pipeline.close()
        await db.close()
