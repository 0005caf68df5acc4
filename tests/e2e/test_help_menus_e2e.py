"""/help and the context menus through the sandbox (SPEC §7)."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


async def test_help_for_a_member_and_for_a_moderator(harness: Harness) -> None:
    h = harness
    member = await h.ctl.add_member("newbie")
    shown = await run(h, member, "help")
    text = text_of(shown)
    assert shown.ephemeral
    assert "What counts" in text and "❄️ freeze" in text and "/thanks member" in text
    assert "/mod " not in text and "Not set up yet" not in text
    mod = await run(h, h.ctl.owner, "help")
    text = text_of(mod)
    assert "/mod restore-streak" in text and "Not set up yet" in text
    assert "No reminder channel" in text


async def test_thank_and_profile_from_the_context_menus(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    await talk(h, alice, bob, "pairing today")
    await h.settle()
    message = await h.ctl.send_message(bob, "here is the fix for the flaky test")
    await h.settle()
    inter = await h.ctl.invoke_menu(alice, "Thank", message, message=True)
    thanked = await h.ctl.wait_for_response(inter, timeout=10)
    assert not thanked.ephemeral and "thanked" in text_of(thanked)
    assert f"<@{bob.id}>" in text_of(thanked)
    again = await h.ctl.invoke_menu(alice, "Thank", bob, message=False)
    refused = await h.ctl.wait_for_response(again, timeout=10)
    assert refused.ephemeral and "already thanked" in text_of(refused)
    inter = await h.ctl.invoke_menu(alice, "Kindling profile", bob, message=False)
    profile = await h.ctl.wait_for_response(inter, timeout=10)
    if profile.type == 5:  # deferred while the card is drawn: then filled in
        await h.ctl.wait_for_reply(inter, timeout=10)
        profile = await h.ctl.wait_for_response(inter, timeout=10)
    assert profile.ephemeral and "Reputation" in text_of(profile)


async def test_an_ended_challenge_cannot_be_left(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Sprint", "goal": "points", "target": 5, "duration": "1h"},
    )
    assert "Sprint" in text_of(made)
    joined = await run(h, alice, "challenge join", {"challenge": 1})
    assert "joined" in text_of(joined)
    h.clock.advance(hours=2)
    left = await run(h, alice, "challenge leave", {"challenge": 1})
    assert left.ephemeral and "history" in text_of(left)
    huge = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {
            "name": "Forever",
            "goal": "points",
            "target": 5,
            "start": "9999-12-30",
            "duration": "99999999d",
        },
    )
    assert huge.ephemeral and "too long" in text_of(huge)


async def test_kudos_and_badge_emoji_must_be_emoji(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    for bad in ("not an emoji", "@everyone", "<:nope:123456789012345678>"):
        refused = await run(h, owner, "settings limits", {"kudos_emoji": bad})
        assert refused.ephemeral and "emoji" in text_of(refused), bad
    ok = await run(h, owner, "settings limits", {"kudos_emoji": "🔥"})
    assert "Limits updated" in text_of(ok)
    badge = await run(h, owner, "badge create", {"name": "Helper", "emoji": "@everyone"})
    assert badge.ephemeral and "not an emoji" in text_of(badge)
    made = await run(h, owner, "badge create", {"name": "Helper", "emoji": "🦉"})
    assert "Created" in text_of(made)
