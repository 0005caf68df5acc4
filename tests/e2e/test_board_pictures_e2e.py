"""`/leaderboard` pages and `/challenge info` carry a picture (#11): `board.png` for the page
shown, replaced when the page turns, and `challenge.png` of a challenge's progress. The embed
keeps every fact in text; text-only members get no picture."""

from __future__ import annotations

from typing import Any

from bot.sandbox import Message
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of, turn

PNG = b"\x89PNG\r\n\x1a\n"


def pictures(message: Any, name: str) -> list[Any]:
    return [a for a in message.attachments if a.filename == name]


def image_url(message: Any) -> str | None:
    return (message.embeds[0].get("image") or {}).get("url")


async def ranked_members(h: Harness, count: int) -> list[Any]:
    people = [await h.ctl.add_member(f"member{i:02d}") for i in range(count)]
    for i, member in enumerate(people):  # distinct reputations: member00 first
        await run(
            h, h.ctl.owner, "mod adjust-rep", {"member": member, "amount": 100 - i, "reason": "x"}
        )
    return people


async def test_each_leaderboard_page_has_its_picture(harness: Harness) -> None:
    h = harness
    people = await ranked_members(h, 15)
    viewer = people[14]
    inter = await h.ctl.invoke(viewer, "leaderboard", {"board": "reputation"})
    message: Message = await h.ctl.wait_for_reply(inter, timeout=10)
    [first] = pictures(message, "board.png")
    assert first.data.startswith(PNG)
    assert image_url(message) in ("attachment://board.png", first.url)
    # the text is all still there for screen readers and clients that hide images
    assert f"🥇 <@{people[0].id}> — **100** points" in message.embeds[0]["description"]

    edited = await turn(h, viewer, message, "Next ▶")
    assert "Page 2/2" in edited.embeds[0]["footer"]["text"]
    [second] = pictures(edited, "board.png")  # replaced, not added beside the first
    assert second.data.startswith(PNG) and second.data != first.data
    assert image_url(edited) in ("attachment://board.png", second.url)


async def test_a_text_only_member_and_an_empty_board_get_no_picture(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    empty = await h.ctl.invoke(alice, "leaderboard", {"board": "streaks"})
    message = await h.ctl.wait_for_reply(empty, timeout=10)
    assert "Nobody on this board yet" in message.embeds[0]["description"]
    assert not message.attachments and image_url(message) is None

    people = await ranked_members(h, 3)
    await run(h, alice, "profile", {"cards": "text"})
    inter = await h.ctl.invoke(alice, "leaderboard", {"board": "reputation"})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    assert f"<@{people[0].id}>" in message.embeds[0]["description"]
    assert not message.attachments and image_url(message) is None

    # another member who kept pictures gets the same board with its picture
    inter = await h.ctl.invoke(people[1], "leaderboard", {"board": "reputation"})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    assert len(pictures(message, "board.png")) == 1


async def test_challenge_info_shows_live_progress(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {
            "name": "Sprint",
            "goal": "points",
            "target": 50,
            "duration": "1d",
            "join_required": False,
        },
    )
    assert made.ephemeral, text_of(made)
    h.clock.advance(minutes=5)
    await talk(h, alice, bob, "sprint work")
    h.clock.advance(minutes=5)
    await h.settle()

    inter = await h.ctl.invoke(alice, "challenge info", {"challenge": 1})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    [picture] = pictures(message, "challenge.png")
    assert picture.data.startswith(PNG)
    assert image_url(message) in ("attachment://challenge.png", picture.url)
    fields = {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}
    assert "Your progress" in fields  # the text keeps the facts

    # nobody with progress yet (joining required, nobody joined): text only
    await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Relay", "goal": "points", "target": 50, "duration": "1d"},
    )
    inter = await h.ctl.invoke(alice, "challenge info", {"challenge": 2})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    assert "Your progress" in message.embeds[0]["fields"][-1]["name"]
    assert not message.attachments and image_url(message) is None


async def test_challenge_info_before_the_start_has_no_picture(harness: Harness) -> None:
    h = harness
    await h.ctl.add_member("alice")
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Later", "goal": "points", "target": 5, "duration": "1d", "start": "in 2h"},
    )
    assert made.ephemeral, text_of(made)
    inter = await h.ctl.invoke(h.ctl.owner, "challenge info", {"challenge": 1})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    fields = {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}
    assert fields.get("State") == "scheduled", fields
    assert not message.attachments and image_url(message) is None
