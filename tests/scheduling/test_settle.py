"""Posts in doubt, settled robustly (#13 review), on SQLite and PostgreSQL: a digest cut short
is resumed from the progress recorded with its claim (never recomputed, so pairs that
talked or changed meanwhile, DM fallbacks and a busy channel shift nothing); one guild's
failure neither stops the others' settling nor their reminders; a post whose settling keeps
failing is given up after a few tries; the channel is read from minutes before the claim;
a job of the whole installation that failed is run again."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime, timedelta

import pytest

from bot.domain.interactions import MessageRecord
from bot.domain.timeutil import epoch_us
from bot.scheduling.jobs import (
    MAX_SETTLE_TRIES,
    Jobs,
    ReminderEntry,
    ReminderMessage,
    encode_plan,
)
from bot.storage.protocols import Repositories
from bot.storage.sql import SqlDatabase
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc
from tests.scheduling.test_jobs import EPOCH, G, configure
from tests.scheduling.test_slot_claims import SLOT, ChannelPoster, at_risk, jobs_of
from tests.storage.conftest import backend_db

__all__ = ["backend_db"]  # the fixture of both backends

DAY = SLOT.date().isoformat()


@pytest.fixture
async def pipeline(backend_db: SqlDatabase) -> AsyncIterator[TrackingPipeline]:
    p = TrackingPipeline(Repositories.of(backend_db))
    try:
        yield p
    finally:
        await p.close()


class StampedPoster(ChannelPoster):
    """A channel whose messages carry Discord's time, `skew` behind the host clock, and
    whose history read sees only the bot's last `lookback` posts (a busy channel)."""

    def __init__(self, skew: timedelta = timedelta(0), lookback: int | None = None) -> None:
        super().__init__()
        self.skew = skew
        self.lookback = lookback
        self.stamps: list[datetime] = []
        self.clock = SLOT

    async def post_reminders(
        self,
        guild: int,
        channel: int,
        messages: Sequence[ReminderMessage],
        *,
        skip: Collection[str] = (),
    ) -> None:
        before = len(self.texts)
        await super().post_reminders(guild, channel, messages, skip=skip)
        self.stamps.extend([self.clock - self.skew] * (len(self.texts) - before))

    async def posted_since(
        self, guild: int, channel: int, since: datetime, kind: str
    ) -> list[str] | None:
        if kind != "reminder":
            return []
        seen = [t for t, at in zip(self.texts, self.stamps, strict=True) if at > since]
        return seen if self.lookback is None else seen[: self.lookback]


def mentioned(poster: ChannelPoster) -> list[str]:
    return [p for t in poster.texts for p in t.split(":")[2].split(",")]


async def test_a_resumed_digest_skips_pairs_that_talked_meanwhile(pipeline) -> None:  # type: ignore[no-untyped-def]
    await at_risk(pipeline, 7)  # two messages: 5 pairs + 2
    poster = ChannelPoster()
    poster.crash_after = 1
    await jobs_of(pipeline, poster).run_slot(SLOT)
    assert len(poster.texts) == 1
    # between the crash and the restart, the first pair talks: it is no longer at risk, so
    # a recomputed digest would move a pair of the second message into the first
    a, b = (int(x) for x in poster.texts[0].split(":")[2].split(",")[0].split("-"))
    t = SLOT + timedelta(minutes=1)
    await pipeline.submit(MessageRecord(G, 5, 900000, t, a, f"hey there <@{b}>", None, (b,)))
    await pipeline.submit(
        MessageRecord(G, 5, 900001, t + timedelta(seconds=5), b, "hello you", 900000)
    )
    await pipeline.flush()
    poster.crash_after = None
    await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=3))
    assert len(poster.texts) == 2
    assert len(mentioned(poster)) == len(set(mentioned(poster))) == 7, poster.texts
    assert await svc(pipeline).schedule.reminders_in_doubt() == []


async def test_a_resumed_digest_beyond_the_history_read_is_not_posted_again(pipeline) -> None:  # type: ignore[no-untyped-def]
    await at_risk(pipeline, 12)  # three messages
    poster = StampedPoster(lookback=0)  # the bot's posts are beyond what is read back
    poster.crash_after = 2
    await jobs_of(pipeline, poster).run_slot(SLOT)
    assert len(poster.texts) == 2
    poster.crash_after = None
    await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=3))
    assert len(poster.texts) == 3 and len(set(mentioned(poster))) == 12, poster.texts


async def test_a_resumed_digest_keeps_the_pairs_whose_dms_were_closed(pipeline) -> None:  # type: ignore[no-untyped-def]
    await at_risk(pipeline, 7)
    privacy = svc(pipeline).privacy
    for member in (100, 101):  # the first pair chose DMs, closed: in the digest instead
        await privacy.set_preference(G, member, "notify", "dm")
    poster = ChannelPoster()
    poster.closed_dms = {100, 101}
    poster.crash_after = 1
    await jobs_of(pipeline, poster).run_slot(SLOT)
    assert "100-101" in poster.texts[0]
    poster.crash_after = None
    await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=3))
    assert len(poster.texts) == 2
    assert sorted(mentioned(poster)) == sorted(set(mentioned(poster))), poster.texts
    assert len(mentioned(poster)) == 7
    assert poster.dms == []  # no DM was tried again (they failed once)


async def test_the_channel_is_read_from_minutes_before_the_claim(pipeline) -> None:  # type: ignore[no-untyped-def]
    await at_risk(pipeline, 7)
    poster = StampedPoster(skew=timedelta(seconds=30))  # the host clock is 30 s ahead
    poster.crash_after = 1
    await jobs_of(pipeline, poster).run_slot(SLOT)
    # the process stopped after posting its first message, before recording it
    await svc(pipeline).schedule.repos.db.execute("UPDATE guild_jobs SET reminder_sent = 0")
    poster.crash_after = None
    await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=3))
    assert len(poster.texts) == 2 and len(set(mentioned(poster))) == 7, poster.texts


class Flaky(ChannelPoster):
    async def posted_since(
        self, guild: int, channel: int, since: datetime, kind: str
    ) -> list[str] | None:
        if guild == G:
            raise KeyError("a bug for this one guild")
        return await super().posted_since(guild, channel, since, kind)


async def test_one_failing_guild_does_not_stop_the_others_settling(pipeline) -> None:  # type: ignore[no-untyped-def]
    s = svc(pipeline)
    other = 2
    for g in (G, other):
        await s.settings.configure(g, {"reminder_channel": 77}, None, EPOCH)
        assert await s.schedule.claim_reminder(g, DAY, epoch_us(SLOT))
        entry = ReminderEntry(100, 101, 4, 0, SLOT, (100, 101))
        plan = encode_plan([ReminderMessage([entry])])
        await s.schedule.plan_reminder(g, DAY, plan)
        await s.schedule.claim_recap(g, epoch_us(SLOT), epoch_us(SLOT))
    poster = Flaky()
    for i in range(MAX_SETTLE_TRIES - 1):
        await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=15 * (i + 1)))
    assert poster.texts == [f"{other}:1:100-101"]  # the other guild's was posted, once
    doubt = await s.schedule.reminders_in_doubt()
    assert [(d.guild, d.tries) for d in doubt] == [(G, MAX_SETTLE_TRIES - 1)]
    await jobs_of(pipeline, poster).run_slot(SLOT + timedelta(minutes=15 * MAX_SETTLE_TRIES))
    assert await s.schedule.reminders_in_doubt() == []  # given up after MAX_SETTLE_TRIES
    assert poster.texts == [f"{other}:1:100-101"]


async def test_a_recap_in_doubt_that_keeps_failing_is_given_up(pipeline) -> None:  # type: ignore[no-untyped-def]
    s = svc(pipeline)
    await configure(pipeline, leaderboard_channel=88)
    await s.settings.configure(2, {"leaderboard_channel": 88}, None, EPOCH)
    end = epoch_us(SLOT - timedelta(hours=1))
    for g in (G, 2):
        assert await s.schedule.claim_recap(g, end, end)

    class Broken(ChannelPoster):
        async def posted_since(
            self, guild: int, channel: int, since: datetime, kind: str
        ) -> list[str] | None:
            raise RuntimeError("cannot read")

    jobs = Jobs(s, s.challenges.reads, Broken(), dm_interval=0)
    for i in range(MAX_SETTLE_TRIES - 1):
        await jobs.run_slot(SLOT + timedelta(minutes=15 * i))
    assert sorted((d.guild, d.tries) for d in await s.schedule.recaps_in_doubt()) == [
        (G, MAX_SETTLE_TRIES - 1),
        (2, MAX_SETTLE_TRIES - 1),
    ]
    await jobs.run_slot(SLOT + timedelta(minutes=15 * MAX_SETTLE_TRIES))
    assert await s.schedule.recaps_in_doubt() == []


async def test_one_guild_failing_its_claim_leaves_the_others_reminded(pipeline) -> None:  # type: ignore[no-untyped-def]
    s = svc(pipeline)
    await at_risk(pipeline, 1)
    other = 2
    await s.settings.configure(other, {"reminder_channel": 77}, None, EPOCH)
    for d in range(4):  # a streak of 4 in the other guild too
        at = SLOT - timedelta(days=4 - d, hours=8)
        mid = 7000 + 2 * d
        text = f"hi there {d} <@301>"
        await pipeline.submit(MessageRecord(other, 5, mid, at, 300, text, None, (301,)))
        reply = MessageRecord(other, 5, mid + 1, at + timedelta(minutes=5), 301, "hello back", mid)
        await pipeline.submit(reply)
    await pipeline.flush()
    claims = s.schedule.claims
    claim = claims.claim_reminders
    tried: list[list[int]] = []

    async def failing(batch: Sequence[tuple[int, str, str | None]], claimed_us: int) -> set[int]:
        tried.append([guild for guild, _, _ in batch])
        if any(guild == G for guild, _, _ in batch):
            raise ConnectionError("the database refused this one")
        return await claim(batch, claimed_us)

    claims.claim_reminders = failing  # type: ignore[method-assign]
    poster = ChannelPoster()
    jobs = Jobs(s, s.challenges.reads, poster, dm_interval=0)
    await jobs.run_slot(SLOT)
    assert poster.texts == [f"{other}:1:300-301"]
    assert sorted(tried[0]) == [G, other] and len(tried) == 3  # the chunk, then one by one
    doubt = await s.schedule.reminders_in_doubt()
    assert doubt == []  # G's claim was refused: it is not claimed, so nothing is in doubt


async def test_a_global_job_that_failed_runs_again(pipeline) -> None:  # type: ignore[no-untyped-def]
    schedule = svc(pipeline).schedule
    with pytest.raises(RuntimeError):
        async with schedule.global_once("retention", DAY, SLOT) as mine:
            assert mine
            raise RuntimeError("the job failed")
    async with schedule.global_once("retention", DAY, SLOT) as again:
        assert again  # given back: run again
    async with schedule.global_once("retention", DAY, SLOT) as done:
        assert not done  # it ran
    # a run whose process died: its claim is taken over once the lease ran out
    async with schedule.global_once("backup", DAY, SLOT) as first:
        assert first
        async with schedule.global_once("backup", DAY, SLOT + timedelta(minutes=5)) as busy:
            assert not busy  # still running elsewhere
    await svc(pipeline).schedule.repos.db.execute(
        "UPDATE global_jobs SET done_period = NULL WHERE name = 'backup'"
    )
    async with schedule.global_once("backup", DAY, SLOT + timedelta(hours=2)) as late:
        assert late
