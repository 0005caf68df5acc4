"""Backfill after downtime (#12 items 5 and 9): what the bot missed is applied in time order
across channels and before the live events that arrive meanwhile, so the state equals a
time-ordered replay of the same history, whatever the arrival order; a backfill that fails
(a locked database) is tried again instead of dying silently."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.replay import run_replay, state_json
from bot.sandbox import Control
from bot.tracking.pipeline import TrackingPipeline
from tests.e2e.conftest import START, Harness


def history_jsonl(ctl: Control, path: Path) -> None:
    """The sandbox's whole guild history (members' messages) as SPEC §9 replay lines."""
    lines = []
    for msg in sorted(ctl.world.messages.values(), key=lambda m: m.id):
        if msg.guild_id != ctl.guild.id or msg.author_id == ctl.bot.id or msg.deleted:
            continue
        lines.append(
            {
                "type": "message",
                "guild": msg.guild_id,
                "channel": msg.channel_id,
                "id": msg.id,
                "ts": msg.timestamp.isoformat(),
                "author": msg.author_id,
                "content": msg.content,
                "reply_to": msg.reference.message_id if msg.reference else None,
                "mentions": list(msg.mentions),
            }
        )
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")


async def bot_state(h: Harness) -> dict[str, Any]:
    assert h.bot is not None
    await h.settle()
    return await state_json(h.bot.pipeline, [h.ctl.guild.id], h.clock())


async def replayed(h: Harness, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "history.jsonl"
    history_jsonl(h.ctl, path)
    return await run_replay(path, h.clock(), str(tmp_path / "replayed.db"))


def paid(db: Path) -> list[tuple[Any, ...]]:
    """Which interaction earned what: order-sensitive (cooldowns, daily allowances)."""
    conn = sqlite3.connect(db)
    try:
        return sorted(
            conn.execute(
                "SELECT source, actor_id, target_id, kind, points, flags FROM interactions"
            ).fetchall()
        )
    finally:
        conn.close()


async def chatter(h: Harness, a: Any, b: Any, rounds: int, channels: list[str]) -> None:
    """Replies back and forth inside the 60 s cooldown, alternating channels: which message
    a cooldown pays depends on the order the bot applies them in."""
    for i in range(rounds):
        first = await h.ctl.send_message(a, f"idea number {i} <@{b.id}>", channel=channels[i % 2])
        h.clock.advance(seconds=20)
        await h.ctl.send_message(b, f"answer {i} here", reply_to=first, channel=channels[i % 2])
        h.clock.advance(seconds=20)


async def test_missed_and_live_messages_give_the_replayed_state(
    harness: Harness, tmp_path: Path
) -> None:
    h = harness
    ctl = h.ctl
    await ctl.add_channel("dev")
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    carol = await ctl.add_member("carol")
    await chatter(h, alice, bob, 3, ["general", "dev"])
    await h.settle()
    await h.stop_bot()
    h.clock.advance(hours=1)
    await chatter(h, alice, bob, 6, ["dev", "general"])  # missed while down
    await chatter(h, bob, carol, 4, ["general", "dev"])
    await h.start_bot()
    await chatter(h, alice, bob, 4, ["general", "dev"])  # live, while backfill may run
    await chatter(h, carol, alice, 3, ["dev", "general"])
    got = await bot_state(h)
    want = await replayed(h, tmp_path)
    assert got["guilds"][0]["members"] == want["guilds"][0]["members"]
    assert got["guilds"][0]["pairs"] == want["guilds"][0]["pairs"]
    assert len(want["guilds"][0]["members"]) == 3
    assert paid(h.db_path) == paid(tmp_path / "replayed.db")


class QuickRetry(Harness):
    def settings(self) -> Settings:
        return super().settings().model_copy(update={"backfill_retry_seconds": 0.2})


async def test_a_failed_backfill_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with QuickRetry(tmp_path / "k.db", start=START, task_name="kindling-e2e") as h:
        await h.start_bot()
        ctl = h.ctl
        alice = await ctl.add_member("alice")
        bob = await ctl.add_member("bob")
        await chatter(h, alice, bob, 1, ["general", "general"])
        await h.settle()
        await h.stop_bot()
        h.clock.advance(minutes=10)
        await chatter(h, alice, bob, 3, ["general", "general"])  # missed while down
        real = TrackingPipeline.cursors
        failures: list[int] = []

        async def locked_once(self: TrackingPipeline, guild: int) -> dict[int, int]:
            if not failures:
                failures.append(guild)
                raise sqlite3.OperationalError("database is locked")
            return await real(self, guild)

        monkeypatch.setattr(TrackingPipeline, "cursors", locked_once)
        await h.start_bot()
        h.clock.advance(minutes=1)
        await chatter(h, bob, alice, 1, ["general", "general"])  # live: not held meanwhile
        got = await bot_state(h)
        assert failures == [ctl.guild.id]
        want = await replayed(h, tmp_path)
        assert got["guilds"][0]["members"] == want["guilds"][0]["members"]
        assert sum(m["reputation"] for m in got["guilds"][0]["members"]) > 0
        assert paid(h.db_path) == paid(tmp_path / "replayed.db")
        await h.stop_bot()
