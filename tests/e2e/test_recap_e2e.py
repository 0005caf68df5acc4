"""The live board and the weekly recap through the real bot (SPEC §6): the board is edited
in place; at the period end (Monday 12:00 by default) a recap of the completed week is
posted as a new message naming its top members and pairs, once, also after downtime."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.model import Message
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk


def recap_messages(h: Harness) -> list[Message]:
    return [
        m
        for m in h.ctl.messages("general")
        if m.author_id == h.ctl.bot.id
        and any("in review" in (e.get("title") or "") for e in m.embeds)
    ]


def embed_text(message: Message) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_weekly_recap_posted_once_and_after_downtime(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    owner = ctl.owner
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    await run(h, owner, "settings channels", {"leaderboard": "#general"})
    assert h.bot is not None and h.bot.jobs is not None
    await h.bot.jobs.run_slot(h.clock())  # Monday 1 June 09:00: the live board appears
    await h.settle()
    board = await ctl.wait_for_message(
        "general", predicate=lambda m: any("This week" in (e.get("title") or "") for e in m.embeds)
    )
    h.clock.advance(hours=4)  # the period runs from Monday 12:00
    for _ in range(4):  # Monday to Thursday: a 4-day streak
        await talk(h, alice, bob, "pairing on the docs")
        h.clock.advance(days=1)
    await h.settle()
    # the week ends on Monday 8 June 12:00 (local = UTC here)
    h.clock.set(h.clock().replace(day=8, hour=12, minute=0))
    await h.bot.jobs.run_slot(h.clock())
    await h.settle()
    recap = await ctl.wait_for_message(
        "general",
        after=board,
        predicate=lambda m: any("in review" in (e.get("title") or "") for e in m.embeds),
    )
    text = embed_text(recap)
    assert f"<@{alice.id}>" in text and f"<@{bob.id}>" in text
    assert "Top members" in text and "Top pairs" in text and "4 streak days" in text
    assert "reached 3 days" in text  # the 3-day milestone of that week
    assert not recap.mentions and not getattr(recap, "mention_everyone", False)
    # the top members as a picture too (#11); the embed's fields keep the text
    pictures = [a for a in recap.attachments if a.filename == "board.png"]
    assert len(pictures) == 1 and pictures[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (recap.embeds[0].get("image") or {}).get("url") in (
        "attachment://board.png",
        pictures[0].url,
    )
    # the board was edited in place, never posted again
    boards = [
        m
        for m in ctl.messages("general")
        if m.author_id == ctl.bot.id
        and any("This week" in (e.get("title") or "") for e in m.embeds)
    ]
    assert [m.id for m in boards] == [board.id]
    # once per period: the same slot again, and a restart, post nothing more
    await h.bot.jobs.run_slot(h.clock() + timedelta(minutes=15))
    await h.stop_bot()
    await h.start_bot()
    await h.settle()
    assert h.bot is not None and h.bot.jobs is not None
    await h.bot.jobs.run_slot(h.clock() + timedelta(minutes=30))
    await h.settle()
    assert len(recap_messages(h)) == 1

    # a week of talk, then the bot is down over the next Monday noon
    for _ in range(3):
        h.clock.advance(days=1)
        await talk(h, alice, bob, "another week")
    await h.settle()
    await h.stop_bot()
    h.clock.set(h.clock().replace(day=15, hour=16, minute=0))
    await h.start_bot()  # the slot runs once at start-up: the missed recap is posted
    await h.settle()
    await ctl.wait_for(lambda: len(recap_messages(h)) == 2 or None, timeout=10, what="recap 2")
    assert h.bot is not None and h.bot.jobs is not None
    await h.bot.jobs.run_slot(h.clock())
    await h.settle()
    assert len(recap_messages(h)) == 2
