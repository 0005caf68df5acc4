"""SPEC §10 in replay: passes at each local day end and at --now, the `review` output."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.__main__ import replay_command
from tests.services.test_review_lifecycle import RING, T0, traffic

NOW = T0 + timedelta(days=3)


def stamp(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


def lines(mode: str | None, days: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if mode is not None:
        out.append({"type": "settings", "guild": 1, "review_mode": mode})
    for rec in traffic(range(0, days)):
        if hasattr(rec, "content"):
            out.append(
                {
                    "type": "message",
                    "guild": 1,
                    "channel": 5,
                    "id": rec.id,
                    "ts": stamp(rec.ts),
                    "author": rec.author,
                    "content": rec.content,
                    "mentions": list(rec.mentions),
                }
            )
        else:
            joined = rec.joined_at
            assert joined is not None
            out.insert(
                0,
                {
                    "type": "member",
                    "guild": 1,
                    "user": rec.user,
                    "bot": False,
                    "joined_at": stamp(joined),
                },
            )
    return out


def replay(tmp_path: Path, mode: str | None, now: datetime = NOW, days: int = 3) -> dict[str, Any]:
    path = tmp_path / f"{mode}-{days}.jsonl"
    events = lines(mode, days)
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    code, out, err = replay_command(path, stamp(now))
    assert code == 0, err
    return dict(json.loads(out)["guilds"][0])


def test_hold_lists_flagged_members_with_held_points_out_of_reputation(tmp_path: Path) -> None:
    guild = replay(tmp_path, None)  # hold is the default
    review = guild["review"]
    assert [r["user"] for r in review] == RING
    for r in review:
        assert r["reasons"] == sorted(r["reasons"]) and len(r["reasons"]) >= 2
        assert r["held"] > 0
    reputation = {m["user"]: m["reputation"] for m in guild["members"]}
    assert all(reputation[u] == 0 for u in RING)  # flagged members stay in members
    assert list(guild) == sorted(guild)  # keys sorted, review after pairs


def test_flag_mode_holds_nothing(tmp_path: Path) -> None:
    held = replay(tmp_path, "hold")
    flagged = replay(tmp_path, "flag")
    assert [r["user"] for r in flagged["review"]] == RING
    assert all(r["held"] == 0 for r in flagged["review"])
    by_user = {m["user"]: m["reputation"] for m in flagged["members"]}
    held_rep = {m["user"]: m["reputation"] for m in held["members"]}
    for r in held["review"]:
        assert by_user[r["user"]] == held_rep[r["user"]] + r["held"]


def test_off_has_no_review_key(tmp_path: Path) -> None:
    assert "review" not in replay(tmp_path, "off")


def test_flagged_within_a_day_of_the_ring_starting(tmp_path: Path) -> None:
    # the ring starts on day 1 at 09:00 UTC; the end-of-day pass of day 1 flags it
    guild = replay(tmp_path, None, now=T0 + timedelta(days=2), days=2)
    assert [r["user"] for r in guild["review"]] == RING
