"""Replay reads its file as a stream (#12 item 4): validation first, then application, one
line at a time; undecodable bytes are named by line; a bad last line applies nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import replay_command
from bot.replay_events import ReplayError, iter_events

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def message(i: int) -> str:
    return json.dumps(
        {
            "type": "message",
            "guild": 1,
            "channel": 5,
            "id": 1000 + i,
            "ts": f"2026-03-01T10:{i // 60:02d}:{i % 60:02d}Z",
            "author": 10 + i % 2,
            "content": f"hello there {i} <@{11 - i % 2}>",
            "mentions": [11 - i % 2],
        }
    )


def test_events_are_parsed_one_line_at_a_time() -> None:
    consumed: list[int] = []

    def lines() -> Iterator[str]:
        for i in range(1000):
            consumed.append(i)
            yield message(i)

    events = iter_events(lines(), NOW)
    first = [next(events) for _ in range(3)]
    assert len(first) == 3 and len(consumed) == 3  # nothing read ahead


def test_an_undecodable_line_is_named() -> None:
    lines = [message(0).encode(), b'{"type":"member","guild":1,"user":\xff1}\n']
    with pytest.raises(ReplayError, match=r"line 2: not UTF-8 text"):
        list(iter_events(lines, NOW))


def test_bytes_and_text_lines_give_the_same_events() -> None:
    text = [message(i) for i in range(5)]
    assert list(iter_events(text, NOW)) == list(iter_events([t.encode() for t in text], NOW))


def test_cli_names_the_undecodable_line(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(message(0).encode() + b"\n" + message(1).encode()[:-3] + b"\xfe\xff}\n")
    code, out, err = replay_command(path, "2026-06-01T00:00:00Z")
    assert code == 2 and out == "" and err.startswith("line 2: not UTF-8")


def test_a_bad_last_line_applies_nothing_to_the_database(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    good = tmp_path / "good.jsonl"
    good.write_text(message(0) + "\n")
    assert replay_command(good, "2026-06-01T00:00:00Z", str(db))[0] == 0
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    settings_before = conn.execute("SELECT settings FROM guilds").fetchall()
    conn.close()
    bad = tmp_path / "bad.jsonl"
    lines = [
        json.dumps({"type": "settings", "guild": 1, "timezone": "Asia/Tokyo"}),
        *(message(i) for i in range(1, 400)),
        '{"type":"message","guild":1}',
    ]
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = replay_command(bad, "2026-06-01T00:00:00Z", str(db))
    assert code == 2 and err.startswith("line 401:")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == before
    assert conn.execute("SELECT settings FROM guilds").fetchall() == settings_before
    conn.close()


def test_a_long_file_streams_to_the_same_state_as_a_short_one_twice(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(message(i) for i in range(3000)) + "\n")
    code, out, err = replay_command(path, "2026-06-01T00:00:00Z")
    assert code == 0, err
    state = json.loads(out)
    members = {m["user"]: m["reputation"] for m in state["guilds"][0]["members"]}
    assert set(members) == {10, 11} and all(v > 0 for v in members.values())
