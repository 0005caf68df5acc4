"""Fuzzing the replay input (#12): structure-aware mutations of valid lines. Every file
either replays (exit 0) or stops with exit 2 and a message naming the line, and a stopped
file applies nothing to `--db`. Never a traceback. `make fuzz` runs 10,000 cases."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import replay_command

NOW = "2026-06-01T00:00:00Z"
HUGE = "__an integer of 5,000 digits__"  # json.dumps cannot write one; put in as text
EXAMPLES = int(os.environ.get("KINDLING_FUZZ_EXAMPLES", "120"))

VALID: list[dict[str, Any]] = [
    {
        "type": "settings",
        "guild": 1,
        "timezone": "Europe/Amsterdam",
        "limits": {"cooldown_seconds": 30},
    },
    {"type": "member", "guild": 1, "user": 10, "bot": False, "joined_at": "2026-01-01T00:00:00Z"},
    {
        "type": "message",
        "guild": 1,
        "channel": 100,
        "id": 1000,
        "ts": "2026-03-01T10:00:00Z",
        "author": 10,
        "content": "hi <@11>",
        "mentions": [11],
    },
    {
        "type": "message",
        "guild": 1,
        "channel": 100,
        "id": 1001,
        "ts": "2026-03-01T10:02:00Z",
        "author": 11,
        "content": "hello back",
        "reply_to": 1000,
    },
    {
        "type": "reaction",
        "guild": 1,
        "channel": 100,
        "message": 1000,
        "user": 11,
        "emoji": "👍",
        "ts": "2026-03-01T10:03:00Z",
    },
    {
        "type": "kudos",
        "guild": 1,
        "from": 10,
        "to": 11,
        "ts": "2026-03-01T10:04:00Z",
        "reason": "thanks!",
    },
    {
        "type": "challenge",
        "guild": 1,
        "id": 7,
        "name": "Spring",
        "goal": "distinct_partners",
        "target": 3,
        "starts": "2026-03-01T00:00:00Z",
        "ends": "2026-03-08T00:00:00Z",
        "multiplier": 2.0,
        "join_required": False,
    },
    {"type": "join", "guild": 1, "challenge": 7, "user": 10, "ts": "2026-03-01T10:05:00Z"},
]

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.just(HUGE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.just("\ud800"),
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "2026-03-01",
            "2026-03-01T10:00:00+25:00",
            "Mars/Olympus",
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def mutated_line(draw: st.DrawFn) -> str:
    """A valid line changed the way broken files are: a field dropped, retyped or renamed, a
    value out of range, the JSON cut or nested to death, bytes that are not UTF-8."""
    base = dict(draw(st.sampled_from(VALID)))
    kind = draw(st.sampled_from(["drop", "retype", "extra", "type", "cut", "deep", "raw", "same"]))
    keys = sorted(base)
    if kind == "drop":
        base.pop(draw(st.sampled_from(keys)))
    elif kind == "retype":
        base[draw(st.sampled_from(keys))] = draw(ODD_VALUES)
    elif kind == "extra":
        base[draw(st.text(min_size=1, max_size=8))] = draw(ODD_VALUES)
    elif kind == "type":
        base["type"] = draw(st.sampled_from(["", "messages", "MESSAGE", "settings ", "join"]))
    text = json.dumps(base, ensure_ascii=draw(st.booleans()))
    text = text.replace(json.dumps(HUGE), "9" * 5000)
    if kind == "cut":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif kind == "deep":
        depth = draw(st.sampled_from([50, 5000, 100_000]))
        text = text[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
    elif kind == "raw":
        text = draw(st.text(max_size=40))
    return text


def snapshot(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
    finally:
        conn.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=st.integers(0, 3),
    line=mutated_line(),
    binary=st.sampled_from([b"", b"\xff\xfe", b"\xc3("]),
)
def test_any_mutated_file_replays_or_names_its_line_and_applies_nothing(
    tmp_path_factory: Any, before: int, line: str, binary: bytes
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    seeded = tmp_path_factory.getbasetemp() / "seeded.db"
    if not seeded.exists():  # one database with data, copied for every case
        seed = tmp / "seed.jsonl"
        seed.write_text("\n".join(json.dumps(v) for v in VALID) + "\n")
        assert replay_command(seed, NOW, str(seeded))[0] == 0
    db = tmp / "k.db"
    shutil.copy(seeded, db)
    prior = snapshot(db)
    path = tmp / "events.jsonl"
    body = "\n".join([*(json.dumps(v) for v in VALID[:before]), line]).encode(
        "utf-8", "surrogatepass"
    )
    path.write_bytes(body + binary + b"\n")
    code, out, err = replay_command(path, NOW, str(db))
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("line "), err
        assert out == ""
        assert snapshot(db) == prior  # nothing of the file was applied
    else:
        assert json.loads(out)["guilds"] is not None
