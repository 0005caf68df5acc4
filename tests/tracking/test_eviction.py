"""Guild state evicted and rebuilt from the store, and message memos dropped, give exactly the
state that keeping everything in memory gives (bot/tracking/pipeline.py, DECISIONS B16).

Each stream is replayed twice through the same services, flushing after every event: once
keeping every guild's state, once evicting every guild after every event (so each event is
applied to a state rebuilt from the store) with a message budget of one message (so every
reply and reaction target is looked up in the store). The replay output and the stored rows
must be the same.

The same holds for a huge guild's state loaded member by member (B18): with `lazy`, every
guild with a stored member is loaded that way, evicted after every event (each event then
loads just its own members into an empty state) or every few events (members are added to a
state that already holds others, with what was applied to their pairs since, written or
still pending), and with the background warm-up loading the rest one member at a time
between events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.domain.interactions import MemberRecord, MessageRecord, ReactionRecord
from bot.reads import Reads
from bot.replay import ReviewPasses, apply_events, event_guild, parse_lines, state_json
from bot.services import Services
from bot.storage.database import Database
from bot.tracking.pipeline import MESSAGE_ENTRY_BYTES, TrackingPipeline
from tests.oracle.engine import dump_lines
from tests.oracle.test_against_model import streams

TABLES = {
    "interactions": "guild_id, source, actor_id, target_id, kind, ts, day, points, flags",
    "ledger": "guild_id, user_id, delta, reason, source, ts, day, partner_id, capped, held",
    "pair_days": "guild_id, a, b, day",
    "pair_streaks": "guild_id, a, b, current, best, freezes, last_day, run_start",
    "members": "guild_id, user_id, reputation, active, bot, joined_at, opted_out",
    "member_badges": "guild_id, user_id, badge, awarded_at",
    "messages": "guild_id, message_id, author_id, ts, norm",
}


OTHER = 999_999  # a guild no stream uses


class StepClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _run(
    lines: list[str],
    now: datetime,
    path: Path,
    evict: bool,
    lazy: bool = False,
    every: int = 1,
    warm: int = 0,
    budget: bool = False,
) -> tuple[Any, Any, int]:
    """`evict`: idle states evicted (after every `every` events); `budget` instead: never
    idle, but resident states bounded to one entry, so every state but the one used last is
    evicted at each sweep (a member of another guild, OTHER, is recorded after each event,
    so the stream's own guilds are never the last used)."""
    db = await Database.open(path)
    clock = StepClock()
    pipeline = TrackingPipeline(
        db,
        idle_seconds=1.0 if evict and not budget else 0,
        message_cache_bytes=MESSAGE_ENTRY_BYTES if evict else 10**9,
        clock=clock,
        lazy_members=0 if lazy else None,
        warm_members=warm,
        warm_above=0,
        state_bytes=1 if budget else None,
    )
    services = Services.create(pipeline, Reads(pipeline))
    passes = ReviewPasses(services)
    evicted = 0
    try:
        events = list(parse_lines(lines, now))
        for i, event in enumerate(events):
            await apply_events(pipeline, [event], services, passes)
            if budget:
                await pipeline.submit(MemberRecord(OTHER, 1, False, None))
            if every == 1 or i % every == 0:
                await pipeline.flush()
            if evict and i % every == 0:
                clock.now += 10
                evicted += await pipeline.evict_idle()
        await passes.finish(now)
        guilds = {event_guild(e) for e in events} | set(await services.settings.guild_ids())
        guilds.discard(OTHER)
        for guild in sorted(guilds):
            for ch in await services.challenges.all(guild):
                await services.challenges.close(ch, now)
        out = await state_json(pipeline, guilds, now)
        await pipeline.flush()
        tables = {
            name: sorted(
                tuple(r)
                for r in await db.fetchall(
                    f"SELECT {cols} FROM {name} WHERE guild_id <> ?", (OTHER,)
                )
            )
            for name, cols in TABLES.items()
        }
    finally:
        await pipeline.close()
        await db.close()
    if evict and events and not budget:
        assert evicted > 0
    if budget and events:
        assert pipeline.budget_evictions == evicted > 0
    return out, tables, pipeline.member_loads


async def _compare(lines: list[str], now: datetime, tmp: Path, tag: str) -> None:
    kept = await _run(lines, now, tmp / f"{tag}-kept.db", evict=False)
    evicted = await _run(lines, now, tmp / f"{tag}-evicted.db", evict=True)
    _same(kept, evicted, lines, tag)
    bounded = await _run(lines, now, tmp / f"{tag}-bounded.db", evict=True, budget=True)
    _same(kept, bounded, lines, f"{tag} (bounded memory)")


async def _compare_lazy(lines: list[str], now: datetime, tmp: Path, tag: str) -> int:
    """Returns how many members were loaded on demand."""
    kept = await _run(lines, now, tmp / f"{tag}-kept.db", evict=False)
    loads = 0
    for every, warm in ((1, 0), (5, 0), (5, 1)):
        lazy = await _run(lines, now, tmp / f"{tag}-lazy{every}-{warm}.db", True, True, every, warm)
        _same(kept, lazy, lines, f"{tag} (member by member, evicted every {every}, warm {warm})")
        loads += lazy[2]
    return loads


def _same(kept: Any, other: Any, lines: list[str], tag: str) -> None:
    assert other[0] == kept[0], f"{tag}: replay output differs\n" + "\n".join(lines)
    for name in TABLES:
        assert other[1][name] == kept[1][name], f"{tag}: table {name} differs"


async def test_worked_examples_loaded_member_by_member(tmp_path: Path, examples_dir: Path) -> None:
    for example in sorted(examples_dir.glob("*.jsonl")):
        lines = example.read_text(encoding="utf-8").splitlines()
        now = datetime.fromisoformat(example.with_suffix(".now").read_text().strip())
        loads = await _compare_lazy(lines, now, tmp_path, example.stem)
        assert loads > 0, example.stem


async def test_worked_examples_across_evictions(tmp_path: Path, examples_dir: Path) -> None:
    for example in sorted(examples_dir.glob("*.jsonl")):
        lines = example.read_text(encoding="utf-8").splitlines()
        now = datetime.fromisoformat(example.with_suffix(".now").read_text().strip())
        await _compare(lines, now, tmp_path, example.stem)


async def test_worked_examples_rebuilt_off_the_loop(
    tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rebuild takes the huge-guild path (rows turned into the state in a worker
    thread, without the cyclic collector): the results are the same."""
    import gc

    import bot.storage.tracking as tracking

    monkeypatch.setattr(tracking, "OFF_LOOP_ROWS", -1)
    try:
        for example in sorted(examples_dir.glob("*.jsonl")):
            lines = example.read_text(encoding="utf-8").splitlines()
            now = datetime.fromisoformat(example.with_suffix(".now").read_text().strip())
            await _compare(lines, now, tmp_path, example.stem)
    finally:
        gc.unfreeze()
    assert gc.isenabled()


GENERATED = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def _stream(stream: tuple[list[dict[str, Any]], str], compare: Any, tmp: Path) -> None:
    import asyncio

    events, now = stream
    lines = dump_lines(events).splitlines()
    at = datetime.fromisoformat(now.replace("Z", "+00:00"))
    asyncio.run(compare(lines, at, tmp, "stream"))


@GENERATED
@given(stream=streams())
def test_generated_streams_loaded_member_by_member(
    stream: tuple[list[dict[str, Any]], str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    _stream(stream, _compare_lazy, tmp_path_factory.mktemp("lazy"))


@GENERATED
@given(stream=streams())
def test_generated_streams_across_evictions(
    stream: tuple[list[dict[str, Any]], str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    _stream(stream, _compare, tmp_path_factory.mktemp("evict"))


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_live_only_facts_survive_an_eviction(tmp_path: Path) -> None:
    """What only live traffic carries (bot flags on messages, a cooldown near its 7-day limit,
    a guild whose messages made no interaction yet) is the same after an eviction."""

    async def run(evict: bool) -> Any:
        db = await Database.open(tmp_path / f"live-{evict}.db")
        clock = StepClock()
        pipeline = TrackingPipeline(
            db, idle_seconds=1.0 if evict else 0, message_cache_bytes=1, clock=clock
        )
        services = Services.create(pipeline, Reads(pipeline))
        await services.settings.change_settings(
            1, {"limits": {"cooldown_seconds": 7 * 86400 - 60}}, None, T0
        )
        got = []

        async def step(rec: Any) -> None:
            got.append(await pipeline.submit(rec))
            await pipeline.flush()
            if evict:
                clock.now += 10
                await pipeline.evict_idle()

        await step(MemberRecord(1, 10, False, T0 - timedelta(days=400)))
        # a message that makes no interaction, then the same text as a reply: a duplicate
        await step(MessageRecord(1, 5, 1, T0, 10, "same words here"))
        await step(MessageRecord(1, 5, 2, T0 + timedelta(seconds=5), 11, "hello there"))
        await step(MessageRecord(1, 5, 3, T0 + timedelta(seconds=60), 10, "same words here", 2))
        # a bot's message, then a reaction to it without its author: no interaction
        await step(MessageRecord(1, 5, 4, T0 + timedelta(minutes=5), 99, "beep", author_bot=True))
        await step(ReactionRecord(1, 5, 4, 10, "👍", T0 + timedelta(minutes=6)))
        # the cooldown still holds six days and 23 hours later, though other interactions
        # since moved the days whose counters are rebuilt past the day it last passed
        await step(MessageRecord(1, 5, 7, T0 + timedelta(days=6, hours=22), 11, "hey you", 1))
        later = T0 + timedelta(days=6, hours=23)
        await step(MessageRecord(1, 5, 5, later, 10, "again after a week", 2))
        await step(MessageRecord(1, 5, 6, later + timedelta(hours=2), 10, "and once more", 2))
        rows = await db.fetchall(
            "SELECT source, actor_id, target_id, kind, points, flags FROM interactions "
            "ORDER BY ts, source"
        )
        out = json.dumps(await state_json(pipeline, [1], later + timedelta(hours=3)))
        await pipeline.close()
        await db.close()
        return got, [tuple(r) for r in rows], out

    kept = await run(False)
    evicted = await run(True)
    assert evicted == kept
    got, rows, _ = kept
    assert got[5] is False  # the reaction to a bot's message
    # 10's duplicate reply, 11's reply, 10's reply inside the cooldown, then after it
    assert [r[4] for r in rows] == [0, 3, 0, 3]
