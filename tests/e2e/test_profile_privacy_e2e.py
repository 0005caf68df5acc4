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
