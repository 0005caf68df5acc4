"""One unwritable row never stops the writes (#12 item 1): it is quarantined, logged once,
and everything else - every other guild's rows too - is written; later flushes work."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.interactions import MessageRecord, normalise_content
from bot.storage.database import Database
from bot.storage.quarantine import QuarantineRepository, unstorable
from bot.tracking.pipeline import TrackingPipeline

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def say(guild: int, mid: int, author: int, target: int, text: str, at: datetime) -> MessageRecord:
    return MessageRecord(guild, 5, mid, at, author, f"{text} <@{target}>", None, (target,))


async def scalar(pipeline: TrackingPipeline, sql: str) -> int:
    row = await pipeline.repos.db.fetchone(sql)  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


async def test_a_poisoned_row_is_quarantined_and_the_rest_written(
    pipeline: TrackingPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await pipeline.submit(say(1, 100, 10, 11, "hello there", T0))
    await pipeline.submit(say(1, 2**64, 11, 10, "an id no database can hold", T0))
    await pipeline.submit(say(2, 200, 20, 21, "another guild", T0))
    await pipeline.flush()  # does not raise
    assert await scalar(pipeline, "SELECT COUNT(*) FROM messages") == 2
    assert await scalar(pipeline, "SELECT COUNT(*) FROM messages WHERE guild_id = 2") == 1
    total, rows = await QuarantineRepository(pipeline.repos.db).recent(10)  # type: ignore[arg-type]
    # the message row and its channel cursor: each kept once, with why
    assert total == 2 and {r[1] for r in rows} == {"messages", "channel_cursors"}
    assert all("64 bits" in r[3] and r[0] == 1 for r in rows)
    warnings = [r for r in caplog.records if "quarantined" in r.getMessage()]
    assert len(warnings) == 2  # one line per statement, not per retry
    # later flushes are not blocked
    await pipeline.submit(say(2, 201, 21, 20, "still writing", T0 + timedelta(minutes=2)))
    await pipeline.flush()
    assert await scalar(pipeline, "SELECT COUNT(*) FROM messages WHERE guild_id = 2") == 2


async def test_a_lone_surrogate_in_a_message_is_stored_repaired(
    pipeline: TrackingPipeline,
) -> None:
    await pipeline.submit(say(1, 100, 10, 11, "broken \ud800 text", T0))
    await pipeline.submit(say(1, 101, 11, 10, "fine reply text", T0 + timedelta(minutes=2)))
    await pipeline.flush()
    assert await scalar(pipeline, "SELECT COUNT(*) FROM messages") == 2
    assert await scalar(pipeline, "SELECT COUNT(*) FROM interactions") == 2
    assert await scalar(pipeline, "SELECT COUNT(*) FROM quarantine") == 0


def test_unstorable_names_the_value() -> None:
    assert unstorable((1, "ok", 2.5, None, b"x")) is None
    assert unstorable((1, 2**63)) == "value 1 is an integer outside 64 bits"
    assert unstorable((1, "a\udfffb")) == "value 1 is text with a lone surrogate"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalised_text_can_always_be_stored(text: str) -> None:
    normalise_content(text).encode("utf-8")  # never raises


async def test_the_operator_sees_quarantined_rows(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "k.db"
    db = await Database.open(path)
    pipe = TrackingPipeline(db)
    await pipe.submit(say(1, 2**64, 11, 10, "an id no database can hold", T0))
    await pipe.close()
    await db.close()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "quarantine"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(path)},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 quarantined row(s)")
    assert "guild 1 messages: value 1 is an integer outside 64 bits" in result.stdout
