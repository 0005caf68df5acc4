"""`python -m bot demo` end to end: a simulated week with everything the bot does."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_demo_shows_a_week_of_kindling() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--seconds", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert "Streaks at risk today" in out  # reminder digest
    assert "nudges" in out  # a member pressed Nudge
    assert "🎉 New badges" in out and "3-day streak" in out  # badge announcements
    assert "has started" in out and "has ended" in out  # a challenge from start to results
    assert "Kindling (edited) in #leaderboard" in out  # the board is edited, not re-posted
    # one live board and one recap: the week in review is a new message
    assert out.count("Kindling in #leaderboard") == 2
    assert "The week in review" in out and "Top members" in out
    assert "Kindling is here" in out  # the welcome post with the setup checklist
    assert "/help" in out and "What counts" in out
    assert "Streak restored" in out  # a moderator's restore, with its reply shown
    assert "Channels updated" in out  # moderators' replies are shown too
    assert "Next: run Kindling on your own server" in out and ".env.example" in out
    assert "history import of the tracked channels: done" in out  # SPEC §8
    assert "🔥 **14** days" in out  # ana & ben's imported fortnight, from the first minute
    assert "Anyone with this link sees the boards" in out and "http://127.0.0.1:" in out
    assert "/profile answered with an image card" in out
    for line in out.splitlines():  # no command line is cut mid-word
        if ": /" in line:
            assert not line.endswith("…"), line
    assert "Demo finished" in out
