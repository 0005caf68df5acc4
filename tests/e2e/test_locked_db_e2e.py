"""A database locked by another program (#12 item 7): a command that writes answers inside
Discord's 3 s with a clear, ephemeral "busy" message and changes nothing; once the lock is
gone the same command works."""

from __future__ import annotations

import sqlite3
import time

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import text_of


async def test_a_locked_database_gets_a_clear_answer_in_time(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    ana = await ctl.add_member("ana")
    await h.settle()
    blocker = sqlite3.connect(h.db_path, isolation_level=None, timeout=5)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        began = time.monotonic()
        inter = await ctl.invoke(
            ctl.owner, "mod adjust-rep", {"member": ana, "amount": 50, "reason": "welcome"}
        )
        response = await ctl.wait_for_response(inter, timeout=5)
        if response.type == 5:
            await ctl.wait_for_reply(inter, timeout=5)
            response = await ctl.wait_for_response(inter, timeout=5)
        answered = time.monotonic() - began
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert answered < 3.0
    assert response.ephemeral and "database is busy" in text_of(response)
    inter = await ctl.invoke(
        ctl.owner, "mod adjust-rep", {"member": ana, "amount": 50, "reason": "welcome"}
    )
    ok = await ctl.wait_for_response(inter, timeout=5)
    assert "busy" not in text_of(ok)
    assert h.bot is not None
    member = await h.bot.reads.member(ctl.guild.id, ana.id)
    assert member.reputation == 50  # the refused adjustment changed nothing; the retry did
