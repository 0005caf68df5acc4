"""Member-facing replies through the sandbox (issue #9): thanks explains its points and pings
only the thanked member; ended streaks say so; reminder buttons name the pair; opting out asks
first and tells partners; the export holds names, challenges and streak state."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from typing import Any

import pytest

from bot.sandbox.control import ControlError
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
    assert "Double thanks week ×2: 10 → 20" in text
    assert "@everyone" not in text.replace("@\u200beveryone", "")  # escaped, never a ping
    assert "…" in text and "x" * 170 not in text  # clipped
    assert first.message is not None
    assert first.message.mentions == [bob.id] and not first.message.mention_everyone
    assert first.message.mention_roles == []
    # bob now has 20 of the 30 allowed today: carol's thanks (20 after ×2) is cut to 10
    second = await run(h, carol, "thanks", {"member": bob})
    assert second.content is not None and f"+10 reputation to <@{bob.id}>" in second.content
    text = text_of(second)
    assert "Capped to 10:" in text and "already earned 20 today" in text and "30 a day" in text
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
    assert (
        "🔥 **12** days" in running and "Current 🔥 12\n" in running and "At risk ⏳ yes" in running
    )
    assert "<t:" in running and ":R>" in running  # when the day ends
    assert "❄️ 1 left: covers one missed day" in running
    assert "Last day together yesterday" in running
    assert not ISO_DATE.search(running)
    # two days without talking: the freeze covers one, then the streak is over
    h.clock.advance(days=1)
    frozen = text_of(await run(h, alice, "streak", {"member": bob}))
    assert "❄️ A freeze covered 1 missed day" in frozen and "Current 🔥 12" in frozen
    h.clock.advance(days=1)
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


def button_id(message: Any, label: str) -> str:
    for cid in message.custom_ids():
        if (message.find_component(cid) or {}).get("label") == label:
            return str(cid)
    raise AssertionError(f"no {label!r} button")


async def test_optout_asks_first_cancel_keeps_everything_confirm_tells_partner(
    harness: Harness,
) -> None:
    h = harness
    ctl = h.ctl
    ana = await ctl.add_member("ana", nick="Ana")
    bo = await ctl.add_member("bo", nick="Bo")
    cy = await ctl.add_member("cy", nick="Cy", dms_open=False)
    for _ in range(4):
        await talk(h, ana, bo, "daily sync")
        await talk(h, ana, cy, "daily sync")
        h.clock.advance(days=1)
    await h.settle()
    assert h.bot is not None
    privacy = h.bot.services.privacy
    before = await privacy.export(h.guild_id, ana.id, h.clock())
    assert before["member"]["reputation"] > 0 and len(before["streaks"]) == 2

    asked = await run(h, ana, "privacy optout")
    assert asked.ephemeral and asked.message is not None
    text = text_of(asked)
    assert "Delete your Kindling data?" in text
    assert f"**{before['member']['reputation']}** reputation" in text
    assert "3-day streak" in text  # the badge, by name
    assert "**2** shared streaks (2 running)" in text
    assert f"🔥 4 days with <@{bo.id}>" in text and f"with <@{cy.id}>" in text
    assert "lose these streaks too" in text and "told by DM" in text
    assert await privacy.export(h.guild_id, ana.id, h.clock()) == before  # nothing deleted yet
    # only Ana sees (and can press) her confirmation
    with pytest.raises(ControlError, match="ephemeral"):
        await ctl.press_button(bo, asked.message, button_id(asked.message, "Delete my data"))
    cancel = await ctl.press_button(ana, asked.message, button_id(asked.message, "Cancel"))
    cancelled = await ctl.wait_for_response(cancel)
    assert cancelled.type == 7 and "Nothing was deleted" in text_of(cancelled)
    assert await privacy.export(h.guild_id, ana.id, h.clock()) == before

    asked = await run(h, ana, "privacy optout")
    assert asked.message is not None
    yes = await ctl.press_button(ana, asked.message, button_id(asked.message, "Delete my data"))
    done = await ctl.wait_for_response(yes)
    assert done.type == 7 and "You're opted out" in text_of(done)
    assert "2 partners" in text_of(done)
    dm = await ctl.wait_for_dm(bo, timeout=10)
    assert "Your 4-day streak with **Ana**" in dm.content
    assert "stopped Kindling tracking them" in dm.content and dm.mentions == []
    await h.bot.get_cog("PrivacyCog").drain()  # type: ignore[union-attr]
    assert ctl.dms(cy) == []  # closed DMs: logged, not an error
    after = await privacy.export(h.guild_id, ana.id, h.clock())
    assert after["member"]["opted_out"] and after["streaks"] == [] and after["badges"] == []
    assert "opted out" in text_of(await run(h, bo, "streak", {"member": ana}))


async def test_export_has_names_thanks_challenges_and_streak_state(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    ana = await ctl.add_member("ana", nick="Ana")
    bo = await ctl.add_member("bo", nick="Bo")
    cy = await ctl.add_member("cy", nick="Cy")
    await run(
        h,
        ctl.owner,
        "challenge create",
        {"name": "Spring", "goal": "distinct_partners", "target": 1, "duration": "30d"},
    )
    await run(h, ana, "challenge join", {"challenge": 1})
    h.clock.advance(minutes=1)
    for _ in range(3):
        await talk(h, ana, bo, "daily sync")
        await talk(h, ana, cy, "daily sync")
        h.clock.advance(days=1)
    await talk(h, ana, bo, "daily sync")  # Ana & Bo keep going; Ana & Cy stop
    await run(h, bo, "thanks", {"member": ana, "reason": "for the review"})
    h.clock.advance(days=1)
    await h.settle()
    response = await run(h, ana, "privacy export")
    assert response.ephemeral and response.message is not None
    (attachment,) = response.message.attachments
    data = json.loads(attachment.data)
    assert data["user_name"] == "Ana" and data["names"][str(bo.id)] == "Bo"
    streaks = {s["partner_name"]: s for s in data["streaks"]}
    assert streaks["Cy"]["state"] == "ended" and streaks["Cy"]["current"] == 0
    assert streaks["Cy"]["ended_after_days"] == 3 and streaks["Cy"]["ended_on"]
    assert (
        streaks["Cy"]["summary"].startswith("ended on ")
        and "after 3 days" in streaks["Cy"]["summary"]
    )
    assert streaks["Bo"]["state"] == "at_risk" and streaks["Bo"]["current"] == 4
    assert streaks["Bo"]["summary"] == "running 4 days, at risk: talk today"
    assert "current_run" not in streaks["Bo"]
    (thanks,) = data["thanks"]
    assert thanks["direction"] == "received" and thanks["from_name"] == "Bo"
    assert thanks["reason"] == "for the review"
    (spring,) = data["challenges"]
    assert spring["name"] == "Spring" and spring["joined_at"] and spring["completed"] is True
    assert spring["state"] == "active"
    assert all(i["actor_name"] and i["target_name"] for i in data["interactions"])


async def test_an_unanswered_optout_times_out_to_disabled_buttons_and_keeps_everything(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    ana = await h.ctl.add_member("ana")
    bo = await h.ctl.add_member("bo")
    await talk(h, ana, bo, "hello there")
    await h.settle()
    assert h.bot is not None
    # the module the running bot loaded (extensions are re-imported for each bot)
    loaded = sys.modules[type(h.bot.get_cog("PrivacyCog")).__module__]
    monkeypatch.setattr(loaded, "CONFIRM_SECONDS", 0.3)
    asked = await run(h, ana, "privacy optout")
    assert asked.message is not None
    message = asked.message

    def disabled() -> bool:
        buttons = [message.find_component(c) or {} for c in message.custom_ids()]
        return bool(buttons) and all(b.get("disabled") for b in buttons)

    assert not disabled()
    for _ in range(50):  # the view's own timer (0.3 s) edits the message
        if disabled():
            break
        await asyncio.sleep(0.1)
    assert disabled()
    assert h.bot is not None
    data = await h.bot.services.privacy.export(h.guild_id, ana.id, h.clock())
    assert not data["member"]["opted_out"] and data["interactions"]
    # a second confirmation left open when the bot stops leaves nothing pending (fixture)
    await run(h, ana, "privacy optout")
