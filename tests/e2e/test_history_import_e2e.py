"""History import (SPEC §8) through the real bot and the sandbox: a server with a month of
past conversation, seen by the bot for the first time."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.replay import state_json
from bot.sandbox import InteractionResponse
from bot.storage.database import Database
from bot.storage.history import HistoryImportRepository
from bot.tracking.pipeline import TrackingPipeline
from tests.e2e.conftest import START, Harness
from tests.helpers import svc

PAST = START - timedelta(days=36)  # the sandbox's world begins here


def text_of(response: InteractionResponse) -> str:
    parts = [response.content or ""]
    for embed in response.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(p for p in parts if p)


async def run(h: Harness, who: Any, command: str, options: dict[str, Any] | None = None) -> Any:
    inter = await h.ctl.invoke(who, command, options or {})
    response = await h.ctl.wait_for_response(inter, timeout=10)
    if response.type == 5:  # deferred (e.g. while a card is drawn): wait until filled in
        await h.ctl.wait_for_reply(inter, timeout=10)
        response = await h.ctl.wait_for_response(inter, timeout=10)
    return response


@pytest.fixture(autouse=True)
def quick_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small pages and no pause, so a month of history is several pages read quickly."""
    monkeypatch.setenv("HISTORY_PAGE_SIZE", "10")
    monkeypatch.setenv("HISTORY_PAUSE_SECONDS", "0")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[Harness]:
    """A sandbox whose clock starts 36 days ago; the bot is not started."""
    async with Harness(tmp_path / "kindling.db", start=PAST, task_name="kindling-e2e") as h:
        yield h
        await h.stop_bot()
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not pending, f"tasks left pending: {pending}"


async def seed_month(h: Harness) -> dict[str, Any]:
    """alice and bob talk both ways in #general every day of the 35 days before START (only
    the last 30 are imported); carol writes to dave in #side on those days too, and they
    talked once in #general 36 days ago."""
    ctl = h.ctl
    people = {n: await ctl.add_member(n) for n in ("alice", "bob", "carol", "dave")}
    alice, bob, carol, dave = (people[n] for n in ("alice", "bob", "carol", "dave"))
    side = await ctl.add_channel("side")
    people["side"] = side
    h.clock.set(PAST + timedelta(hours=2))
    first = await ctl.send_message(carol, f"long ago, remember <@{dave.id}>")
    await ctl.send_message(dave, "yes, long ago indeed", reply_to=first)
    for day in range(35, 0, -1):
        h.clock.set(START - timedelta(days=day) + timedelta(hours=1))
        first = await ctl.send_message(alice, f"morning number {day}, <@{bob.id}>")
        h.clock.advance(minutes=7)
        await ctl.send_message(bob, f"good morning to you too, day {day}", reply_to=first)
        h.clock.advance(minutes=7)
        await ctl.send_message(carol, f"in the side room, day {day} <@{dave.id}>", channel=side)
    h.clock.set(START)
    return people


async def imported(h: Harness) -> None:
    """Wait until the bot finished importing and wrote everything."""
    assert h.bot is not None
    await h.settle()
    await asyncio.wait_for(import_cog(h).imports_idle(), timeout=30)
    await h.settle()


async def reputation(h: Harness, names: dict[str, Any]) -> dict[str, int]:
    assert h.bot is not None
    await h.settle()
    state = await state_json(h.bot.pipeline, [h.guild_id], h.clock())
    by_id = {m["user"]: m["reputation"] for m in state["guilds"][0]["members"]}
    return {n: by_id[p.id] for n, p in names.items() if getattr(p, "id", None) in by_id}


async def interactions_by(h: Harness, user: int) -> int:
    assert h.bot is not None
    await h.settle()
    data = await h.bot.services.privacy.export(h.guild_id, user)
    return sum(1 for i in data["interactions"] if i["actor"] == user)


async def preconfigure(h: Harness, **changes: Any) -> None:
    """Settings stored before the bot first sees the server (as `replay --db` could)."""
    db = await Database.open(h.db_path)
    pipeline = TrackingPipeline(db)
    try:
        await svc(pipeline).settings.configure(h.guild_id, changes, None, h.clock())
    finally:
        await pipeline.close()
        await db.close()


async def stored_progress(h: Harness, guild: int | None = None) -> tuple[int, int, int]:
    """(messages read, channels finished, channels) as stored."""
    db = await Database.open(h.db_path)
    try:
        rows = await HistoryImportRepository(db).of_guild(guild or h.guild_id)
    finally:
        await db.close()
    return sum(r.messages_seen for r in rows), sum(r.done for r in rows), len(rows)


def import_cog(h: Harness) -> Any:
    """The tracking cog (a restart loads its module afresh: not the class imported here)."""
    assert h.bot is not None
    cog = h.bot.get_cog("TrackingCog")
    assert cog is not None and type(cog).__name__ == "TrackingCog"
    return cog


async def current_streak(h: Harness, a: Any, b: Any) -> int:
    """The pair's current streak as /streak shows it ("🔥 30 days")."""
    reply = await run(h, a, "streak", {"member": b})
    fields = {f["name"]: f["value"] for f in reply.embeds[0].get("fields", [])}
    shown = str(fields["Current"])
    assert shown.startswith("🔥 "), shown
    return int(shown.split()[1])


async def test_first_sight_imports_the_last_30_days_into_streaks(world: Harness) -> None:
    h = world
    people = await seed_month(h)
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    await h.start_bot()
    await imported(h)
    assert await current_streak(h, alice, bob) == 30  # 35 days of talk, 30 imported
    rep = await reputation(h, people)
    assert rep["alice"] > 30 and rep["bob"] > rep["alice"]  # a reply earns more
    assert await interactions_by(h, alice.id) == 30
    assert await interactions_by(h, carol.id) == 30  # not the one of 36 days ago
    shown = text_of(await run(h, h.ctl.owner, "settings show"))
    assert "done: 30 days, 90 messages" in shown  # alice's, bob's and carol's 30 days
    # a restart imports nothing again and changes nothing
    await h.stop_bot()
    await h.start_bot()
    await imported(h)
    assert import_cog(h).history.pages_read == 0
    assert await reputation(h, people) == rep


async def test_stopping_mid_import_resumes_without_double_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with Harness(tmp_path / "whole.db", start=PAST) as h:
        people = await seed_month(h)
        await h.start_bot()
        await imported(h)
        expected = await reputation(h, people)
        pages = import_cog(h).history.pages_read
        await h.stop_bot()

    async with Harness(tmp_path / "resumed.db", start=PAST) as h:
        people = await seed_month(h)
        monkeypatch.setenv("HISTORY_PAUSE_SECONDS", "0.1")  # slow enough to stop
        await h.start_bot()
        assert h.bot is not None
        history = h.bot.services.history
        for _ in range(500):
            if (await history.progress(h.guild_id)).messages >= 30:
                break
            await asyncio.sleep(0.01)
        await h.stop_bot()
        seen, finished, channels = await stored_progress(h)
        assert 30 <= seen < 90 and finished < channels
        monkeypatch.setenv("HISTORY_PAUSE_SECONDS", "0")
        await h.start_bot()
        await imported(h)
        assert 0 < import_cog(h).history.pages_read < pages  # went on, did not start over
        seen, finished, channels = await stored_progress(h)
        assert seen == 90 and finished == channels
        assert await reputation(h, people) == expected
        await h.stop_bot()


async def test_live_messages_during_the_import_count_once(
    world: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = world
    people = await seed_month(h)
    alice, bob = people["alice"], people["bob"]
    monkeypatch.setenv("HISTORY_PAUSE_SECONDS", "0.1")
    await h.start_bot()
    assert h.bot is not None
    for _ in range(500):  # the import starts once the start-up backfill is done
        if (await h.bot.services.history.progress(h.guild_id)).channels:
            break
        await asyncio.sleep(0.01)
    shown = text_of(await run(h, h.ctl.owner, "settings show"))
    assert re.search(r"History import \d of 3 channels, \d+ messages so far", shown), shown
    live = await h.ctl.send_message(alice, f"live while you read the past <@{bob.id}>")
    h.clock.advance(minutes=5)
    await h.ctl.send_message(bob, "and a live answer", reply_to=live)
    await imported(h)
    assert await interactions_by(h, alice.id) == 30 + 1
    assert await interactions_by(h, bob.id) == 30 + 1
    assert await current_streak(h, alice, bob) == 31  # the past 30 days and today


async def test_history_days_zero_imports_nothing_until_raised(world: Harness) -> None:
    h = world
    people = await seed_month(h)
    alice, bob = people["alice"], people["bob"]
    await preconfigure(h, history_days=0)
    await h.start_bot()
    await imported(h)
    assert await interactions_by(h, alice.id) == 0
    assert "📥 History import off" in text_of(await run(h, h.ctl.owner, "settings show"))
    changed = await run(h, h.ctl.owner, "settings channels", {"history_days": 7})
    assert "7 days" in text_of(changed)
    await imported(h)
    assert await interactions_by(h, alice.id) == 7
    assert await current_streak(h, alice, bob) == 7
    # 21 of the members' messages, and whatever the bot itself posted meanwhile
    shown = text_of(await run(h, h.ctl.owner, "settings show"))
    assert re.search(r"History import done: 7 days, 2\d messages", shown), shown


async def test_a_channel_that_becomes_tracked_gets_its_import(world: Harness) -> None:
    h = world
    people = await seed_month(h)
    alice, carol, side = people["alice"], people["carol"], people["side"]
    await preconfigure(h, channel_deny=[side.id])
    await h.start_bot()
    await imported(h)
    assert await interactions_by(h, alice.id) == 30
    assert await interactions_by(h, carol.id) == 0  # #side is ignored
    assert "done: 30 days, 60 messages" in text_of(await run(h, h.ctl.owner, "settings show"))
    await run(h, h.ctl.owner, "settings channels", {"ignore": side})  # tracked from now on
    await imported(h)
    assert await interactions_by(h, carol.id) == 30
    assert await interactions_by(h, alice.id) == 30  # #general is not read again
    assert "done: 30 days, 90 messages" in text_of(await run(h, h.ctl.owner, "settings show"))


async def test_a_server_joined_while_running_gets_its_import_planned(world: Harness) -> None:
    h = world
    await h.start_bot()
    await imported(h)
    other = await h.ctl.add_guild("second home")  # GUILD_CREATE: on_guild_join
    for _ in range(200):
        if (await stored_progress(h, other.id))[2]:
            break
        await asyncio.sleep(0.01)
    await imported(h)
    # its #general was created with the server: nothing to read, finished at once
    assert await stored_progress(h, other.id) == (0, 1, 1)


async def test_the_import_keeps_to_discords_rate_limits(world: Harness) -> None:
    h = world
    people = await seed_month(h)
    route = "GET /channels/{channel_id}/messages"
    h.sandbox.set_rate_limit(route, 2, 0.3)  # two history pages per channel each 0.3 s
    await h.start_bot()
    await imported(h)
    assert await interactions_by(h, people["alice"].id) == 30
    assert await interactions_by(h, people["carol"].id) == 30
    pages = [r for r in h.sandbox.requests_to(route) if r.status == 200]
    assert len(pages) >= 9  # 60 + 30 messages in pages of 10
    by_channel: dict[str, list[float]] = {}
    for r in pages:
        by_channel.setdefault(r.path, []).append(r.at)
    for times in by_channel.values():  # never more than 2 answered pages in any 0.3 s
        pairs = zip(times, times[2:], strict=False)
        assert all(later - earlier >= 0.25 for earlier, later in pairs)
