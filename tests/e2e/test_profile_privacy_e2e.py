"""/profile never names a partner who keeps their stats private, in the card or the embed."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


async def test_a_private_partner_is_not_named_on_a_profile(harness: Harness) -> None:
    h = harness
    ctl = h.ctl
    alice = await ctl.add_member("alice")
    bob = await ctl.add_member("bob")
    carol = await ctl.add_member("carol")
    for _ in range(3):
        await talk(h, alice, bob, "pairing today")
        h.clock.advance(days=1)
    h.clock.advance(hours=-12)
    await h.settle()
    seen = text_of(await run(h, carol, "profile", {"member": alice}))
    assert f"<@{bob.id}>" in seen  # public: named
    await run(h, bob, "privacy visibility", {"level": "private"})
    hidden = text_of(await run(h, carol, "profile", {"member": alice}))
    assert f"<@{bob.id}>" not in hidden and "a member" in hidden


async def test_a_refused_profile_keeps_the_card_choice_as_it_was(harness: Harness) -> None:
    """`/profile member:<a bot> cards:Text only` is refused, and the choice is not kept
    (found by tests/e2e/test_command_fuzz.py: the error reply left the change behind)."""
    h = harness
    alice = await h.ctl.add_member("alice")
    robot = await h.ctl.add_member("robot", bot=True)
    refused = await run(h, alice, "profile", {"member": robot, "cards": "text"})
    assert refused.ephemeral and "is a bot" in text_of(refused)
    assert h.bot is not None
    assert await h.bot.reads.card_style(h.guild_id, alice.id) == "image"
    kept = await run(h, alice, "profile", {"cards": "text"})
    assert "text only" in text_of(kept)
    assert await h.bot.reads.card_style(h.guild_id, alice.id) == "text"
