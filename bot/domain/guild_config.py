"""Where and when a guild's bot posts, who moderates, what it tracks (beyond SPEC §9 names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from bot.domain.errors import InvalidSetting

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "daily"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_HISTORY_DAYS = 365


class GuildConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    reminder_channel: int | None = None
    announcement_channel: int | None = None
    leaderboard_channel: int | None = None
    moderator_role: int | None = None
    review_channel: int | None = None  # where new review flags are posted (never public)
    reminder_hour: int = Field(default=18, ge=0, le=23)
    reminder_min_streak: int = Field(default=3, ge=1, le=3650)
    reminders_enabled: bool = True
    leaderboard_day: Weekday = "mon"
    leaderboard_hour: int = Field(default=12, ge=0, le=23)
    leaderboard_board: Literal[
        "streaks", "best", "reputation", "weekly", "monthly", "challenge"
    ] = "weekly"
    leaderboard_enabled: bool = True
    channel_allow: list[int] | None = None
    channel_deny: list[int] = Field(default_factory=list)
    # days of a channel's past imported when the bot first reads it (SPEC §8); 0: none
    history_days: int = 30
    # the public web page's random address (/settings web); None: no page
    web_slug: str | None = None

    @field_validator("history_days", mode="before")
    @classmethod
    def _history_days(cls, value: Any) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (0 <= value <= MAX_HISTORY_DAYS)
        ):
            raise PydanticCustomError(
                "history_days",
                f"a whole number of days from 0 (no import) to {MAX_HISTORY_DAYS}",
            )
        return value

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuildConfig:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidSetting(str(exc.errors()[0]["msg"])) from None

    def changed(self, **changes: Any) -> GuildConfig:
        data = self.model_dump()
        data.update(changes)
        try:
            return GuildConfig.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidSetting(f"{where}: {first['msg']}") from None
