"""Live tracking through the real bot and gateway: streaks, reconnects, backfill."""

from __future__ import annotations

from datetime import timedelta

from bot.replay import state_json
from tests.e2e.conftest import Harness


async def exchange(h: Harness, a: object, b: object, text: str = "how is it going") -> None:
    ctl = h.ctl
    first = await ctl.send_message(a, f"{text} <@{ctl.user(b).id}>")
    await ctl.send_message(b, f"all good, {text}", reply_to=first)


async def members_state(h: Harness) -> dict[int, int]:
    assert h.bot is not None
    await h.settle()
    state = await state_json(h.bot.pipeline, [h.guild_id], h.clock())
    return {m["user"]: m["reputation"] for m in state["guilds"][0]["members"]}


async def interactions_by(h: Harness, user: int) -> int:
    assert h.bot is not None
    await h.settle()
    data = await h.bot.services.privacy.export(h.guild_id, user)
    return sum(1 for i in data["interactions"] if i["actor"] == user)


async def test_mutual_exchange_on_consecutive_days_becomes_a_streak(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    for day in range(3):
        await exchange(h, alice, bob, f"day {day} plan")
        await h.settle()
        h.clock.advance(days=1)
    h.clock.advance(hours=-20)  # the morning after day 3: still at risk, not broken
    inter = await h.ctl.invoke(alice, "streak", {"member": bob})
    reply = await h.ctl.wait_for_reply(inter)
    embed = reply.embeds[0]
    fields = {f["name"]: f["value"] for f in embed.get("fields", [])}
    assert fields["Current"] == "🔥 3"
    assert "streak-3" in {
        b["badge"] for b in (await h.bot.services.privacy.export(h.guild_id, alice.id))["badges"]
    }  # type: ignore[union-attr]


async def test_gateway_drop_counts_every_message_exactly_once(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    for i in range(3):
        await h.ctl.send_message(alice, f"message number {i} for <@{bob.id}>")
        h.clock.advance(minutes=2)
    since = h.sandbox.connection_generation
    await h.sandbox.drop_gateway()  # a resumable drop: missed events are replayed
    for i in range(3, 6):
        await h.ctl.send_message(alice, f"message number {i} for <@{bob.id}>")
        h.clock.advance(minutes=2)
    await h.sandbox.wait_connected(since=since, timeout=10)
    since = h.sandbox.connection_generation
    await h.sandbox.drop_gateway(invalidate=True)  # events during this outage are lost...
    for i in range(6, 9):
        await h.ctl.send_message(alice, f"message number {i} for <@{bob.id}>")
        h.clock.advance(minutes=2)
    await h.sandbox.wait_connected(since=since, timeout=15)
    await h.settle()  # ...and recovered by the backfill after READY
    assert await interactions_by(h, alice.id) == 9


async def test_message_sent_while_the_bot_is_stopped_is_counted_after_restart(
    harness: Harness,
) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    await h.ctl.send_message(alice, f"before the restart <@{bob.id}>")
    await h.settle()
    await h.stop_bot()
    h.clock.advance(minutes=5)
    await h.ctl.send_message(bob, f"while you were away <@{alice.id}>")
    h.clock.advance(minutes=5)
    await h.start_bot()
    await h.settle()
    assert await interactions_by(h, bob.id) == 1
    reputation = await members_state(h)
    assert reputation[alice.id] == 1 + 5 and reputation[bob.id] == 1 + 5
    await h.stop_bot()  # and a second restart adds nothing
    await h.start_bot()
    assert await members_state(h) == reputation


async def test_bots_and_reactions_and_kudos_emoji(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    robot = await h.ctl.add_member("robot", bot=True)
    msg = await h.ctl.send_message(bob, "here is my write-up")
    await h.ctl.react(alice, msg, "👍")
    h.clock.advance(minutes=2)
    await h.ctl.send_message(robot, f"beep <@{alice.id}>")
    other = await h.ctl.send_message(bob, "and the second part")
    await h.ctl.react(alice, other, "⭐")
    reputation = await members_state(h)
    assert reputation[bob.id] == 1 + 10
    assert robot.id not in reputation
    h.clock.advance(timedelta(minutes=1))
