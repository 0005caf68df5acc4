"""The first-run setup checklist: what a server still has to tell Kindling, each with the
command that does it. Pure: read from the guild's settings and configuration."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings

DONE, OPEN = "✅", "⬜"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    key: str
    label: str  # "Reminder channel"
    done: bool
    command: str  # the exact command to run
    missing: str  # "No reminder channel" (for /help's list of what is not set up)

    @property
    def line(self) -> str:
        """ "⬜ Reminder channel: `/settings channels reminders:`" (✅ when done)."""
        if self.done:
            return f"{DONE} {self.label}"
        return f"{OPEN} {self.label}: `{self.command}`"

    @property
    def todo(self) -> str:
        return f"{self.missing}: `{self.command}`"


def setup_checklist(config: GuildConfig, settings: GuildSettings) -> list[ChecklistItem]:
    """Every first-run step, done or not, in the order a moderator would do them."""
    review_done = settings.review_mode == "off" or config.review_channel is not None
    return [
        ChecklistItem(
            "reminders",
            "Reminder channel (streaks at risk)",
            config.reminder_channel is not None,
            "/settings channels reminders:",
            "No reminder channel",
        ),
        ChecklistItem(
            "leaderboard",
            "Leaderboard channel",
            config.leaderboard_channel is not None,
            "/settings channels leaderboard:",
            "No leaderboard channel",
        ),
        ChecklistItem(
            "announcements",
            "Announcement channel (badges, challenges)",
            config.announcement_channel is not None,
            "/settings channels announcements:",
            "No announcement channel for badges and challenges",
        ),
        ChecklistItem(
            "review",
            "Moderators-only review channel",
            review_done,
            "/settings review channel:",
            "No moderators' channel for review flags",
        ),
        ChecklistItem(
            "timezone",
            "Time zone (days start at local midnight)",
            settings.timezone != "UTC",
            "/settings timezone",
            "Time zone is UTC (for a UTC server pick Etc/UTC)",
        ),
    ]


def open_items(config: GuildConfig, settings: GuildSettings) -> list[ChecklistItem]:
    return [item for item in setup_checklist(config, settings) if not item.done]
