"""No moderator action hands out a role its invoker could not give (#12 item 2).

The matrix: adjust-rep, restore-streak, badge grant and challenge end, each invoked by a
plain member, by a member whose only power is the configured moderator role, by a member with
Manage Server (but not Manage Roles) and by the owner, on themselves and on someone else. The
linked role ("Admins") sits above the moderators' own roles, so only the owner may give it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of

MANAGE_GUILD = 1 << 5
INVOKERS = ("member", "modrole", "manage_server", "owner")


async def setup(h: Harness, badge: str) -> dict[str, Any]:
    ctl = h.ctl
    helpers = await ctl.add_role("Helpers", position=1)
    managers = await ctl.add_role("Managers", permissions=MANAGE_GUILD, position=1)
    admins = await ctl.add_role("Admins", permissions=8, position=2)
    people = {
        "member": await ctl.add_member("plain"),
        "modrole": await ctl.add_member("helper", roles=[helpers]),
        "manage_server": await ctl.add_member("manager", roles=[managers]),
        "owner": ctl.owner,
        "other": await ctl.add_member("other"),
        "partner": await ctl.add_member("partner"),
    }
    await run(h, ctl.owner, "settings channels", {"moderator_role": helpers})
    linked = await run(h, ctl.owner, "badge link-role", {"badge": badge, "role": admins})
    assert "now gives" in text_of(linked)
    people["admins"] = admins
    return people


async def has_role(h: Harness, who: Any, role: Any) -> bool:
    await h.settle()
    bot = h.bot
    assert bot is not None
    cog = bot.get_cog("BadgesCog")
    await cog.drain()  # type: ignore[union-attr]
    await asyncio.sleep(0.05)
    return any(c.role_id == role.id and c.added for c in h.ctl.role_changes(who))


async def holds(h: Harness, who: Any, badge: str) -> bool:
    assert h.bot is not None
    return badge in {b.key for b in await h.bot.services.badges.held(h.guild_id, who.id)}


@pytest.mark.parametrize("invoker", INVOKERS)
@pytest.mark.parametrize("target", ["self", "other"])
async def test_adjust_rep(harness: Harness, invoker: str, target: str) -> None:
    h = harness
    people = await setup(h, "rep-100")
    who = people[invoker]
    member = who if target == "self" else people["other"]
    reply = await run(
        h,
        who,
        "mod adjust-rep",
        {"member": member, "amount": 150, "reason": "test"},
        check_permissions=False,  # the server shows the group; the bot itself must refuse
    )
    text = text_of(reply)
    if invoker == "member":
        assert reply.ephemeral and "Only moderators" in text
        assert not await holds(h, member, "rep-100")
    elif target == "self":
        assert reply.ephemeral and "your own reputation" in text
        assert not await holds(h, member, "rep-100")
    else:
        assert await holds(h, member, "rep-100")  # the badge itself is earned
        # …but the role above the moderator's own only comes from someone who may give it
        assert await has_role(h, member, people["admins"]) == (invoker == "owner")


@pytest.mark.parametrize("invoker", INVOKERS)
@pytest.mark.parametrize("target", ["self", "other"])
async def test_badge_grant(harness: Harness, invoker: str, target: str) -> None:
    h = harness
    people = await setup(h, "streak-3")
    who = people[invoker]
    member = who if target == "self" else people["other"]
    reply = await run(
        h, who, "badge grant", {"member": member, "badge": "streak-3"}, check_permissions=False
    )
    text = text_of(reply)
    if invoker == "member":
        assert "Only moderators" in text
    elif invoker != "owner":
        assert "Manage Roles" in text  # refused before anything is stored
    if invoker == "owner":
        assert await holds(h, member, "streak-3")
        assert await has_role(h, member, people["admins"])
    else:
        assert not await holds(h, member, "streak-3")
        assert not await has_role(h, member, people["admins"])


@pytest.mark.parametrize("invoker", INVOKERS)
@pytest.mark.parametrize("target", ["self", "other"])
async def test_restore_streak(harness: Harness, invoker: str, target: str) -> None:
    h = harness
    people = await setup(h, "streak-7")
    await run(h, h.ctl.owner, "settings limits", {"max_freezes": 0})
    who = people[invoker]
    a = who if target == "self" else people["other"]
    b = people["partner"]
    for day in range(8):  # a week with one missed day: restoring it makes 8 days
        if day != 3:
            await talk(h, a, b, f"daily notes {day}")
        h.clock.advance(days=1)
    await h.settle()
    reply = await run(
        h, who, "mod restore-streak", {"member": a, "partner": b}, check_permissions=False
    )
    text = text_of(reply)
    if invoker == "member":
        assert "Only moderators" in text
    elif target == "self":
        assert "streak of your own" in text
    else:
        assert "Streak restored" in text
        assert await holds(h, a, "streak-7")
        assert await has_role(h, a, people["admins"]) == (invoker == "owner")
    if invoker == "member" or target == "self":
        assert not await holds(h, a, "streak-7")


@pytest.mark.parametrize("invoker", ["modrole", "manage_server", "owner"])
async def test_challenge_end(harness: Harness, invoker: str) -> None:
    h = harness
    people = await setup(h, "streak-3")
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Sprint", "goal": "points", "target": 1, "duration": "2d", "join_required": False},
    )
    assert "created" in text_of(made).lower()
    linked = await run(
        h, h.ctl.owner, "badge link-role", {"badge": "challenge-1", "role": people["admins"]}
    )
    assert "now gives" in text_of(linked)
    other, partner = people["other"], people["partner"]
    h.clock.advance(minutes=5)
    await talk(h, other, partner, "sprint work")
    h.clock.advance(minutes=5)
    await h.settle()
    ended = await run(
        h, people[invoker], "challenge end", {"challenge": 1}, check_permissions=False
    )
    assert "has ended" in text_of(ended) or "ended" in text_of(ended).lower(), text_of(ended)
    assert await holds(h, other, "challenge-1"), text_of(ended)
    assert await has_role(h, other, people["admins"]) == (invoker == "owner")
