"""Scheduled work through the real bot: reminders, DMs, Nudge, badge roles on award."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


async def test_reminder_digest_dm_nudge_once_and_role_on_award(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    owner = ctl.owner
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    carol = await ctl.add_member("carol")
    role = await ctl.add_role("On fire", position=1)
    await run(h, owner, "settings channels", {"reminders": "#general"})
    await run(h, owner, "badge link-role", {"badge": "streak-3", "role": role})
    await run(h, bob, "notify dm")
    for _ in range(3):
        await talk(h, alice, bob, "daily sync")
        h.clock.advance(days=1)
    await h.settle()
    await ctl.wait_for_role_change(alice, role, added=True, timeout=10)  # streak-3 earned
    # the next day, 18:00: the slot job runs with the simulated time
    h.clock.set(h.clock().replace(hour=18, minute=0))
    assert h.bot is not None and h.bot.jobs is not None
    done = await h.bot.jobs.run_slot(h.clock())
    assert done["reminders"] == 1
    await h.settle()
    dm = await ctl.wait_for_dm(bob, timeout=10)
    assert "Your streaks" in dm.content and f"<@{alice.id}>" in dm.content
    digest = await ctl.wait_for_message(
        "general", predicate=lambda m: "at risk" in (m.content or ""), timeout=10
    )
    assert f"<@{alice.id}>" in digest.content and f"<@{bob.id}>" in digest.content
    button = digest.custom_ids()[0]
    refused = await ctl.wait_for_response(await ctl.press_button(carol, digest, button))
    assert refused.ephemeral and "can nudge" in text_of(refused)
    nudge = await ctl.wait_for_response(await ctl.press_button(alice, digest, button))
    assert not nudge.ephemeral and "nudges" in text_of(nudge)
    again = await ctl.wait_for_response(await ctl.press_button(alice, digest, button))
    assert again.ephemeral and "already nudged" in text_of(again)
    # the same slot again (say, after a restart) posts nothing more
    assert (await h.bot.jobs.run_slot(h.clock()))["reminders"] == 0
