"""The challenge results post carries the final standings as a picture (#11); the embed
keeps every fact in text, and members who are not public are not named on it."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.test_challenge_posts_e2e import posts, sprint, with_announcements
from tests.e2e.test_commands_e2e import run, talk


async def test_the_results_post_has_the_standings_picture(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    await sprint(h, join_required=False)
    h.clock.advance(minutes=5)
    await talk(h, alice, bob, "sprint work")
    h.clock.advance(minutes=5)
    await h.settle()
    await run(h, h.ctl.owner, "challenge end", {"challenge": 1})
    await h.settle()
    [post] = posts(h, "has ended")
    pictures = [a for a in post.attachments if a.filename == "challenge.png"]
    assert len(pictures) == 1 and pictures[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (post.embeds[0].get("image") or {}).get("url") in (
        "attachment://challenge.png",
        pictures[0].url,
    )
