"""/mod restore-streak through the real bot: the usual case (a pair missed a day, then kept
talking) is joined, the joined length is paid, and the audit log keeps it."""

from __future__ import annotations

import re

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


async def test_restore_joins_the_runs_and_pays_the_milestone(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    owner = ctl.owner
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    await run(h, owner, "settings limits", {"max_freezes": 0})
    for day in range(10):
        if day != 5:  # the day they missed
            await talk(h, alice, bob, f"standup notes {day}")
        h.clock.advance(days=1)
    await h.settle()
    before = text_of(await run(h, alice, "streak", {"member": bob}))
    assert re.search(r"🔥 \**4\b", before) and not re.search(r"🔥 \**10\b", before)
    reply = await run(
        h, owner, "mod restore-streak", {"member": alice, "partner": bob, "reason": "outage"}
    )
    text = text_of(reply)
    assert reply.ephemeral
    assert "Streak restored" in text and "1 missed day" in text
    assert "4 → 🔥 **10 days**" in text and "7-day (+25 each)" in text
    after = text_of(await run(h, alice, "streak", {"member": bob}))
    assert re.search(r"🔥 \**10\b", after)
    badges = text_of(await run(h, bob, "badges"))
    assert "7-day streak" in badges
    audit = text_of(await run(h, owner, "mod audit"))
    assert "restore" in audit.lower()
    again = await run(h, owner, "mod restore-streak", {"member": alice, "partner": bob})
    assert again.ephemeral and "no break" in text_of(again)
