"""Discord having a bad moment (#12 fault injection): a 500 from the API on the bot's post is
retried and goes through; nothing is lost, nothing crashes. (429s: the history import's
e2e test keeps to the sandbox's rate-limit buckets.)"""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk

POST = "POST /channels/{channel_id}/messages"


async def test_a_server_error_on_the_board_post_is_retried(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    ctl = h.ctl
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    await run(h, ctl.owner, "settings channels", {"leaderboard": "#general"})
    await talk(h, alice, bob, "first talk")
    await h.settle()
    h.sandbox.fail_next(POST, 500, times=1)
    assert h.bot is not None and h.bot.jobs is not None
    done = await h.bot.jobs.run_slot(h.clock())
    assert done["boards"] == 1
    failed = [r for r in h.sandbox.requests if r.route == POST and r.status == 500]
    assert len(failed) == 1  # answered 500 once, then posted
    board = await ctl.wait_for_message(
        "general", predicate=lambda m: any("This week" in (e.get("title") or "") for e in m.embeds)
    )
    assert board.embeds
    assert not [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot")
    ]
