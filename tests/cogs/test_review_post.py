"""The review channel post: a ring of many flags is one short list, not an embed each."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.review import QueueEntry
from bot.storage.review import StoredFlag
from cogs.scheduled._poster import SUMMARY_LINES, flag_summary_embed

AT = datetime(2026, 6, 1, tzinfo=UTC)


def entry(user: int, mode: str = "hold") -> QueueEntry:
    flag = StoredFlag(user, 1, user, "pending", mode, ("cluster", "timing"), {}, AT, AT, None, None)
    return QueueEntry(flag, 3 if mode == "hold" else 0)


def test_one_line_per_flag_with_what_is_held() -> None:
    embed = flag_summary_embed([entry(10), entry(11, "flag")])
    lines = (embed.description or "").splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("<@10> · ") and lines[0].endswith("3 points held")
    assert "held" not in lines[1]


def test_a_long_list_is_capped() -> None:
    embed = flag_summary_embed([entry(u) for u in range(100, 150)])
    lines = (embed.description or "").splitlines()
    assert len(lines) == SUMMARY_LINES + 1 and lines[-1] == "…and 30 more"
    assert len(embed) < 6000
