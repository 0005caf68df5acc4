"""`python -m bot replay` through its command line (SPEC §9)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"


def replay(file: Path, now: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "bot", "replay", str(file), "--now", now]
    if db is not None:
        cmd += ["--db", str(db)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)  # noqa: S603


def cases(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def check_case(case: Path) -> None:
    now = case.with_suffix(".now").read_text(encoding="utf-8").strip()
    result = replay(case, now)
    assert result.returncode == 0, result.stderr
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout) == expected


def test_worked_examples_from_the_spec(examples_dir: Path) -> None:
    found = cases(examples_dir)
    assert found, "no worked examples found"
    for case in found:
        check_case(case)


@pytest.mark.parametrize("case", cases(GOLDEN), ids=lambda p: p.stem)
def test_golden_files(case: Path) -> None:
    check_case(case)


GOOD = [
    '{"type":"settings","guild":1,"timezone":"UTC"}',
    '{"type":"message","guild":1,"channel":5,"id":1,"ts":"2026-03-01T10:00:00Z","author":10,'
    '"content":"hello <@11>","mentions":[11]}',
]
BAD = {
    "invalid-json": '{"type":"message",',
    "unknown-type": '{"type":"typing","guild":1}',
    "missing-field": '{"type":"message","guild":1,"channel":5,"id":2,"ts":"2026-03-01T10:01:00Z",'
    '"content":"x","mentions":[]}',
    "wrong-type": '{"type":"message","guild":1,"channel":5,"id":"2","ts":"2026-03-01T10:01:00Z",'
    '"author":11,"content":"hello","mentions":[]}',
    "bad-time": '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"yesterday"}',
    "naive-time": '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:05:00"}',
    "bad-timezone": '{"type":"settings","guild":1,"timezone":"Mars/Base"}',
    "unknown-setting": '{"type":"settings","guild":1,"limits":{"speed":3}}',
    "bad-setting-value": '{"type":"settings","guild":1,"limits":{"cooldown_seconds":-5}}',
    "earlier-than-previous": '{"type":"kudos","guild":1,"from":10,"to":11,'
    '"ts":"2026-03-01T09:00:00Z"}',
    "huge-id": '{"type":"message","guild":1,"channel":5,"id":18446744073709551616,'
    '"ts":"2026-03-01T10:01:00Z","author":11,"content":"hello","mentions":[]}',
    "later-than-now": '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-04-01T09:00:00Z"}',
}


@pytest.mark.parametrize("name", list(BAD))
def test_malformed_line_exits_2_names_line_and_applies_nothing(name: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([*GOOD, BAD[name], GOOD[1]]) + "\n", encoding="utf-8")
    db = tmp_path / "k.db"
    result = replay(events, "2026-03-02T00:00:00Z", db)
    assert result.returncode == 2
    assert "line 3" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


def test_bad_now_and_missing_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(GOOD[0] + "\n", encoding="utf-8")
    assert replay(events, "not-a-time").returncode == 2
    assert replay(tmp_path / "missing.jsonl", "2026-03-02T00:00:00Z").returncode == 2


def test_db_keeps_state_and_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    later = tmp_path / "later.jsonl"
    events.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    later.write_text(
        '{"type":"message","guild":1,"channel":5,"id":2,"ts":"2026-03-01T10:05:00Z",'
        '"author":11,"content":"hello back","reply_to":1,"mentions":[]}\n',
        encoding="utf-8",
    )
    db = tmp_path / "k.db"
    now = "2026-03-01T12:00:00Z"
    first = replay(events, now, db)
    assert first.returncode == 0, first.stderr
    again = replay(events, now, db)
    assert json.loads(again.stdout) == json.loads(first.stdout)
    after = json.loads(replay(later, now, db).stdout)
    guild = after["guilds"][0]
    assert guild["pairs"][0]["members"] == [10, 11] and guild["pairs"][0]["current"] == 1
    assert {m["user"]: m["reputation"] for m in guild["members"]} == {10: 1 + 5, 11: 3 + 5}
    assert json.loads(replay(later, now, db).stdout) == after


def test_stdout_is_only_json_with_sorted_keys(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    result = replay(events, "2026-03-01T12:00:00Z")
    parsed = json.loads(result.stdout)
    assert result.stdout.strip() == json.dumps(parsed, sort_keys=True, ensure_ascii=False)
    assert parsed == {
        "guilds": [
            {
                "guild": 1,
                "pairs": [],
                "members": [
                    {"user": 10, "reputation": 1, "badges": []},
                    {"user": 11, "reputation": 0, "badges": []},
                ],
            }
        ]
    }
