"""The first-run setup checklist."""

from __future__ import annotations

from bot.domain.checklist import open_items, setup_checklist
from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings


def test_a_new_server_has_every_step_open_with_its_command() -> None:
    items = setup_checklist(GuildConfig(), GuildSettings())
    assert [i.key for i in items] == [
        "reminders",
        "leaderboard",
        "announcements",
        "review",
        "timezone",
    ]
    assert all(not i.done and i.line.startswith("⬜ ") and "`/settings " in i.line for i in items)


def test_steps_close_as_they_are_set() -> None:
    config = GuildConfig(reminder_channel=1, leaderboard_channel=2, announcement_channel=3)
    settings = GuildSettings().apply_changes({"timezone": "Europe/Paris"})
    assert [i.key for i in open_items(config, settings)] == ["review"]
    done = setup_checklist(config, settings)[0]
    assert done.line == "✅ Reminder channel (streaks at risk)"
    assert open_items(config.changed(review_channel=4), settings) == []
    assert open_items(config, settings.apply_changes({"review_mode": "off"})) == []
