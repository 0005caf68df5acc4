"""The challenge posts as pure functions: results → text (cogs/_ui.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord

from bot.domain.challenges import Challenge, Progress
from bot.reads import BoardEntry, BoardPage
from cogs._ui import (
    challenge_cancel_embed,
    challenge_embed,
    challenge_end_embed,
    challenge_saved_embed,
    mention_chunks,
    name_list,
    value_text,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def challenge(goal: str = "points", target: int = 100, **kw: object) -> Challenge:
    ch = Challenge(
        1,
        3,
        "Winter sprint",
        goal,
        target,
        NOW - timedelta(days=7),
        NOW,
        multiplier=2.0,
        participants={10: NOW, 11: NOW, 12: NOW},
    )
    for key, value in kw.items():
        setattr(ch, key, value)
    return ch


def board(goal_values: list[tuple[int, int, int]]) -> BoardPage:
    entries = [BoardEntry(rank, (user,), value) for rank, user, value in goal_values]
    return BoardPage("challenge", entries, 0, False, "Challenge: Winter sprint")


def text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or ""]
    parts += [f"{f.name} {f.value}" for f in embed.fields]
    parts.append(embed.footer.text or "")
    return "\n".join(parts)


def test_end_post_is_one_concise_results_post() -> None:
    ch = challenge()
    result = Progress({10: 249, 11: 120, 12: 40}, [10, 11], 0)
    shown = text(challenge_end_embed(ch, result, board([(1, 10, 249), (2, 11, 120), (3, 12, 40)])))
    assert shown.startswith("🏁 Winter sprint has ended")
    assert "**100** points earned" in shown
    assert "249 points" in shown and "120 points" in shown and "40 points" in shown
    assert "2 members completed it" in shown
    for user in (10, 11, 12):  # everyone named once
        assert shown.count(f"<@{user}>") == 1
    assert "<@10> · 249 points ✅" in shown and "<@12> · 40 points\n" in shown + "\n"
    assert "while it runs" not in shown and "Bonus" not in shown
    assert "Page" not in shown and "member(s)" not in shown
    assert "3 members joined" in shown


def test_end_post_units_and_singulars() -> None:
    assert value_text("points", 1) == "1 point"
    assert value_text("pair_streak", 5) == "5 days"
    assert value_text("pair_streak", 1) == "1 day"
    assert value_text("community_interactions", 12) == "12 interactions"
    assert value_text("distinct_partners", 1_200) == "1,200 partners"
    ch = challenge("pair_streak", 1, participants={10: NOW})
    shown = text(challenge_end_embed(ch, Progress({10: 1}, [10], 0), board([(1, 10, 1)])))
    assert "1 member completed it" in shown and "1 day" in shown
    assert "**1** day with a partner" in shown and "1 member joined" in shown


def test_community_goal_says_how_far_the_server_got() -> None:
    ch = challenge("community_interactions", 500)
    missed = text(challenge_end_embed(ch, Progress({10: 3}, [], 320), None))
    assert "**320**" in missed and "not reached" in missed and "Nobody completed it" in missed
    made = text(challenge_end_embed(ch, Progress({10: 3}, [10], 523), None))
    assert "✅ reached" in made


def test_completers_are_capped_and_hidden_ones_counted_not_named() -> None:
    many = list(range(100, 125))
    shown = text(challenge_end_embed(challenge(), Progress({}, many, 0), None, unnamed=2))
    assert "27 members completed it" in shown
    assert "Completed by: <@100>" in shown
    assert "and 17 more" in shown  # 10 named, 15 more shown-able and 2 hidden
    assert "<@110>" not in shown
    top = board([(1, 100, 9), (2, 101, 8), (3, 102, 7), (4, 103, 6)])
    with_board = text(challenge_end_embed(challenge(), Progress({}, many, 0), top))
    assert "Also completed: <@103>, <@104>" in with_board
    assert all(with_board.count(f"<@{u}>") <= 1 for u in many)
    ties = board([(1, u, 5) for u in many])
    assert text(challenge_end_embed(challenge(), Progress({}, [], 0), ties)).count("🥇") == 5
    only_hidden = text(challenge_end_embed(challenge(), Progress({}, [], 0), None, unnamed=1))
    assert "1 member completed it and earned its badge." in only_hidden
    assert "<@" not in only_hidden.split("\n")[1]


def test_name_list() -> None:
    assert name_list([]) == ""
    assert name_list([1]) == "<@1>"
    assert name_list([1, 2]) == "<@1> and <@2>"
    assert name_list([1, 2, 3]) == "<@1>, <@2> and <@3>"
    assert name_list([1, 2, 3], limit=2) == "<@1>, <@2> and 1 more"
    assert name_list([1], more=2) == "<@1> and 2 more"


def test_info_of_an_ended_challenge_drops_the_running_bonus() -> None:
    running = text(challenge_embed(challenge(), NOW - timedelta(days=1), None))
    assert "while it runs" in running
    assert "while it runs" not in text(challenge_embed(challenge(), NOW, None))


def test_cancel_post() -> None:
    shown = text(challenge_cancel_embed(challenge(), "  the venue fell through "))
    assert shown.startswith("❌ Winter sprint was cancelled")
    assert "Reason: the venue fell through" in shown and "No badges" in shown
    assert "Reason" not in text(challenge_cancel_embed(challenge(), ""))


def test_mentions_are_chunked_under_the_limits() -> None:
    users = [10**18 + i for i in range(250)]
    chunks = mention_chunks(users, "Heads-up for everyone who joined:")
    assert chunks[0][0].startswith("Heads-up")
    assert [u for _, pinged in chunks for u in pinged] == users
    for body, pinged in chunks:
        assert len(body) < 2000 and 1 <= len(pinged) <= 90
        assert all(f"<@{u}>" in body for u in pinged)
    assert mention_chunks([], "x") == []


def test_saved_reply_shows_what_was_understood() -> None:
    ch = challenge(starts=NOW + timedelta(days=1), ends=NOW + timedelta(days=8))
    stamp = int(ch.starts.timestamp())
    later = text(challenge_saved_embed(ch, NOW, "✅ Winter sprint created", 55, False))
    assert f"<t:{stamp}:F>" in later and f"<t:{stamp}:R>" in later
    assert "will be announced in <#55> when it starts" in later
    now_ch = challenge(starts=NOW, ends=NOW + timedelta(days=8))
    assert "Announced in <#55>" in text(challenge_saved_embed(now_ch, NOW, "x", 55, True))
    assert "No announcement channel" in text(challenge_saved_embed(now_ch, NOW, "x", None, False))
