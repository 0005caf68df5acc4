"""/streak member answers with the pair's 12-week calendar as a picture (#11), the embed
keeping its text; a member who chose text-only cards gets none."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


async def test_streak_sends_the_pair_calendar(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    for _ in range(4):
        await talk(h, alice, bob, "daily notes")
        h.clock.advance(days=1)
    h.clock.advance(hours=-12)
    await h.settle()
    reply = await run(h, alice, "streak", {"member": bob})
    assert reply.message is not None
    files = [a for a in reply.message.attachments if a.filename == "streak.png"]
    assert len(files) == 1 and files[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    Image.open(io.BytesIO(files[0].data)).load()
    assert (reply.embeds[0].get("image") or {}).get("url") in (
        "attachment://streak.png",
        files[0].url,
    )
    assert "4" in text_of(reply)  # the facts stay in text
    await run(h, alice, "profile", {"cards": "text"})
    plain = await run(h, alice, "streak", {"member": bob})
    assert plain.message is not None and not plain.message.attachments
