"""/profile as an image card through the sandbox: the PNG arrives as an attachment the embed
shows, the embed keeps the facts in text, and a member who chose text gets no picture."""

from __future__ import annotations

import io

from PIL import Image

from bot.images import render
from bot.sandbox import InteractionResponse
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


def card_of(response: InteractionResponse) -> Image.Image | None:
    """The profile card the reply carries (and its embed shows), or None."""
    assert response.message is not None
    files = [a for a in response.message.attachments if a.filename == "profile.png"]
    if not files:
        assert not response.message.attachments
        return None
    (card,) = files
    assert card.data.startswith(b"\x89PNG\r\n\x1a\n")
    image_url = (response.embeds[0].get("image") or {}).get("url")
    # Discord answers with the attachment's CDN address; what the bot sent is attachment://
    assert image_url in ("attachment://profile.png", card.url), image_url
    img = Image.open(io.BytesIO(card.data))
    img.load()
    return img.convert("RGB")


async def test_profile_sends_an_image_card_with_its_text(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    for _ in range(3):
        await talk(h, alice, bob, "pairing today")
        h.clock.advance(days=1)
    h.clock.advance(hours=-12)
    await h.settle()
    profile = await run(h, alice, "profile")
    img = card_of(profile)
    assert img is not None and img.size == (render.WIDTH, render.PROFILE_H)
    assert len(profile.message.attachments[0].data) <= 200 * 1024  # type: ignore[union-attr]
    text = text_of(profile)
    assert "Reputation" in text and "Last 12 weeks" in text
    assert "**3** streak days · " in text
    # somebody else's profile is a card too; the context menu's is private and a card
    assert card_of(await run(h, bob, "profile", {"member": alice})) is not None
    inter = await h.ctl.invoke_menu(bob, "Kindling profile", alice, message=False)
    menu = await h.ctl.wait_for_response(inter, timeout=10)
    if menu.type == 5:  # deferred while the card is drawn: then filled in
        await h.ctl.wait_for_reply(inter, timeout=10)
        menu = await h.ctl.wait_for_response(inter, timeout=10)
    assert menu.ephemeral and card_of(menu) is not None


async def test_a_member_who_chose_text_gets_no_picture_until_they_switch_back(
    harness: Harness,
) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    chose = await run(h, alice, "profile", {"cards": "text"})
    assert card_of(chose) is None and "text only" in text_of(chose)
    assert "Reputation" in text_of(chose)
    later = await run(h, alice, "profile", {"member": bob})  # kept for next time
    assert card_of(later) is None and "Last 12 weeks" in text_of(later)
    # it is alice's choice only: bob still sees pictures
    assert card_of(await run(h, bob, "profile", {"member": alice})) is not None
    back = await run(h, alice, "profile", {"cards": "image"})
    assert card_of(back) is not None and "pictures" in text_of(back)


async def test_a_custom_avatar_is_fetched_from_the_sandbox_and_drawn(harness: Harness) -> None:
    h = harness
    user = h.ctl.world.create_user("ana")
    user.avatar = "0123456789abcdef0123456789abcdef"
    h.ctl.world.add_member(h.guild_id, user.id)
    await h.ctl.flush()
    img = card_of(await run(h, user, "profile"))
    assert img is not None
    # the sandbox's CDN answers avatars with one colour, worked out from the user id
    seed = sum(str(user.id).encode())
    want = ((seed * 53) % 200 + 40, (seed * 97) % 200 + 40, (seed * 31) % 200 + 40)
    got = img.getpixel((render.PAD + 20, 30 + render.AVATAR // 2))
    assert isinstance(got, tuple)
    assert all(abs(int(g) - w) <= 12 for g, w in zip(got, want, strict=True)), (got, want)
