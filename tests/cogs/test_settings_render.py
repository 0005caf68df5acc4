"""Settings in human words: the before → after lines of a /settings reply."""

from __future__ import annotations

from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings
from cogs.settings import _render as render


def test_only_changed_fields_in_human_words() -> None:
    config = GuildConfig()
    after = config.changed(reminder_channel=42, reminder_hour=7, reminders_enabled=False)
    lines = [c.line for c in render.changes((None, config), (None, after))]
    assert lines == [
        "**Reminder channel:** not set → <#42>",
        "**Reminder time:** 18:00 → 07:00",
        "**Reminders:** on → off",
    ]


def test_settings_sections_and_lists() -> None:
    before = GuildSettings()
    after = before.apply_changes(
        {"limits": {"max_freezes": 3}, "streak_kinds": ["reply", "kudos"], "review_mode": "off"}
    )
    lines = [c.line for c in render.changes((before, None), (after, None))]
    assert lines == [
        "**What builds streaks:** replies, mentions, kudos → replies, kudos",
        "**Freezes one can hold:** 2 → 3",
        "**Authenticity review:** Hold flagged points for a decision → Off (no review)",
    ]
    assert render.changes((after, None), (after, None)) == []


def test_tracked_channels_and_unknown_names_read_plainly() -> None:
    config = GuildConfig()
    after = config.changed(channel_allow=[5, 6], channel_deny=[7])
    lines = [c.line for c in render.changes((None, config), (None, after))]
    assert lines == [
        "**Tracked channels:** all text channels → <#5> <#6>",
        "**Ignored channels:** none → <#7>",
    ]
    assert render.field("some_new_flag").label == "Some new flag"
    assert render.field("some_new_flag").show(True) == "on"


def test_nothing_changed_lists_the_values_asked_for() -> None:
    config = GuildConfig().changed(leaderboard_day="daily")
    asked = render.asked({"leaderboard_day": "daily", "points": {"reply": 3}})
    assert asked == ["leaderboard_day", "points.reply"]
    assert render.current(asked, GuildSettings(), config) == [
        "**Leaderboard day:** Every day",
        "**Points per reply:** 3",
    ]
