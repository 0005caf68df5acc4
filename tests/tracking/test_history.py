"""The history importer (bot/tracking/history.py) with a fake page source and a real pipeline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.errors import InvalidSetting
from bot.domain.interactions import MessageRecord
from bot.replay import state_json
from bot.services.history import HistoryProgress
from bot.storage.database import Database
from bot.storage.history import HistoryImport, HistoryStep
from bot.tracking.history import (
    HistoryEntry,
    HistoryImporter,
    HistoryUnavailable,
    plan_imports,
    snowflake_at,
)
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
G = 1


def entry(channel: int, at: datetime, author: int, target: int, n: int = 0) -> HistoryEntry:
    mid = snowflake_at(at) + n
    rec = MessageRecord(
        G, channel, mid, at, author, f"catching up on day {at:%d %H%M} {n}", None, (target,)
    )
    return HistoryEntry(mid, at, rec)


def month(channel: int, pairs: Sequence[tuple[int, int]], days: int = 30) -> list[HistoryEntry]:
    """Each pair talks both ways every day of the last `days` days in this channel."""
    out = []
    for d in range(days, 0, -1):
        at = NOW - timedelta(days=d) + timedelta(hours=channel % 7)
        for i, (a, b) in enumerate(pairs):
            out.append(entry(channel, at + timedelta(minutes=10 * i), a, b, 2 * i))
            out.append(entry(channel, at + timedelta(minutes=10 * i + 3), b, a, 2 * i + 1))
    return out


@dataclass
class FakeSource:
    channels: dict[int, list[HistoryEntry]]
    calls: list[tuple[int, int]] = field(default_factory=list)
    gone: set[int] = field(default_factory=set)
    forbidden: set[int] = field(default_factory=set)

    async def page(self, guild: int, channel: int, after: int, limit: int) -> list[HistoryEntry]:
        self.calls.append((channel, after))
        if channel in self.gone:
            raise HistoryUnavailable(gone=True)
        if channel in self.forbidden:
            raise HistoryUnavailable(gone=False)
        return [e for e in sorted(self.channels[channel], key=lambda e: e.id) if e.id > after][
            :limit
        ]

    def newest(self) -> dict[int, int | None]:
        return {c: max((e.id for e in es), default=None) for c, es in self.channels.items()}


@dataclass
class Recorder:
    """A ledger that only remembers what it was told."""

    steps: list[HistoryStep] = field(default_factory=list)

    async def advance(self, guild: int, steps: Sequence[HistoryStep]) -> None:
        self.steps.extend(steps)


async def run_all(importer: HistoryImporter) -> int:
    steps = 0
    while await importer.step() is not None:
        steps += 1
    return steps


async def reputation(pipeline: TrackingPipeline) -> dict[int, int]:
    await pipeline.flush()
    state = await state_json(pipeline, [G], NOW)
    return {m["user"]: m["reputation"] for m in state["guilds"][0]["members"]}


async def pairs(pipeline: TrackingPipeline) -> dict[tuple[int, ...], Any]:
    state = await state_json(pipeline, [G], NOW)
    return {tuple(p["members"]): (p["current"], p["best"]) for p in state["guilds"][0]["pairs"]}


# -- planning ---------------------------------------------------------------------------------
def test_plan_starts_each_tracked_channel_once_from_the_window() -> None:
    recent = snowflake_at(NOW - timedelta(days=2))
    old = snowflake_at(NOW - timedelta(days=40))
    new, run = plan_imports(G, [], {10: recent, 11: None, 12: old}, 30, NOW)
    by = {i.channel: i for i in new}
    assert by[10].since == NOW - timedelta(days=30)
    assert by[10].after_id == snowflake_at(NOW - timedelta(days=30)) - 1
    assert (by[10].until_id, by[10].done) == (recent, False)
    assert by[11].done and by[12].done  # empty, or nothing newer than the window
    assert [i.channel for i in run] == [10]
    again, run2 = plan_imports(G, new, {10: recent + 5, 11: None, 12: old}, 30, NOW)
    assert again == [] and run2 == run


def test_plan_off_starts_nothing_and_pauses_what_runs() -> None:
    existing = [HistoryImport(G, 10, NOW - timedelta(days=30), NOW, 5, 99, 3, False)]
    assert plan_imports(G, existing, {10: 200, 11: 300}, 0, NOW) == ([], [])


def test_plan_never_reruns_a_finished_import_nor_an_untracked_one() -> None:
    since = NOW - timedelta(days=30)
    existing = [
        HistoryImport(G, 10, since, NOW, 99, 99, 50, True),
        HistoryImport(G, 11, since, NOW, 5, 99, 3, False),
    ]
    new, run = plan_imports(G, existing, {10: 500}, 30, NOW + timedelta(days=1))
    assert new == [] and run == []  # 11 is not tracked now: it waits


def test_plan_raised_history_days_adds_the_older_stretch_only() -> None:
    since = NOW - timedelta(days=30)
    existing = [
        HistoryImport(G, 10, since, NOW, 99, 99, 50, True),
        HistoryImport(G, 11, since, NOW, 0, 0, 0, True),  # was empty: had no past
    ]
    later = NOW + timedelta(hours=1)
    new, run = plan_imports(G, existing, {10: 500, 11: 600}, 90, later)
    assert len(new) == 1 and new == run
    (older,) = new
    assert older.since == later - timedelta(days=90)
    assert older.until_id == snowflake_at(since) - 1  # stops where the first one began


# -- importing --------------------------------------------------------------------------------
async def test_channels_are_merged_in_time_order_with_a_pause_between_pages(
    pipeline: TrackingPipeline,
) -> None:
    source = FakeSource({10: month(10, [(1, 2)], 5), 11: month(11, [(1, 3)], 5)})
    seen: list[datetime] = []

    async def submit(rec: MessageRecord) -> int:
        seen.append(rec.ts)
        return await pipeline.submit(rec)

    pauses: list[float] = []

    async def sleep(s: float) -> None:
        pauses.append(s)

    importer = HistoryImporter(submit, Recorder(), source, page_size=3, pause=0.25, sleep=sleep)
    _, run = plan_imports(G, [], source.newest(), 30, NOW)
    importer.set_guild(G, run)
    await run_all(importer)
    assert len(seen) == 20 and seen == sorted(seen)
    assert len(source.calls) == importer.pages_read
    assert pauses == [0.25] * (importer.pages_read - 1)  # one between each two pages
    assert not importer.active


async def test_nothing_newer_than_the_start_nor_older_than_the_window_is_read(
    pipeline: TrackingPipeline,
) -> None:
    inside = month(10, [(1, 2)], 3)
    too_old = [entry(10, NOW - timedelta(days=31), 1, 2, 9)]
    source = FakeSource({10: too_old + inside})
    _, run = plan_imports(G, [], source.newest(), 30, NOW)
    live = [entry(10, NOW + timedelta(minutes=5), 2, 1, 7)]  # arrives after the start
    source.channels[10] += live
    importer = HistoryImporter(pipeline.submit, Recorder(), source, page_size=100, pause=0)
    importer.set_guild(G, run)
    await run_all(importer)
    await pipeline.flush()
    data = await svc(pipeline).privacy.export(G, 1)
    sources = {int(i["source"]) for i in data["interactions"] if i["actor"] == 1}
    assert sources == {e.id for e in inside if e.record and e.record.author == 1}


@contextlib.asynccontextmanager
async def opened(path: Path) -> AsyncIterator[TrackingPipeline]:
    db = await Database.open(path)
    p = TrackingPipeline(db)
    try:
        yield p
    finally:
        await p.close()
        await db.close()


async def test_progress_is_stored_and_a_new_importer_resumes_where_it_stopped(
    tmp_path: Path,
) -> None:
    talks = {10: month(10, [(1, 2), (3, 4)]), 11: month(11, [(1, 3)])}
    total = sum(len(v) for v in talks.values())

    async with opened(tmp_path / "whole.db") as p:
        history = svc(p).history
        importer = HistoryImporter(p.submit, history, FakeSource(talks), page_size=10, pause=0)
        importer.set_guild(G, await history.plan(G, FakeSource(talks).newest(), NOW))
        await run_all(importer)
        whole = await reputation(p)
        assert (await history.progress(G)).messages == total

    path = tmp_path / "resumed.db"
    async with opened(path) as p:
        history = svc(p).history
        importer = HistoryImporter(p.submit, history, FakeSource(talks), page_size=10, pause=0)
        importer.set_guild(G, await history.plan(G, FakeSource(talks).newest(), NOW))
        for _ in range(7):
            await importer.step()
        # the bot stops here: what the pipeline held is written as it closes
    async with opened(path) as p:
        history = svc(p).history
        source = FakeSource(talks)
        run = await history.plan(G, source.newest(), NOW + timedelta(minutes=5))
        assert sum(i.messages_seen for i in run) == 70  # 7 pages of 10 were read
        importer = HistoryImporter(p.submit, history, source, page_size=10, pause=0)
        importer.set_guild(G, run)
        await run_all(importer)
        assert all(after > snowflake_at(NOW - timedelta(days=30)) for _, after in source.calls)
        assert (await history.progress(G)).messages == total  # continued, not restarted
        assert await history.plan(G, source.newest(), NOW + timedelta(hours=1)) == []
        assert await reputation(p) == whole and whole[1] > 0


async def interactions(pipeline: TrackingPipeline, user: int) -> list[tuple[str, str]]:
    await pipeline.flush()
    data = await svc(pipeline).privacy.export(G, user)
    return sorted((i["source"], i["kind"]) for i in data["interactions"] if i["actor"] == user)


async def ledger_without_milestones(pipeline: TrackingPipeline, user: int) -> int:
    data = await svc(pipeline).privacy.export(G, user)
    return sum(e["delta"] for e in data["ledger"] if not e["reason"].startswith("milestone"))


async def test_overlap_with_live_traffic_and_backfill_counts_once(tmp_path: Path) -> None:
    talks = month(10, [(1, 2)], 10)
    _, run = plan_imports(G, [], FakeSource({10: talks}).newest(), 30, NOW)

    async with opened(tmp_path / "clean.db") as clean:
        only = HistoryImporter(clean.submit, Recorder(), FakeSource({10: talks}), pause=0)
        only.set_guild(G, run)
        await run_all(only)
        expected = await reputation(clean)
        expected_interactions = await interactions(clean, 1)
        expected_pairs = await pairs(clean)
        expected_points = await ledger_without_milestones(clean, 1)
        # backfill (or a live event) reads again what the import already read: no change
        for e in talks[-6:]:
            assert e.record is not None
            await clean.submit(e.record)
        assert await reputation(clean) == expected
        assert await interactions(clean, 1) == expected_interactions

    async with opened(tmp_path / "overlap.db") as p:
        # the last three days arrived live (twice: live and by backfill) before the
        # import read them again
        for e in talks[-6:]:
            assert e.record is not None
            await p.submit(e.record)
            await p.submit(e.record)
        importer = HistoryImporter(p.submit, Recorder(), FakeSource({10: talks}), page_size=4)
        importer.pause = 0
        importer.set_guild(G, run)
        await run_all(importer)
        assert await interactions(p, 1) == expected_interactions  # each one once
        assert await pairs(p) == expected_pairs == {(1, 2): (10, 10)}
        # every interaction and streak day paid once; only the milestones of days that
        # arrived after newer ones are not paid (the engine's rule for late days)
        assert await ledger_without_milestones(p, 1) == expected_points


async def test_system_messages_are_read_past_and_counted_as_seen(
    pipeline: TrackingPipeline,
) -> None:
    talk = month(10, [(1, 2)], 2)
    system = HistoryEntry(talk[0].id + 1, talk[0].ts, None)
    source = FakeSource({10: [talk[0], system, *talk[1:]]})
    ledger = Recorder()
    importer = HistoryImporter(pipeline.submit, ledger, source, page_size=100, pause=0)
    _, run = plan_imports(G, [], source.newest(), 30, NOW)
    importer.set_guild(G, run)
    await run_all(importer)
    last = ledger.steps[-1]
    assert (last.messages_seen, last.done, last.after_id) == (5, True, talk[-1].id)


async def test_a_deleted_channel_ends_and_an_unreadable_one_waits(
    pipeline: TrackingPipeline,
) -> None:
    source = FakeSource({10: month(10, [(1, 2)], 2), 11: month(11, [(1, 2)], 2)})
    source.gone.add(10)
    source.forbidden.add(11)
    ledger = Recorder()
    importer = HistoryImporter(pipeline.submit, ledger, source, pause=0)
    _, run = plan_imports(G, [], source.newest(), 30, NOW)
    importer.set_guild(G, run)
    await run_all(importer)
    assert not importer.active
    assert [(s.channel, s.done) for s in ledger.steps] == [(10, True)]  # 11 is not finished


async def test_set_guild_replaces_the_plan_and_drops_finished_guilds() -> None:
    importer = HistoryImporter(
        lambda rec: _noop(), Recorder(), FakeSource({10: []}), page_size=5, pause=0
    )
    since = NOW - timedelta(days=1)
    importer.set_guild(G, [HistoryImport(G, 10, since, NOW, 0, 10, 0, False)])
    assert importer.guilds() == {G}
    importer.set_guild(G, [])
    assert not importer.active and await importer.step() is None


async def _noop() -> None:
    return None


# -- what moderators see ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("progress", "line"),
    [
        (HistoryProgress(0, 0, 0, 0, 0), "off"),
        (HistoryProgress(0, 5, 3, 1240, 30), "off (stopped at 1,240 messages)"),
        (HistoryProgress(30, 0, 0, 0, 0), "last 30 days, nothing read yet"),
        (HistoryProgress(30, 5, 3, 1240, 30), "3 of 5 channels, 1,240 messages so far"),
        (HistoryProgress(30, 5, 5, 4812, 30), "done: 30 days, 4,812 messages"),
        (HistoryProgress(1, 1, 1, 1, 1), "done: 1 day, 1 message"),
    ],
)
def test_progress_lines(progress: HistoryProgress, line: str) -> None:
    assert progress.summary() == line


async def test_service_progress_counts_channels_and_messages(pipeline: TrackingPipeline) -> None:
    history = svc(pipeline).history
    source = FakeSource({10: month(10, [(1, 2)], 3), 11: [], 12: month(12, [(1, 2)], 3)})
    run = await history.plan(G, source.newest(), NOW)
    assert (await history.progress(G)) == HistoryProgress(30, 3, 1, 0, 30)
    importer = HistoryImporter(pipeline.submit, history, source, page_size=4, pause=0)
    importer.set_guild(G, run)
    assert await importer.step() == 4
    mid = await history.progress(G)
    assert (mid.finished, mid.messages) == (1, 4)
    await run_all(importer)
    assert (await history.progress(G)).summary() == "done: 30 days, 12 messages"
    await history.end_gone(G, 12)  # nothing changes for a finished one
    assert (await history.progress(G)).finished == 3


async def test_history_days_out_of_range_is_refused_and_the_old_value_kept(
    pipeline: TrackingPipeline,
) -> None:
    settings = svc(pipeline).settings
    await settings.configure(G, {"history_days": 90}, 5, NOW)
    with pytest.raises(InvalidSetting, match="0 \\(no import\\) to 365"):
        await settings.configure(G, {"history_days": 366}, 5, NOW)
    assert (await settings.config(G)).history_days == 90
    assert await svc(pipeline).history.days(G) == 90


async def test_guilds_take_turns_a_page_each(pipeline: TrackingPipeline) -> None:
    order: list[int] = []

    async def submit(rec: MessageRecord) -> int:
        order.append(rec.guild)
        return await pipeline.submit(rec)

    def of_guild(guild: int, channel: int) -> list[HistoryEntry]:
        out = []
        for e in month(channel, [(1, 2)], 5):
            assert e.record is not None
            rec = MessageRecord(guild, channel, e.id, e.ts, e.record.author, e.record.content)
            out.append(HistoryEntry(e.id, e.ts, rec))
        return out

    source = FakeSource({10: of_guild(1, 10), 20: of_guild(2, 20)})
    importer = HistoryImporter(submit, Recorder(), source, page_size=2, pause=0)
    for guild, channel in ((1, 10), (2, 20)):
        _, run = plan_imports(guild, [], {channel: source.newest()[channel]}, 30, NOW)
        importer.set_guild(guild, run)
    await run_all(importer)
    assert order == [1, 1, 2, 2] * 5  # a big server never holds up the others


async def test_a_deleted_channel_s_unfinished_import_ends(pipeline: TrackingPipeline) -> None:
    history = svc(pipeline).history
    source = FakeSource({10: month(10, [(1, 2)], 3)})
    assert await history.plan(G, source.newest(), NOW)
    await history.end_gone(G, 10)
    assert (await history.progress(G)).summary() == "done: 30 days, 0 messages"
    assert await history.plan(G, source.newest(), NOW) == []


def test_plan_leaves_out_what_was_counted_and_then_pruned() -> None:
    first, horizon = NOW - timedelta(days=200), NOW - timedelta(days=90)
    newest = snowflake_at(NOW - timedelta(hours=1))
    new, run = plan_imports(G, [], {10: newest}, 365, NOW, (first, horizon))
    assert [(i.since, i.until_id) for i in new] == [
        (NOW - timedelta(days=365), snowflake_at(first) - 1),  # before the bot was there
        (horizon, newest),  # what retention still remembers (read again: ignored by key)
    ]
    assert run == new
    (only,) = plan_imports(G, [], {10: newest}, 30, NOW, (first, horizon))[0]
    assert only.since == NOW - timedelta(days=30)  # inside retention: nothing left out


async def test_history_older_than_retention_is_never_counted_twice(tmp_path: Path) -> None:
    talk = [entry(10, NOW - timedelta(days=d), 1, 2, d) for d in (300, 200, 100, 10)]
    path = tmp_path / "k.db"
    async with opened(path) as p:
        for seen in talk[1:3]:  # the bot counted these live, long ago...
            assert seen.record is not None
            await p.submit(seen.record)
        await p.flush()
        await svc(p).privacy.prune(NOW, 90)  # ...and forgot them (retention)
        await svc(p).settings.configure(G, {"history_days": 365}, None, NOW)
    async with opened(path) as p:  # a later start, with the import
        history = svc(p).history
        source = FakeSource({10: talk})
        run = await history.plan(G, source.newest(), NOW, retention_days=90)
        importer = HistoryImporter(p.submit, history, source, pause=0)
        importer.set_guild(G, run)
        await run_all(importer)
        data = await svc(p).privacy.export(G, 1)
    paid = sorted(e["source"].split(":")[0] for e in data["ledger"] if e["reason"] == "mention")
    assert paid == sorted(str(e.id) for e in talk)  # each of the four once
