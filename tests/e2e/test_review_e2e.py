"""Authenticity review end to end: a ring farming each other through the sandbox is flagged by
the scheduled review job, the moderators' channel hears of it, and a moderator approves in
/mod review (SPEC §10)."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.model import Overwrite
from bot.sandbox.permissions import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, text_of

CANNED = [
    "great point, totally agree with this one",
    "thanks for sharing that, really helpful stuff",
    "this is exactly what we needed here today",
]


async def test_a_ring_is_flagged_and_a_moderator_approves(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    guild = ctl.guild
    mods = await ctl.add_channel(
        "mods",
        overwrites=[
            Overwrite(guild.id, 0, deny=VIEW_CHANNEL),
            Overwrite(ctl.world.bot_user.id, 1, allow=VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS),
        ],
    )
    owner = ctl.owner
    # a public channel is refused: flags name members
    public = await run(h, owner, "settings review", {"channel": ctl.channel(None)})
    assert public.ephemeral and "visible to everyone" in text_of(public)
    done = await run(h, owner, "settings review", {"channel": mods})
    assert "Authenticity review updated" in text_of(done)

    old = h.clock.now() - timedelta(days=400)
    honest = [await ctl.add_member(f"honest{i}", joined_at=old) for i in range(12)]
    ring = [await ctl.add_member(f"alt{i}") for i in range(5)]
    for i in range(24):  # honest chatter with varied text
        a, b = honest[i % 12], honest[(i * 5 + 3) % 12]
        await ctl.send_message(a, f"hey <@{b.id}> question number {i} about the {i * 7} docs")
        h.clock.advance(seconds=17 + (i * 37) % 400)
    for i in range(125):  # the ring: canned text every 61 s
        a, b = ring[i % 5], ring[(i + 2) % 5]
        await ctl.send_message(a, f"{CANNED[i % 3]} <@{b.id}>")
        h.clock.advance(seconds=61)
    await h.settle()
    assert h.bot is not None and h.bot.jobs is not None
    found = await h.bot.jobs.run_reviews(h.clock.now())
    assert found == 5
    post = await ctl.wait_for_message(channel=mods, timeout=10)
    assert "new authenticity flag" in (post.content or "")
    assert all(m.id not in {r.id for r in ring} for m in post.mentions)  # pings nobody

    inter = await ctl.invoke(owner, "mod review", {})
    queue = await ctl.wait_for_response(inter, timeout=10)
    assert queue.ephemeral and "Authenticity review" in text_of(queue)
    shown = text_of(queue)
    assert any(f"<@{r.id}>" in shown for r in ring) and "points held" in shown
    assert "1/5" in shown
    message = await ctl.wait_for_reply(inter, timeout=10)
    approve = message.custom_ids()[0]  # Approve, Reject, Next
    pressed = await ctl.press_button(owner, message, approve)
    after = await ctl.wait_for_response(pressed, timeout=10)
    assert after.type == 7 and "Approved" in (after.content or "")
    assert "1/4" in text_of(after)
    await h.settle()
    audit = await run(h, owner, "mod audit")
    assert "approved <@" in text_of(audit) and "after review" in text_of(audit)
