"""Member-facing replies through the sandbox (issue #9): thanks explains its points and pings
only the thanked member; ended streaks say so; reminder buttons name the pair; opting out asks
first and tells partners; the export holds names, challenges and streak state."""

from __future__ import annotations

import re

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


async def test_thanks_explains_multiplier_and_cap_and_pings_only_the_thanked(
    harness: Harness,
) -> None:
    h = harness
    ctl = h.ctl
    owner = ctl.owner
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    carol = await ctl.add_member("carol")
    await run(
        h,
        owner,
        "challenge create",
        {
            "name": "Double thanks week",
            "goal": "points",
            "target": 500,
            "duration": "7d",
            "multiplier": 2.0,
            "join_required": False,
        },
    )
    await run(h, owner, "settings limits", {"member_daily_cap": 30})
    h.clock.advance(minutes=1)
    first = await run(
        h, alice, "thanks", {"member": bob, "reason": "great review @everyone <@&1> " + "x" * 170}
    )
    assert not first.ephemeral
    assert first.content is not None and f"+20 reputation to <@{bob.id}>" in first.content
    text = text_of(first)
    assert "Double thanks week ×2" in text
    assert "@everyone" not in text.replace("@\u200beveryone", "")  # escaped, never a ping
    assert "…" in text and "x" * 170 not in text  # clipped
    assert first.message is not None
    assert first.message.mentions == [bob.id] and not first.message.mention_everyone
    assert first.message.mention_roles == []
    # bob now has 20 of the 30 allowed today: carol's thanks (20 after ×2) is cut to 10
    second = await run(h, carol, "thanks", {"member": bob})
    assert second.content is not None and f"+10 reputation to <@{bob.id}>" in second.content
    text = text_of(second)
    assert "Capped" in text and "already earned 20 today" in text and "30 a day" in text
    assert second.message is not None and second.message.mentions == [bob.id]
    # and once the cap is used up, the thanks still goes through but says why it earned nothing
    third = await run(h, owner, "thanks", {"member": bob})
    assert third.content is not None and "Kudos to" in third.content
    assert "already earned 30 today" in text_of(third)
    assert third.message is not None and third.message.mentions == [bob.id]


async def test_streak_wording_running_at_risk_and_ended(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    for _ in range(12):
        await talk(h, alice, bob, "pairing today")
        h.clock.advance(days=1)
    await h.settle()
    # the next day: running, at risk, one freeze earned at day 7
    running = text_of(await run(h, alice, "streak", {"member": bob}))
    assert "Current 🔥 12 days" in running and "At risk ⏳ yes" in running
    assert "<t:" in running and ":R>" in running  # when the day ends
    assert "❄️ 1 left: covers one missed day" in running
    assert "Last day together yesterday" in running
    assert not ISO_DATE.search(running)
    # two days without talking: the freeze covers one, then the streak is over
    h.clock.advance(days=2)
    ended = await run(h, alice, "streak", {"member": bob})
    text = text_of(ended)
    assert "Ended <t:" in text and "after 12 days (best 12)" in text
    assert "Talk to each other today" in text and "/mod restore-streak" in text
    assert "Current" not in text and "At risk" not in text
    assert not ISO_DATE.search(text)
    listed = text_of(await run(h, bob, "streaks"))
    assert f"<@{alice.id}> — 💤 ended <t:" in listed and "after 12 days" in listed
    assert "/mod restore-streak" in listed and not ISO_DATE.search(listed)


async def test_reminder_buttons_name_the_pair(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    ana = await ctl.add_member("ana", nick="Ana")
    bo = await ctl.add_member("bo", global_name="Bo")
    cy = await ctl.add_member("cy", nick="C" * 70)
    dee = await ctl.add_member("dee", nick="D" * 70)
    await run(h, ctl.owner, "settings channels", {"reminders": "#general"})
    for _ in range(3):
        await talk(h, ana, bo, "daily sync")
        await talk(h, cy, dee, "daily sync")
        h.clock.advance(days=1)
    await h.settle()
    h.clock.set(h.clock().replace(hour=18, minute=0))
    assert h.bot is not None and h.bot.jobs is not None
    assert (await h.bot.jobs.run_slot(h.clock()))["reminders"] == 1
    digest = await ctl.wait_for_message(
        "general", predicate=lambda m: "at risk" in (m.content or ""), timeout=10
    )
    labels = {
        cid: (digest.find_component(cid) or {}).get("label", "") for cid in digest.custom_ids()
    }
    assert "👋 Nudge Ana & Bo" in labels.values()
    long = next(label for label in labels.values() if "C" in label)
    assert len(long.encode("utf-16-le")) // 2 <= 80 and "…" in long and "& D" in long
    assert len(set(labels)) == 2  # one custom id per pair
    # a press still works as before: the button belongs to the pair it names
    button = next(cid for cid, label in labels.items() if label == "👋 Nudge Ana & Bo")
    nudge = await ctl.wait_for_response(await ctl.press_button(ana, digest, button))
    assert not nudge.ephemeral and f"<@{bo.id}>" in text_of(nudge)
