"""/mod audit reads as sentences and filters by member and action; every pager shows
`Page x/y`, disables Prev/Next at the ends and has a `My page` button (issue #9)."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox import Message
from bot.sandbox.control import ControlError
from bot.sandbox.model import walk_components
from tests.e2e.conftest import Harness
from tests.e2e.test_challenge_posts_e2e import message_text
from tests.e2e.test_commands_e2e import run, talk, text_of, turn


def bare_ids(text: str) -> list[str]:
    """Digit runs as long as an id, once mentions and timestamps are taken out."""
    return re.findall(r"\d{15,}", re.sub(r"<(@|@&|#|t:)\d+(:\w)?>", "", text))


def entries(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("<t:")]


def buttons(components: list[Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in walk_components(components) if c.get("type") == 2}


def button_id(message: Message, label: str) -> str:
    return str(buttons(message.components)[label]["custom_id"])


async def test_audit_lines_are_readable_and_filter_by_member_and_action(
    harness: Harness,
) -> None:
    h = harness
    owner = h.ctl.owner
    ana = await h.ctl.add_member("ana")
    bo = await h.ctl.add_member("bo")
    cy = await h.ctl.add_member("cy")
    for _ in range(2):  # two mutual days, then three missed ones: the streak breaks
        await talk(h, ana, bo, "pairing on the docs")
        h.clock.advance(days=1)
    h.clock.advance(days=3)
    await h.settle()
    await run(h, owner, "mod adjust-rep", {"member": ana, "amount": 50, "reason": "helped onboard"})
    await run(h, owner, "mod restore-streak", {"member": ana, "partner": bo, "reason": "outage"})
    await run(h, owner, "settings reminders", {"hour": 20})
    await run(h, owner, "badge grant", {"member": cy, "badge": "streak-3"})
    await run(h, owner, "mod exclude", {"member": cy})
    await run(h, owner, "mod include", {"member": cy})

    everything = await run(h, owner, "mod audit")
    assert everything.ephemeral
    text = text_of(everything)
    lines = entries(text)
    assert len(lines) == 6, text
    assert "{" not in text and "}" not in text and not bare_ids(text), text
    assert f"<@{owner.id}> adjusted <@{ana.id}>'s reputation by +50 (reason: helped onboard)" in (
        text
    )
    assert f"restored the streak of <@{ana.id}> & <@{bo.id}> (3 missed days, now 5 days)" in text
    assert "changed settings: reminder hour 18:00 → 20:00" in text
    assert f"gave 🔥 3-day streak to <@{cy.id}>" in text
    assert f"excluded <@{cy.id}>" in text and f"counted <@{cy.id}> again" in text
    assert "Page 1/1" in text
    assert lines[0].endswith("again")  # newest first

    about_ana = text_of(await run(h, owner, "mod audit", {"member": ana}))
    assert len(entries(about_ana)) == 2, about_ana
    assert "reputation" in about_ana and "restored the streak" in about_ana
    assert f"by or about <@{ana.id}>" in about_ana
    about_bo = entries(text_of(await run(h, owner, "mod audit", {"member": bo})))
    assert len(about_bo) == 1 and "restored" in about_bo[0]
    by_owner = entries(text_of(await run(h, owner, "mod audit", {"member": owner})))
    assert len(by_owner) == 6

    badges = entries(text_of(await run(h, owner, "mod audit", {"action": "badges"})))
    assert len(badges) == 1 and "gave 🔥 3-day streak" in badges[0]
    settings = entries(text_of(await run(h, owner, "mod audit", {"action": "settings"})))
    assert len(settings) == 1 and "reminder hour" in settings[0]
    exclusions = entries(text_of(await run(h, owner, "mod audit", {"action": "privacy"})))
    assert len(exclusions) == 2
    only = entries(text_of(await run(h, owner, "mod audit", {"action": "mod.include"})))
    assert len(only) == 1 and "again" in only[0]
    both = entries(
        text_of(await run(h, owner, "mod audit", {"member": cy, "action": "reputation"}))
    )
    assert both == []
    none = await run(h, owner, "mod audit", {"member": cy, "action": "reputation"})
    assert "No moderator actions match" in text_of(none)


async def test_audit_pages_through_many_entries(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    ana = await h.ctl.add_member("ana")
    for i in range(12):
        await run(h, owner, "mod adjust-rep", {"member": ana, "amount": i + 1, "reason": "x"})
    inter = await h.ctl.invoke(owner, "mod audit", {})
    first = await h.ctl.wait_for_response(inter, timeout=10)
    assert "Page 1/2" in text_of(first) and len(entries(text_of(first))) == 10
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    assert buttons(message.components)["◀ Prev"].get("disabled")
    assert "📍 My page" not in buttons(message.components)
    turned = await h.ctl.press_button(owner, message, button_id(message, "Next ▶"))
    second = await h.ctl.wait_for_response(turned, timeout=10)
    assert second.type == 7 and "Page 2/2" in text_of(second)
    assert len(entries(text_of(second))) == 2 and "by +1 " in text_of(second)
    assert buttons(second.components)["Next ▶"].get("disabled")
    later = await run(h, owner, "mod audit", {"page": 2})
    assert "Page 2/2" in text_of(later) and len(entries(text_of(later))) == 2
    beyond = await run(h, owner, "mod audit", {"page": 40})  # past the end: the last page
    assert "Page 2/2" in text_of(beyond)


async def test_leaderboard_pages_my_page_and_the_ends(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    people = [await h.ctl.add_member(f"m{i}") for i in range(25)]
    for i, member in enumerate(people):  # distinct reputations: m0 first … m24 last
        await run(h, owner, "mod adjust-rep", {"member": member, "amount": 100 - i, "reason": "x"})
    last = people[24]
    nobody = await h.ctl.add_member("newcomer")

    inter = await h.ctl.invoke(last, "leaderboard", {"board": "reputation"})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    first = "\n".join([e.get("description", "") for e in message.embeds])
    footer = message.embeds[0]["footer"]["text"]
    assert footer == "Page 1/3 · You: #25 · 76 points", footer
    assert f"🥇 <@{people[0].id}> — **100** points" in first
    assert "`#10`" in first and "`#11`" not in first
    assert buttons(message.components)["◀ Prev"].get("disabled")
    try:
        await h.ctl.press_button(last, message, button_id(message, "◀ Prev"))
    except ControlError as exc:
        assert "disabled" in str(exc)
    else:
        raise AssertionError("Prev is pressable on the first page")

    # only the invoker turns the pages
    stranger = await h.ctl.press_button(people[3], message, button_id(message, "Next ▶"))
    refused = await h.ctl.wait_for_response(stranger, timeout=10)
    assert refused.ephemeral and "Only the person" in text_of(refused)

    jumped = await turn(h, last, message, "📍 My page")
    assert "Page 3/3" in message_text(jumped)
    assert f"`#25` <@{last.id}> — **76** points" in message_text(jumped)
    assert buttons(jumped.components)["Next ▶"].get("disabled")
    assert not buttons(jumped.components)["◀ Prev"].get("disabled")

    page2 = await turn(h, last, message, "◀ Prev")
    assert "Page 2/3" in message_text(page2) and "`#11`" in message_text(page2)
    assert "Page 3/3" in message_text(await turn(h, last, message, "Next ▶"))

    # someone not on the board is told so, and the page stays
    inter = await h.ctl.invoke(nobody, "leaderboard", {"board": "reputation"})
    theirs = await h.ctl.wait_for_reply(inter, timeout=10)
    assert theirs.embeds[0]["footer"]["text"] == "Page 1/3"
    pressed = await h.ctl.press_button(nobody, theirs, button_id(theirs, "📍 My page"))
    told = await h.ctl.wait_for_response(pressed, timeout=10)
    assert told.ephemeral and "not on this board yet" in text_of(told)


async def test_short_boards_say_page_one_of_one_and_use_units(harness: Harness) -> None:
    h = harness
    ana = await h.ctl.add_member("ana")
    bo = await h.ctl.add_member("bo")
    for _ in range(3):
        await talk(h, ana, bo, "pairing today")
        h.clock.advance(days=1)
    h.clock.advance(hours=-12)
    await h.settle()
    streaks = await run(h, ana, "leaderboard", {"board": "streaks"})
    text = text_of(streaks)
    assert f"🥇 <@{ana.id}> & <@{bo.id}> — 🔥 **3** days" in text
    assert "Page 1/1 · You: #1 · 3 days" in text
    assert streaks.components == []  # one page: no buttons
    weekly = text_of(await run(h, ana, "leaderboard", {"board": "weekly"}))
    assert "points" in weekly and "since" in weekly and not re.search(r"\d{4}-\d{2}-\d{2}", weekly)


async def test_many_badges_are_paged(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    ana = await h.ctl.add_member("ana")
    keys = [f"streak-{n}" for n in (3, 7, 14, 30, 50, 100, 365)]
    keys += [f"rep-{n}" for n in (100, 500, 1000, 5000)] + ["connector-5"]
    for key in keys:
        await run(h, owner, "badge grant", {"member": ana, "badge": key})
    inter = await h.ctl.invoke(ana, "badges", {})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    assert message.embeds[0]["footer"]["text"] == "Page 1/2"
    assert message.embeds[0]["description"].count("\n") == 9  # ten a page
    turned = await h.ctl.press_button(ana, message, button_id(message, "Next ▶"))
    page2 = await h.ctl.wait_for_response(turned, timeout=10)
    assert "Page 2/2" in text_of(page2) and page2.embeds[0]["description"].count(" · <t:") == 2
    assert buttons(page2.components)["Next ▶"].get("disabled")
    few = await run(h, owner, "badges", {"member": ana})  # someone else looks: same pages
    assert "Page 1/2" in text_of(few)


async def test_settings_changes_read_before_and_after(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    await run(h, owner, "settings points", {"reply": 5})
    await run(h, owner, "settings limits", {"cooldown_seconds": 30, "streak_mode": "any"})
    await run(h, owner, "settings timezone", {"timezone": "Europe/Amsterdam"})
    await run(h, owner, "settings reminders", {"enabled": False})
    text = text_of(await run(h, owner, "mod audit", {"action": "settings"}))
    assert "{" not in text and not bare_ids(text), text
    assert "points for a reply 3 points → 5 points" in text
    assert "cooldown 60 seconds → 30 seconds" in text
    assert "streak mode both ways each day → either way" in text
    assert "time zone UTC → Europe/Amsterdam" in text
    assert "reminders on → off" in text
