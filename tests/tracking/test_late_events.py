"""Events that arrive late (backfill) or again (re-applied replays) through the pipeline."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.interactions import KudosRecord, MessageRecord
from bot.replay import state_json
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.conftest import ROOT
from tests.helpers import EPOCH, svc

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def say(mid: int, author: int, target: int, at: datetime, channel: int = 5) -> MessageRecord:
    return MessageRecord(1, channel, mid, at, author, f"hello there {mid}", None, (target,))


async def test_a_day_completed_late_qualifies_once(tmp_path: Path) -> None:
    for mode in ("mutual", "any"):
        db = await Database.open(tmp_path / f"{mode}.db")
        pipeline = TrackingPipeline(db)
        try:
            await svc(pipeline).settings.change_settings(1, {"streak_mode": mode}, None, EPOCH)
            await pipeline.submit(say(1, 10, 11, T0))  # day 0: A→B
            await pipeline.submit(say(2, 20, 21, T0 + timedelta(days=12)))  # much later
            await pipeline.submit(say(3, 11, 10, T0 + timedelta(minutes=5)))  # B→A, late
            await pipeline.submit(say(4, 10, 11, T0 + timedelta(minutes=9)))
            await pipeline.flush()
            state = await state_json(pipeline, [1], T0 + timedelta(days=12))
            pairs = {tuple(p["members"]): p for p in state["guilds"][0]["pairs"]}
            assert pairs[(10, 11)]["best"] == 1, mode
            export = await svc(pipeline).privacy.export(1, 10)
            bonuses = [e for e in export["ledger"] if e["reason"] == "streak_day"]
            assert len(bonuses) == 1, mode
        finally:
            await pipeline.close()
            await db.close()


async def test_late_message_is_not_refused_by_a_newer_cooldown_pass(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        await pipeline.submit(say(2, 10, 11, T0 + timedelta(hours=2)))
        await pipeline.submit(say(1, 10, 11, T0))  # two hours older, backfilled
        await pipeline.flush()
        export = await svc(pipeline).privacy.export(1, 10)
        assert [e["delta"] for e in export["ledger"] if e["reason"] == "mention"] == [1, 1]
    finally:
        await pipeline.close()
        await db.close()


async def test_kudos_limits_of_an_old_day_hold_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    db = await Database.open(path)
    pipeline = TrackingPipeline(db)
    assert (await pipeline.submit(KudosRecord(1, 10, 11, T0))).accepted
    assert (await pipeline.submit(KudosRecord(1, 12, 13, T0 + timedelta(days=9)))).accepted
    await pipeline.close()
    await db.close()
    db = await Database.open(path)
    pipeline = TrackingPipeline(db)
    try:  # a second thank-you to the same member on that old day is still refused
        late = KudosRecord(1, 10, 11, T0 + timedelta(hours=1), source="cmd-late")
        assert (await pipeline.submit(late)).reason == "same"
    finally:
        await pipeline.close()
        await db.close()


def test_replaying_the_same_file_into_a_db_three_times_changes_nothing(tmp_path: Path) -> None:
    lines = [
        {"type": "kudos", "guild": 1, "from": 10, "to": 11, "ts": "2026-03-01T10:00:00Z"},
        {"type": "kudos", "guild": 1, "from": 10, "to": 11, "ts": "2026-03-01T11:00:00Z"},
        {"type": "kudos", "guild": 1, "from": 12, "to": 11, "ts": "2026-03-10T10:00:00Z"},
        {
            "type": "message",
            "guild": 1,
            "channel": 5,
            "id": 1,
            "ts": "2026-03-10T11:00:00Z",
            "author": 10,
            "content": "hello <@11>",
            "mentions": [11],
        },
    ]
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    outputs = []
    for _ in range(3):
        result = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "bot",
                "replay",
                str(events),
                "--now",
                "2026-03-12T00:00:00Z",
                "--db",
                str(tmp_path / "k.db"),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    members = {m["user"]: m["reputation"] for m in outputs[0]["guilds"][0]["members"]}
    assert members[11] == 20


async def test_a_revoked_badge_is_not_handed_back_by_the_next_point(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        await svc(pipeline).moderation.adjust_reputation(1, 11, 150, 0, "", "mod:1", T0)
        assert "rep-100" in {h.key for h in await svc(pipeline).badges.held(1, 11)}
        assert await svc(pipeline).badges.revoke(1, 11, "rep-100", None, EPOCH)
        assert (await pipeline.submit(KudosRecord(1, 10, 11, T0 + timedelta(hours=1)))).accepted
        await pipeline.flush()
        assert "rep-100" not in {h.key for h in await svc(pipeline).badges.held(1, 11)}
        await svc(pipeline).moderation.adjust_reputation(
            1, 11, 400, 0, "", "mod:2", T0 + timedelta(hours=2)
        )
        assert {"rep-500"} <= {h.key for h in await svc(pipeline).badges.held(1, 11)}
    finally:
        await pipeline.close()
        await db.close()


async def test_concurrent_closings_close_a_challenge_once(tmp_path: Path) -> None:
    import asyncio
    from dataclasses import replace

    from bot.domain.challenges import Challenge

    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        ch = Challenge(1, 1, "Race", "points", 1, T0 - timedelta(days=1), T0, join_required=False)
        await svc(pipeline).challenges.save(ch, None, "challenge.create", EPOCH)
        await svc(pipeline).moderation.adjust_reputation(
            1, 10, 5, 0, "", "mod:1", T0 - timedelta(hours=1)
        )
        copy = replace(ch, participants=dict(ch.participants))  # what /challenge end holds
        results = await asyncio.gather(
            svc(pipeline).challenges.close(ch, T0 + timedelta(hours=1)),
            svc(pipeline).challenges.close(copy, T0 + timedelta(hours=1)),
        )
        assert sum(r is not None for r in results) == 1
        assert [h.key for h in await svc(pipeline).badges.held(1, 10)] == ["challenge-1"]
    finally:
        await pipeline.close()
        await db.close()


async def test_cancelling_a_flush_mid_write_neither_loses_nor_doubles_rows(tmp_path: Path) -> None:
    import asyncio

    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        await pipeline.submit(say(1, 10, 11, T0))
        flushing = asyncio.create_task(pipeline.flush())
        for _ in range(3):
            await asyncio.sleep(0)
        flushing.cancel()
        try:
            await flushing
        except asyncio.CancelledError:
            pass
        await pipeline.flush()
        export = await svc(pipeline).privacy.export(1, 10)
        assert len(export["ledger"]) == 1 and len(export["interactions"]) == 1
    finally:
        await pipeline.close()
        await db.close()
