"""Every command's main path and main refusal through the sandbox (SPEC §7)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.sandbox import Interaction, InteractionResponse, Message
from bot.sandbox.control import ControlError
from bot.sandbox.model import walk_components
from tests.e2e.conftest import Harness


def text_of(response: InteractionResponse) -> str:
    parts = [response.content or ""]
    for embed in response.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


async def run(
    h: Harness,
    who: Any,
    command: str,
    options: dict[str, Any] | None = None,
    *,
    check_permissions: bool = True,
) -> InteractionResponse:
    """Invoke as `who`; check_permissions=False is a server whose integration settings let
    everyone see the moderator groups (their default_member_permissions hide them)."""
    inter: Interaction = await h.ctl.invoke(
        who, command, options or {}, check_permissions=check_permissions
    )
    response = await h.ctl.wait_for_response(inter, timeout=10)
    if response.type == 5:  # deferred: wait for the follow-up that fills it
        await h.ctl.wait_for_reply(inter, timeout=10)
        response = await h.ctl.wait_for_response(inter, timeout=10)
    return response


async def turn(h: Harness, who: Any, message: Message, label: str) -> Message:
    """Press `label` under the pager and return its message once the page is shown: updated
    at once (a text-only pager), or acknowledged first and then edited (a page drawn as a
    picture too)."""
    live = h.ctl.world.messages[message.id]
    edits = len(live.edits)
    [custom_id] = [
        str(c["custom_id"])
        for c in walk_components(message.components)
        if c.get("type") == 2 and c.get("label") == label
    ]
    press = await h.ctl.press_button(who, message, custom_id)
    response = await h.ctl.wait_for_response(press, timeout=10)
    assert response.type in (6, 7), response.type
    for _ in range(500):
        if len(live.edits) > edits:
            return live
        await asyncio.sleep(0.02)
    raise AssertionError(f"pressing {label!r} did not change the page within 10 s")


async def talk(h: Harness, a: Any, b: Any, text: str) -> None:
    first = await h.ctl.send_message(a, f"{text} <@{b.id}>")
    await h.ctl.send_message(b, f"re: {text}", reply_to=first)


def moderator_invocations(member: Any, other: Any) -> dict[str, dict[str, Any]]:
    return {
        "settings show": {},
        "settings timezone": {"timezone": "UTC"},
        "settings channels": {},
        "settings reminders": {},
        "settings points": {},
        "settings limits": {},
        "settings leaderboard": {},
        "challenge create": {"name": "x", "goal": "points", "target": 5, "duration": "1d"},
        "challenge edit": {"challenge": 1},
        "challenge end": {"challenge": 1},
        "challenge cancel": {"challenge": 1},
        "badge create": {"name": "helper"},
        "badge grant": {"member": other, "badge": "streak-3"},
        "badge revoke": {"member": other, "badge": "streak-3"},
        "badge link-role": {"badge": "streak-3"},
        "mod restore-streak": {"member": member, "partner": other},
        "mod adjust-rep": {"member": other, "amount": 5, "reason": "x"},
        "mod exclude": {"member": other},
        "mod include": {"member": other},
        "mod audit": {},
        "mod review": {},
        "settings review": {"mode": "flag"},
    }


async def test_a_plain_member_is_refused_every_moderator_command(harness: Harness) -> None:
    h = harness
    member = await h.ctl.add_member("plain")
    other = await h.ctl.add_member("other")
    for command, options in moderator_invocations(member, other).items():
        hidden = command.split()[0] in ("settings", "badge", "mod")
        if hidden:  # Discord does not even offer these groups to a plain member
            with pytest.raises(ControlError, match="default_member_permissions"):
                await h.ctl.invoke(member, command, options)
        # and where a server shows them to everyone, the bot still refuses
        response = await run(h, member, command, options, check_permissions=not hidden)
        assert response.ephemeral, command
        assert "Only moderators" in text_of(response), command


async def test_member_commands_main_paths(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    for _ in range(3):
        await talk(h, alice, bob, "pairing today")
        h.clock.advance(days=1)
    h.clock.advance(hours=-12)
    await h.settle()
    streaks = await run(h, alice, "streaks")
    assert not streaks.ephemeral and "🔥 **3**" in text_of(streaks)
    streak = await run(h, alice, "streak", {"member": bob})
    assert "Current 🔥 3" in text_of(streak)
    profile = await run(h, bob, "profile", {"member": alice})
    assert "Reputation" in text_of(profile) and "rank #" in text_of(profile)
    badges = await run(h, alice, "badges")
    assert "3-day streak" in text_of(badges)
    board = await run(h, alice, "leaderboard", {"board": "reputation"})
    assert "Reputation" in text_of(board) and "You: #" in text_of(board)
    assert "Page 1" in text_of(await run(h, alice, "leaderboard", {"board": "streaks"}))


async def test_streak_refusals(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    robot = await h.ctl.add_member("robot", bot=True)
    own = await run(h, alice, "streak", {"member": alice})
    assert own.ephemeral and "two people" in text_of(own)
    assert "bot" in text_of(await run(h, alice, "streaks", {"member": robot}))


async def test_thanks_and_its_refusal_says_when(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    ok = await run(h, alice, "thanks", {"member": bob, "reason": "great review @everyone"})
    assert not ok.ephemeral and "thanked" in text_of(ok) and "+10" in text_of(ok)
    again = await run(h, alice, "thanks", {"member": bob})
    assert again.ephemeral and "already thanked" in text_of(again) and "<t:" in text_of(again)
    assert "yourself" in text_of(await run(h, alice, "thanks", {"member": alice}))


async def test_leaderboard_pages_only_for_the_invoker(harness: Harness) -> None:
    h = harness
    people = [await h.ctl.add_member(f"m{i}") for i in range(12)]
    for i, giver in enumerate(people):
        await run(h, giver, "thanks", {"member": people[(i + 1) % len(people)]})
    inter = await h.ctl.invoke(people[0], "leaderboard", {"board": "reputation"})
    message = await h.ctl.wait_for_reply(inter, timeout=10)
    next_id = [c for c in message.custom_ids() if c][-1]
    stranger = await h.ctl.press_button(people[1], message, next_id)
    refused = await h.ctl.wait_for_response(stranger)
    assert refused.ephemeral and "Only the person" in text_of(refused)
    page2 = await turn(h, people[0], message, "Next ▶")
    assert "Page 2" in page2.embeds[0]["footer"]["text"]


async def test_notify_privacy_and_visibility(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    await talk(h, alice, bob, "hello")
    await h.settle()
    dm = await run(h, alice, "notify dm")
    assert dm.ephemeral and "direct message" in text_of(dm)
    export = await run(h, alice, "privacy export")
    assert export.ephemeral and export.message is not None
    assert export.message.attachments and export.message.attachments[0].filename.endswith(".json")
    private = await run(h, alice, "privacy visibility", {"level": "private"})
    assert private.ephemeral
    assert "private" in text_of(await run(h, bob, "profile", {"member": alice}))
    assert not (await run(h, alice, "profile")).ephemeral  # still visible to herself
    asked = await run(h, bob, "privacy optout")
    assert asked.ephemeral and asked.message is not None
    yes = next(
        c for c in asked.message.custom_ids() if "Delete" in str(asked.message.find_component(c))
    )
    out = await h.ctl.wait_for_response(await h.ctl.press_button(bob, asked.message, yes))
    assert "opted out" in text_of(out)
    assert "opted out" in text_of(await run(h, alice, "streaks", {"member": bob}))
    assert (await run(h, bob, "privacy optin")).ephemeral


async def test_unknown_command_and_bad_option_get_clear_ephemeral_errors(
    harness: Harness,
) -> None:
    h = harness
    ctl = h.ctl
    gone = ctl.world.create_interaction(
        2,
        ctl.owner.id,
        ctl.channel().id,
        {"id": "1", "name": "vanished", "type": 1, "options": [], "guild_id": str(h.guild_id)},
        command_name="vanished",
        loop_time=ctl._loop_time(),
    )
    await ctl.flush()
    response = await ctl.wait_for_response(gone, timeout=10)
    assert response.ephemeral and "don't know that command" in text_of(response)
    bad = await run(h, ctl.owner, "settings timezone", {"timezone": "Mars/Olympus"})
    assert bad.ephemeral and "IANA" in text_of(bad)
    duration = await run(
        h,
        ctl.owner,
        "challenge create",
        {"name": "Sprint", "goal": "points", "target": 5, "duration": "soon"},
    )
    assert duration.ephemeral and "duration" in text_of(duration)


async def test_moderator_paths_and_audit(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    alice = await h.ctl.add_member("alice")
    adjusted = await run(
        h, owner, "mod adjust-rep", {"member": alice, "amount": 120, "reason": "event host"}
    )
    assert "120" in text_of(adjusted)
    created = await run(
        h,
        owner,
        "challenge create",
        {
            "name": "Sprint <@&1>",
            "goal": "points",
            "target": 5,
            "duration": "2d",
            "multiplier": 2.0,
        },
    )
    assert "created" in text_of(created)
    info = await run(h, alice, "challenge info", {"challenge": 1})
    assert "Sprint" in text_of(info)
    joined = await run(h, alice, "challenge join", {"challenge": 1})
    assert joined.ephemeral and "joined" in text_of(joined)
    again = await run(h, alice, "challenge join", {"challenge": 1})
    assert "already" in text_of(again)
    assert "Sprint" in text_of(await run(h, alice, "challenge list"))
    ended = await run(h, owner, "challenge end", {"challenge": 1})
    assert "ended" in text_of(ended)
    shown = await run(h, owner, "settings show")
    assert shown.ephemeral and "Time zone" in text_of(shown)
    audit = await run(h, owner, "mod audit")
    log = text_of(audit)
    assert f"adjusted <@{alice.id}>'s reputation by +120 (reason: event host)" in log
    assert "created the challenge **Sprint" in log and "ended the challenge **Sprint" in log


@pytest.mark.parametrize("hour", [25])
async def test_settings_refuse_out_of_range(harness: Harness, hour: int) -> None:
    h = harness
    from bot.sandbox import ControlError

    with pytest.raises(ControlError):
        await h.ctl.invoke(h.ctl.owner, "settings reminders", {"hour": hour})


async def test_badge_role_given_and_taken(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    alice = await h.ctl.add_member("alice")
    role = await h.ctl.add_role("Helper", position=1)
    created = await run(h, owner, "badge create", {"name": "Helper", "emoji": "🛟"})
    assert "custom-helper" in text_of(created)
    linked = await run(h, owner, "badge link-role", {"badge": "custom-helper", "role": role})
    assert "now gives" in text_of(linked)
    granted = await run(h, owner, "badge grant", {"member": alice, "badge": "custom-helper"})
    assert "Gave" in text_of(granted)
    await h.ctl.wait_for_role_change(alice, role, added=True, timeout=10)
    revoked = await run(h, owner, "badge revoke", {"member": alice, "badge": "custom-helper"})
    assert "Took" in text_of(revoked)
    await h.ctl.wait_for_role_change(alice, role, added=False, timeout=10)


async def test_moderator_role_cannot_hand_out_roles_it_could_not_give(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    helpers = await h.ctl.add_role("Helpers", position=1)
    mod = await h.ctl.add_member("mod", roles=[helpers])
    admin = await h.ctl.add_role("Admins", permissions=8, position=2)
    await run(h, owner, "settings channels", {"moderator_role": helpers})
    # the moderator role counts as moderator: plain moderator commands work
    # the server lets its moderator role see the moderator groups (integration settings)
    shown = await run(h, mod, "settings show", check_permissions=False)
    assert "Only moderators" not in text_of(shown)
    linked = await run(
        h, mod, "badge link-role", {"badge": "streak-3", "role": admin}, check_permissions=False
    )
    assert linked.ephemeral and "needs the **Manage Roles**" in text_of(linked)
