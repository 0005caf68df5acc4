"""Challenge posts and start times through the sandbox: one announcement at creation (the
moderator's reply is private), one concise results post for automatic and manual ends, a
cancel notice that reaches the participants, start times typed as people type them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox import Message
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, talk, text_of


def message_text(message: Message) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


async def with_announcements(h: Harness) -> None:
    await h.ctl.add_channel("announcements")
    await run(h, h.ctl.owner, "settings channels", {"announcements": "#announcements"})


def posts(h: Harness, needle: str = "") -> list[Message]:
    return [m for m in h.ctl.bot_messages("announcements") if needle in message_text(m)]


async def run_challenges(h: Harness) -> None:
    assert h.bot is not None and h.bot.jobs is not None
    await h.bot.jobs.run_challenges(h.clock())
    await h.settle()


async def sprint(h: Harness, **options: Any) -> None:
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Sprint", "goal": "points", "target": 5, "duration": "1d", **options},
    )
    assert made.ephemeral, text_of(made)


async def test_creation_is_announced_once_and_the_reply_is_private(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    before = len(h.ctl.bot_messages("general"))
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Sprint", "goal": "points", "target": 5, "duration": "2d", "multiplier": 2.0},
    )
    assert made.ephemeral
    reply = text_of(made)
    assert "Sprint created" in reply and "Announced in <#" in reply
    assert "<t:" in reply and ":F>" in reply and ":R>" in reply
    await h.settle()
    await h.ctl.wait_for_message("announcements", timeout=10)
    await run_challenges(h)  # the scheduled job does not announce it again
    h.clock.advance(minutes=5)
    await run_challenges(h)
    (post,) = posts(h)
    assert "Sprint** has started" in message_text(post)
    assert len(h.ctl.bot_messages("general")) == before  # nothing public besides the post


async def test_scheduled_start_in_server_time_is_announced_at_its_start(
    harness: Harness,
) -> None:
    h = harness
    await with_announcements(h)
    await run(h, h.ctl.owner, "settings timezone", {"timezone": "Europe/Amsterdam"})
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {
            "name": "Evening",
            "goal": "points",
            "target": 5,
            "start": "tomorrow 18:00",
            "duration": "2d",
        },
    )
    # 1 June 09:00 UTC is 11:00 in Amsterdam (summer time): tomorrow 18:00 is 16:00 UTC
    expected = datetime(2026, 6, 2, 16, 0, tzinfo=UTC)
    assert made.ephemeral
    stamp = int(expected.timestamp())
    assert f"<t:{stamp}:F>" in text_of(made) and f"<t:{stamp}:R>" in text_of(made)
    assert "will be announced in <#" in text_of(made)
    assert h.bot is not None
    ch = await h.bot.services.challenges.get(h.guild_id, 1)
    assert ch is not None and ch.starts == expected
    assert ch.ends == expected + timedelta(days=2)
    await run_challenges(h)
    assert posts(h) == []  # not yet
    h.clock.set(expected + timedelta(seconds=30))
    await run_challenges(h)
    await run_challenges(h)
    assert len(posts(h, "has started")) == 1


async def test_creation_without_an_announcement_channel_says_so(harness: Harness) -> None:
    h = harness
    made = await run(
        h,
        h.ctl.owner,
        "challenge create",
        {"name": "Quiet", "goal": "points", "target": 5, "duration": "1d"},
    )
    assert made.ephemeral and "No announcement channel" in text_of(made)


async def test_bad_start_texts_get_clear_private_errors(harness: Harness) -> None:
    h = harness
    for start, says in (
        ("someday", "not a time"),
        ("2020-01-01", "in the past"),
        ("9999-12-30", "too far ahead"),
        ("in 99999999999h", "too far ahead"),
        ("31 feb", "not a date"),
    ):
        refused = await run(
            h,
            h.ctl.owner,
            "challenge create",
            {"name": "Bad", "goal": "points", "target": 5, "start": start, "duration": "1d"},
        )
        assert refused.ephemeral and says in text_of(refused), (start, text_of(refused))
    assert h.bot is not None
    assert await h.bot.services.challenges.all(h.guild_id) == []  # nothing was created
    edit = await run(h, h.ctl.owner, "challenge edit", {"challenge": 1, "start": "friday"})
    assert edit.ephemeral and "no challenge #1" in text_of(edit)


async def test_start_autocomplete_shows_what_it_understood(harness: Harness) -> None:
    h = harness
    inter = await h.ctl.autocomplete(
        h.ctl.owner,
        "challenge create",
        {"name": "x", "goal": "points", "target": 5},
        focused="start",
    )
    response = await h.ctl.wait_for_response(inter, timeout=10)
    choices = response.data.get("choices") or []
    assert any(c["value"] == "tomorrow 18:00" and "→ Tue 2 Jun 18:00" in c["name"] for c in choices)


async def completed_by_two(h: Harness) -> tuple[Any, Any, Any]:
    """Sprint (points ≥ 5, one day) joined by alice, bob and carol; alice and bob complete."""
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    carol = await h.ctl.add_member("carol")
    await sprint(h, multiplier=2.0)
    for who in (alice, bob, carol):
        assert "joined" in text_of(await run(h, who, "challenge join", {"challenge": 1}))
    h.clock.advance(minutes=5)
    await talk(h, alice, bob, "pairing on the sprint")
    h.clock.advance(minutes=5)
    await h.ctl.send_message(carol, f"hello there <@{alice.id}>")  # carol earns a little
    await h.settle()
    h.clock.advance(minutes=1)
    return alice, bob, carol


def check_results_post(post: Message, alice: Any, bob: Any, carol: Any) -> None:
    text = message_text(post)
    assert "🏁 Sprint has ended" in text
    assert "**5** points earned" in text
    assert " points" in text and "Final board" in text
    assert "member(s)" not in text and "Page" not in text and "while it runs" not in text
    assert "completed it and earned its badge" in text
    for who in (alice, bob, carol):
        assert text.count(f"<@{who.id}>") == 1, text
    assert f"<@{carol.id}> · 2 points\n" in text  # on the board, not a completer (1 point ×2)
    assert "2 members completed it" in text
    assert post.mentions == []  # names, never pings


async def test_automatic_end_is_one_concise_results_post(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    alice, bob, carol = await completed_by_two(h)
    h.clock.advance(days=1, minutes=1)
    await run_challenges(h)
    await run_challenges(h)
    ended = posts(h, "has ended")
    assert len(ended) == 1
    check_results_post(ended[0], alice, bob, carol)
    # the start and the results, nothing else about it (besides the badges' own post)
    about = [m for m in posts(h, "Sprint") if "New badges" not in message_text(m)]
    assert len(about) == 2, [message_text(m) for m in about]
    assert h.bot is not None
    held = [b.key for b in await h.bot.services.badges.held(h.guild_id, alice.id)]
    assert "challenge-1" in held


async def test_manual_end_is_announced_like_an_automatic_one(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    alice, bob, carol = await completed_by_two(h)
    ended = await run(h, h.ctl.owner, "challenge end", {"challenge": 1})
    assert ended.ephemeral and "has ended" in text_of(ended) and "posted in <#" in text_of(ended)
    await h.settle()
    await run_challenges(h)  # already closed: the job posts nothing more
    (post,) = posts(h, "has ended")
    check_results_post(post, alice, bob, carol)


async def test_hidden_completers_are_counted_not_named(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    alice, bob, _ = await completed_by_two(h)
    await run(h, bob, "privacy visibility", {"level": "private"})
    await run(h, h.ctl.owner, "challenge end", {"challenge": 1})
    await h.settle()
    text = message_text(posts(h, "has ended")[0])
    assert "2 members completed it" in text
    assert f"<@{alice.id}>" in text and f"<@{bob.id}>" not in text


async def test_cancel_tells_the_participants_and_awards_nothing(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    alice, bob, carol = await completed_by_two(h)
    cancelled = await run(
        h, h.ctl.owner, "challenge cancel", {"challenge": 1, "reason": "the venue fell through"}
    )
    assert cancelled.ephemeral and "Cancelled **Sprint**" in text_of(cancelled)
    assert "3 members who joined are told" in text_of(cancelled)
    post = await h.ctl.wait_for_message(
        "announcements", predicate=lambda m: "was cancelled" in message_text(m), timeout=10
    )
    text = message_text(post)
    assert "❌ Sprint was cancelled" in text and "the venue fell through" in text
    assert sorted(post.mentions) == sorted(u.id for u in (alice, bob, carol))
    h.clock.advance(days=2)
    await run_challenges(h)
    assert posts(h, "has ended") == []
    assert h.bot is not None
    for who in (alice, bob):
        held = [b.key for b in await h.bot.services.badges.held(h.guild_id, who.id)]
        assert "challenge-1" not in held
    again = await run(h, h.ctl.owner, "challenge cancel", {"challenge": 1})
    assert again.ephemeral and "already cancelled" in text_of(again)


async def test_cancel_without_an_announcement_channel_is_told_by_dm(harness: Harness) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    await sprint(h)
    await run(h, alice, "challenge join", {"challenge": 1})
    cancelled = await run(h, h.ctl.owner, "challenge cancel", {"challenge": 1})
    assert cancelled.ephemeral and "told by DM" in text_of(cancelled)
    dm = await h.ctl.wait_for_dm(alice, timeout=10)
    assert "was cancelled" in message_text(dm)


async def test_a_private_participant_hears_of_a_cancel_by_dm_not_by_name(
    harness: Harness,
) -> None:
    h = harness
    await with_announcements(h)
    alice = await h.ctl.add_member("alice")
    bob = await h.ctl.add_member("bob")
    await sprint(h)
    for who in (alice, bob):
        await run(h, who, "challenge join", {"challenge": 1})
    await run(h, bob, "privacy visibility", {"level": "private"})
    await run(h, h.ctl.owner, "challenge cancel", {"challenge": 1})
    post = await h.ctl.wait_for_message(
        "announcements", predicate=lambda m: "was cancelled" in message_text(m), timeout=10
    )
    assert post.mentions == [alice.id] and f"<@{bob.id}>" not in message_text(post)
    dm = await h.ctl.wait_for_dm(bob, timeout=10)
    assert "was cancelled" in message_text(dm)
    assert h.ctl.dms(alice) == []  # she was told in the post


async def test_manual_end_without_an_announcement_channel_shows_the_moderator(
    harness: Harness,
) -> None:
    h = harness
    alice = await h.ctl.add_member("alice")
    await sprint(h)
    await run(h, alice, "challenge join", {"challenge": 1})
    ended = await run(h, h.ctl.owner, "challenge end", {"challenge": 1})
    text = text_of(ended)
    assert ended.ephemeral and "Sprint has ended" in text and "No announcement channel" in text
    assert "Nobody completed it" in text


async def test_edit_shows_the_new_start_it_understood(harness: Harness) -> None:
    h = harness
    await with_announcements(h)
    await sprint(h, start="in 2h")
    edited = await run(h, h.ctl.owner, "challenge edit", {"challenge": 1, "start": "friday 18:00"})
    # 1 June 2026 is a Monday; the server is on UTC
    stamp = int(datetime(2026, 6, 5, 18, tzinfo=UTC).timestamp())
    assert edited.ephemeral and f"<t:{stamp}:F>" in text_of(edited)
    assert "Sprint updated" in text_of(edited) and "will be announced" in text_of(edited)
    bad = await run(h, h.ctl.owner, "challenge edit", {"challenge": 1, "start": "yesterday"})
    assert bad.ephemeral and "not a time" in text_of(bad)
    assert posts(h) == []
