"""The recap post's embed: every section, within Discord's limits, no ISO dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.challenges import Challenge
from bot.reads import EndedChallenge, Recap
from cogs.scheduled._recap import recap_embed

END = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)


def a_recap(**changes: object) -> Recap:
    ch = Challenge(1, 1, "Talk *week*", "points", 50, END - timedelta(days=5), END)
    base: dict[str, object] = {
        "start": END - timedelta(days=7),
        "end": END,
        "members": [(10, 340), (11, 1)],
        "pairs": [(10, 11, 1), (12, 13, 6)],
        "milestones": [(10, 11, 7)],
        "milestone_count": 4,
        "badges": [("🔥", "3-day streak", [10, 11], 12), ("🤝", "Helper", [12], 1)],
        "badge_count": 2,
        "challenges": [EndedChallenge(ch, [10])],
    }
    base.update(changes)
    return Recap(**base)  # type: ignore[arg-type]


def text(recap: Recap) -> str:
    embed = recap_embed(recap)
    return "\n".join(
        [embed.title or "", embed.description or ""]
        + [f"{f.name}\n{f.value}" for f in embed.fields]
    )


def test_every_section_with_units_and_plurals() -> None:
    out = text(a_recap())
    assert "The week in review" in out
    assert "<@10> · 340 points" in out and "<@11> · 1 point" in out
    assert "<@10> & <@11> · 1 streak day" in out and "· 6 streak days" in out
    assert "reached 7 days" in out and "…and 3 more" in out
    assert "🔥 **3-day streak** · <@10>, <@11> and 10 more" in out  # one line per badge
    assert "Talk \\*week\\*" in out and "1 member completed it" in out
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out)  # dates are Discord timestamps


def test_a_daily_schedule_says_day() -> None:
    out = text(a_recap(start=END - timedelta(days=1)))
    assert "The day in review" in out


def test_empty_sections_are_left_out() -> None:
    recap = a_recap(pairs=[], milestones=[], milestone_count=0, badges=[], badge_count=0)
    names = [f.name for f in recap_embed(recap).fields]
    assert names == ["🏆 Top members", "Challenges that ended"]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 2**63), st.integers(1, 10**12)), max_size=5),
    st.lists(st.text(min_size=1, max_size=100), max_size=5),
)
def test_within_discord_limits(members: list[tuple[int, int]], names: list[str]) -> None:
    badges = [("🏅", n, list(range(1, 9)), 10**6) for n in names]
    embed = recap_embed(a_recap(members=members, badges=badges, badge_count=len(badges) + 99))
    assert len(embed) <= 6000
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)


def test_hidden_completers_are_counted_not_named() -> None:
    ch = Challenge(1, 2, "Quiet one", "points", 5, END - timedelta(days=3), END)
    out = text(a_recap(challenges=[EndedChallenge(ch, [10], 3)]))
    assert "3 members completed it" in out
