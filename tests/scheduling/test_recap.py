"""Live board and recap posts (SPEC §6): the board is edited in place showing the running
period; at each period end a recap of the completed period is posted as a new message,
once per period, also after downtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.challenges import Challenge
from bot.reads import Recap
from bot.scheduling.jobs import Jobs
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import EPOCH, svc
from tests.scheduling.test_jobs import G, RecordingPoster, configure, talk

MON_NOON = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)  # the end of the week Mon 1 – Mon 8 June


@dataclass
class RecapPoster(RecordingPoster):
    recaps: list[tuple[int, Recap]] = field(default_factory=list)

    async def post_recap(self, guild: int, channel: int, recap: Recap) -> None:
        self.recaps.append((channel, recap))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Database, TrackingPipeline, RecapPoster]]:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    yield db, pipeline, RecapPoster()
    await pipeline.close()
    await db.close()


def jobs_of(pipeline: TrackingPipeline, poster: RecapPoster) -> Jobs:
    return Jobs(svc(pipeline), svc(pipeline).challenges.reads, poster, dm_interval=0)


async def a_week(pipeline: TrackingPipeline, poster: RecapPoster) -> Jobs:
    """A guild set up on Monday 1 June 10:00 (default weekly schedule, Monday 12:00), then
    members 10 and 11 talk Tuesday to Friday (a 4-day streak: the 3-day milestone)."""
    jobs = jobs_of(pipeline, poster)
    await configure(pipeline, leaderboard_channel=88)
    await jobs.run_slot(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    await talk(pipeline, 10, 11, 4, 1000, start=1)
    return jobs


async def test_recap_of_the_completed_week_is_posted_at_its_end(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = await a_week(pipeline, poster)
    assert poster.recaps == []  # the week that ended before setup is not recapped
    await jobs.run_slot(MON_NOON - timedelta(minutes=15))
    assert poster.recaps == []
    done = await jobs.run_slot(MON_NOON)
    assert done["recaps"] == 1
    [(channel, recap)] = poster.recaps
    assert channel == 88
    assert recap.start == datetime(2026, 6, 1, 12, 0, tzinfo=UTC) and recap.end == MON_NOON
    assert {u for u, _ in recap.members} == {10, 11}
    assert all(points > 0 for _, points in recap.members)
    assert recap.pairs == [(10, 11, 4)]
    assert (10, 11, 3) in recap.milestones
    # once per period: later slots and a restart post nothing more
    await jobs.run_slot(MON_NOON + timedelta(minutes=15))
    await jobs_of(pipeline, poster).run_slot(MON_NOON + timedelta(hours=2))
    assert len(poster.recaps) == 1


async def test_recap_points_are_those_of_the_period_only(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = await a_week(pipeline, poster)
    await jobs.run_slot(MON_NOON)
    week1 = dict(poster.recaps[0][1].members)
    # the next week: only member 12 and 13 talk
    await talk(pipeline, 12, 13, 2, 5000, start=8)
    await jobs.run_slot(MON_NOON + timedelta(days=7))
    assert len(poster.recaps) == 2
    week2 = poster.recaps[1][1]
    assert {u for u, _ in week2.members} == {12, 13}
    assert week2.pairs == [(12, 13, 2)]
    assert set(week1) == {10, 11}


async def test_a_recap_missed_while_down_is_posted_once_when_back(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    await a_week(pipeline, poster)
    # down over Monday noon; a fresh process comes back on Tuesday morning
    back = jobs_of(pipeline, poster)
    await back.run_slot(MON_NOON + timedelta(hours=20))
    assert len(poster.recaps) == 1
    assert poster.recaps[0][1].end == MON_NOON
    await back.run_slot(MON_NOON + timedelta(hours=21))
    assert len(poster.recaps) == 1


async def test_a_long_downtime_posts_one_recap_not_a_burst(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    await a_week(pipeline, poster)
    back = jobs_of(pipeline, poster)
    await talk(pipeline, 10, 11, 1, 9000, start=22)  # something in the latest week
    await back.run_slot(MON_NOON + timedelta(days=21, hours=1))
    assert len(poster.recaps) == 1  # the latest completed period only (SPEC §6: no burst)
    assert poster.recaps[0][1].end == MON_NOON + timedelta(days=21)


async def test_an_empty_period_posts_nothing(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = await a_week(pipeline, poster)
    await jobs.run_slot(MON_NOON)
    await jobs.run_slot(MON_NOON + timedelta(days=7))  # nobody talked that week
    assert len(poster.recaps) == 1


async def test_recap_follows_the_schedule_and_local_time(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = jobs_of(pipeline, poster)
    await svc(pipeline).settings.change_settings(G, {"timezone": "Asia/Tokyo"}, None, EPOCH)
    await configure(pipeline, leaderboard_channel=88, leaderboard_day="daily", leaderboard_hour=9)
    await jobs.run_slot(datetime(2026, 6, 1, 1, 0, tzinfo=UTC))  # 10:00 in Tokyo
    await talk(pipeline, 10, 11, 1, 1000)  # 09:00 UTC = 18:00 Tokyo on the 1st
    await jobs.run_slot(datetime(2026, 6, 1, 23, 59, tzinfo=UTC))  # 08:59 on the 2nd
    assert poster.recaps == []
    await jobs.run_slot(datetime(2026, 6, 2, 0, 0, tzinfo=UTC))  # 09:00 on the 2nd
    [(_, recap)] = poster.recaps
    assert recap.start == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


async def test_members_who_are_not_public_are_left_out_of_the_recap(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = await a_week(pipeline, poster)
    await talk(pipeline, 12, 13, 3, 3000, start=1)
    await jobs.services.privacy.set_preference(G, 11, "visibility", "server")
    await jobs.run_slot(MON_NOON)
    recap = poster.recaps[0][1]
    named = {u for u, _ in recap.members} | {u for p in recap.pairs for u in p[:2]}
    named |= {u for m in recap.milestones for u in m[:2]}
    named |= {u for _, _, users, _ in recap.badges for u in users}
    assert 11 not in named
    assert {12, 13} <= named


async def test_recap_names_badges_and_challenges_that_ended_in_it(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = await a_week(pipeline, poster)
    services = svc(pipeline)
    ch = Challenge(
        G,
        1,
        "Talk week",
        "distinct_partners",
        1,
        datetime(2026, 6, 1, 13, 0, tzinfo=UTC),
        datetime(2026, 6, 6, 13, 0, tzinfo=UTC),
        join_required=False,
    )
    await services.challenges.create(ch, None, EPOCH)
    await jobs.run_challenges(datetime(2026, 6, 6, 14, 0, tzinfo=UTC))
    await services.badges.grant(G, 10, "rep-500", None, datetime(2026, 6, 3, tzinfo=UTC))
    await jobs.run_slot(MON_NOON)
    recap = poster.recaps[0][1]
    [ended] = recap.challenges
    assert ended.challenge.name == "Talk week" and set(ended.completed) == {10, 11}
    assert any(name == "500 reputation" and users == [10] for _, name, users, _ in recap.badges)


async def test_live_board_is_edited_only_when_it_changed(world) -> None:  # type: ignore[no-untyped-def]
    _, pipeline, poster = world
    jobs = await a_week(pipeline, poster)
    jobs.reads.forget(G)  # period sums are cached for a minute of wall-clock time
    posted = len(poster.boards)
    now = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)
    await jobs.run_slot(now)
    await jobs.run_slot(now + timedelta(minutes=15))  # nothing changed: no edit
    assert len(poster.boards) == posted + 1
    assert {u for e in poster.boards[-1][1].entries for u in e.users} == {10, 11}
    await talk(pipeline, 20, 21, 1, 7000, start=4)
    await pipeline.flush()  # (the flush loop does this within a second)
    jobs.reads.forget(G)
    await jobs.run_slot(now + timedelta(minutes=30))  # changed: edited in place
    assert len(poster.boards) == posted + 2
    message_ids = {mid for mid, _ in poster.boards[posted:]}
    assert len(message_ids) == 1 and None not in message_ids
    # an hour later with nothing new: read again (periods roll over) but not edited
    await jobs.run_slot(now + timedelta(hours=2))
    assert len(poster.boards) == posted + 2
    # a restart: the existing board is left alone until its data changes
    again = jobs_of(pipeline, poster)
    await again.run_slot(now + timedelta(hours=2, minutes=15))
    assert len(poster.boards) == posted + 2
    poster.deleted.update(message_ids - {None})  # type: ignore[arg-type]
    await talk(pipeline, 22, 23, 1, 8000, start=4)
    await pipeline.flush()
    again.reads.forget(G)
    await again.run_slot(now + timedelta(hours=2, minutes=30))  # changed, and it was deleted
    assert len(poster.boards) == posted + 3 and poster.next_id > 501
