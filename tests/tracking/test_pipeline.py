import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.interactions import KudosRecord, MessageRecord
from bot.replay import apply_events, parse_lines, state_json
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def conversation(n: int) -> list[MessageRecord]:
    out = []
    for i in range(n):
        author, other = (10, 11) if i % 2 == 0 else (11, 10)
        out.append(
            MessageRecord(
                1,
                5,
                1000 + i,
                T0 + timedelta(minutes=i * 2),
                author,
                f"message number {i} <@{other}>",
                None,
                (other,),
            )
        )
    return out


async def count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_flushes_when_batch_is_full(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db, flush_interval=60, max_batch=5)
    try:
        for rec in conversation(4):
            await pipeline.submit(rec)
        await pipeline.wait_idle()
        assert await count(db, "interactions") == 0
        await pipeline.submit(conversation(5)[4])
        await pipeline.wait_idle()  # the full batch is being written without a flush call
        assert await count(db, "interactions") == 5
    finally:
        await pipeline.close()
        await db.close()


async def test_flushes_within_interval_and_on_close(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db, flush_interval=0.05, max_batch=1000)
    await pipeline.start()
    try:
        await pipeline.submit(conversation(1)[0])
        assert await count(db, "interactions") == 0
        for _ in range(40):
            await asyncio.sleep(0.05)
            if await count(db, "interactions"):
                break
        assert await count(db, "interactions") == 1
        await pipeline.submit(conversation(2)[1])
    finally:
        await pipeline.close()
    assert await count(db, "interactions") == 2
    await db.close()


async def test_same_events_twice_change_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    events = conversation(30)
    kudos = KudosRecord(1, 10, 11, T0 + timedelta(hours=3), "thanks", "cmd-1")
    try:
        pipeline = TrackingPipeline(db)
        for rec in events:
            await pipeline.submit(rec)
        assert (await pipeline.submit(kudos)).accepted
        await pipeline.close()
        before = await state_json(TrackingPipeline(db), [1], T0 + timedelta(days=1))
        ledger_rows = await count(db, "ledger")
        again = TrackingPipeline(db)  # a fresh pipeline: knowledge comes from the database
        for rec in events:
            assert await again.submit(rec) == 0
        assert (await again.submit(kudos)).reason == "duplicate"
        await again.close()
        assert await count(db, "ledger") == ledger_rows
        assert await state_json(TrackingPipeline(db), [1], T0 + timedelta(days=1)) == before
    finally:
        await db.close()


async def _replay_in_parts(db_path: Path, lines: list[str], cut: int, now: datetime) -> dict:
    for part in (lines[:cut], lines[cut:]):
        db = await Database.open(db_path)
        pipeline = TrackingPipeline(db)
        try:
            await apply_events(pipeline, parse_lines(part, now))
        finally:
            await pipeline.close()
            await db.close()
    db = await Database.open(db_path)
    try:
        return await state_json(TrackingPipeline(db), [1], now)
    finally:
        await db.close()


async def test_restart_anywhere_gives_the_same_state(tmp_path: Path, examples_dir: Path) -> None:
    """Stopping and restarting between any two events loses and doubles nothing."""
    for example in sorted(examples_dir.glob("*.jsonl")):
        lines = example.read_text(encoding="utf-8").splitlines()
        now = datetime.fromisoformat(example.with_suffix(".now").read_text().strip())
        expected = json.loads(example.with_suffix(".expected.json").read_text())
        for cut in range(len(lines) + 1):
            got = await _replay_in_parts(tmp_path / f"{example.stem}-{cut}.db", lines, cut, now)
            assert got == expected, f"{example.name} split at line {cut}"
