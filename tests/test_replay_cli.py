"""`python -m bot replay` (SPEC §9): the command line in a real subprocess where the process
matters (exit codes, only JSON on stdout, the worked examples end to end, --db across runs),
and in this process (``replay_command``, the CLI's own body) where only the JSON is compared.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.oracle.engine import run_engine_file

GOLDEN = Path(__file__).parent / "golden"


def replay(file: Path, now: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "bot", "replay", str(file), "--now", now]
    if db is not None:
        cmd += ["--db", str(db)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)  # noqa: S603


def cases(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def expected_of(case: Path) -> object:
    return json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))


def now_of(case: Path) -> str:
    return case.with_suffix(".now").read_text(encoding="utf-8").strip()


def test_worked_examples_from_the_spec_through_the_cli(examples_dir: Path) -> None:
    found = cases(examples_dir)
    assert len(found) >= 4, "no worked examples found"
    for case in found:
        result = replay(case, now_of(case))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == expected_of(case)
        # the in-process run the other tests use prints the very same bytes
        assert run_engine_file(case, now_of(case)) == (0, result.stdout, "")


@pytest.mark.parametrize("case", cases(GOLDEN), ids=lambda p: p.stem)
def test_golden_files(case: Path) -> None:
    code, out, err = run_engine_file(case, now_of(case))
    assert code == 0, err
    assert json.loads(out) == expected_of(case)


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


def write_events(tmp_path: Path, bad: str) -> Path:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([*GOOD, bad, GOOD[1]]) + "\n", encoding="utf-8")
    return events


def assert_untouched(db: Path) -> None:
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


@pytest.mark.parametrize("name", list(BAD))
def test_malformed_line_names_line_and_applies_nothing(name: str, tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    code, out, err = run_engine_file(write_events(tmp_path, BAD[name]), "2026-03-02T00:00:00Z", db)
    assert (code, out) == (2, "")
    assert err.startswith("line 3: ")
    assert_untouched(db)


HOSTILE = {
    "invalid-json": BAD["invalid-json"],
    "digits": '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:05:00Z","id":'
    + "7" * 5000
    + "}",
    "deep": '{"type":"settings","guild":1,"points":' + "[" * 50_000 + "]" * 50_000 + "}",
    "surrogate": '{"type":"\\ud800","guild":1}',
    "year-overflow": '{"type":"kudos","guild":1,"from":10,"to":11,'
    '"ts":"0001-01-01T00:00:00+01:00"}',
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_malformed_line_exits_2_through_the_cli(name: str, tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    result = replay(write_events(tmp_path, HOSTILE[name]), "2026-03-02T00:00:00Z", db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: line 3: ")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert_untouched(db)


def test_bad_now_and_missing_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(GOOD[0] + "\n", encoding="utf-8")
    assert replay(events, "not-a-time").returncode == 2
    assert replay(tmp_path / "missing.jsonl", "2026-03-02T00:00:00Z").returncode == 2
    code, _, err = run_engine_file(events, "9999-12-31T23:00:00-05:00")
    assert code == 2 and err.startswith("field '--now' is out of range")


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
