"""Every per-guild tunable of the spec, validated."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.domain.errors import InvalidSetting

KINDS: tuple[str, ...] = ("reply", "mention", "reaction", "kudos")
MILESTONE_LENGTHS: tuple[int, ...] = (3, 7, 14, 30, 50, 100, 365)
DEFAULT_MILESTONES: dict[int, int] = {3: 10, 7: 25, 14: 50, 30: 100, 50: 150, 100: 300, 365: 1000}

_MAX_POINTS = 1_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PointSettings(_Strict):
    reply: int = Field(default=3, ge=0, le=_MAX_POINTS)
    mention: int = Field(default=1, ge=0, le=_MAX_POINTS)
    reaction: int = Field(default=1, ge=0, le=_MAX_POINTS)
    kudos: int = Field(default=10, ge=0, le=_MAX_POINTS)
    streak_day: int = Field(default=5, ge=0, le=_MAX_POINTS)
    milestones: dict[int, int] = Field(default_factory=lambda: dict(DEFAULT_MILESTONES))

    @field_validator("milestones", mode="before")
    @classmethod
    def _milestone_keys(cls, value: Any) -> dict[int, int]:
        if not isinstance(value, dict):
            raise ValueError("milestones must map a streak length to points")
        out: dict[int, int] = {}
        for key, points in value.items():
            try:
                length = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"milestone length {key!r} is not a whole number") from None
            if length not in MILESTONE_LENGTHS:
                allowed = ", ".join(map(str, MILESTONE_LENGTHS))
                raise ValueError(f"milestone length {length} is not one of {allowed}")
            if isinstance(points, bool) or not isinstance(points, int):
                raise ValueError(f"milestone {length} points must be a whole number")
            if not 0 <= points <= _MAX_POINTS:
                raise ValueError(f"milestone {length} points must be 0–{_MAX_POINTS}")
            out[length] = points
        return out


MAX_COOLDOWN_SECONDS = 7 * 86400
MIN_RAW_DAYS = MAX_COOLDOWN_SECONDS // 86400 + 1
"""Raw interactions are kept at least this long whatever RETENTION_DAYS says: the cooldown
clocks a guild's state is rebuilt from (after a restart or an eviction) come from them, so a
shorter window would forget a clock that a guild kept in memory would still hold."""


class LimitSettings(_Strict):
    cooldown_seconds: int = Field(default=60, ge=0, le=MAX_COOLDOWN_SECONDS)
    min_message_chars: int = Field(default=3, ge=0, le=2000)
    min_member_age_days: int = Field(default=0, ge=0, le=3650)
    interactions_per_partner_per_day: int = Field(default=3, ge=0, le=10_000)
    kudos_per_day: int = Field(default=5, ge=0, le=1000)
    pair_daily_cap: int = Field(default=30, ge=0, le=_MAX_POINTS)
    member_daily_cap: int = Field(default=200, ge=0, le=_MAX_POINTS)
    max_freezes: int = Field(default=2, ge=0, le=365)


class GuildSettings(_Strict):
    """All tunables of one guild. Build and change it only through `apply_changes`."""

    timezone: str = "UTC"
    streak_mode: Literal["mutual", "any"] = "mutual"
    streak_kinds: tuple[str, ...] = ("reply", "mention", "kudos")
    kudos_emoji: str = Field(default="⭐", min_length=1, max_length=64)
    points: PointSettings = Field(default_factory=lambda: PointSettings())
    limits: LimitSettings = Field(default_factory=lambda: LimitSettings())
    # authenticity review (SPEC §10): hold flagged members' points, only flag, or no passes
    review_mode: Literal["hold", "flag", "off"] = "hold"
    review_window_days: int = Field(default=7, ge=1, le=90)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("streak_kinds", mode="before")
    @classmethod
    def _kinds(cls, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError("streak_kinds must be a list of kinds")
        for kind in value:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
        return tuple(dict.fromkeys(value))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["streak_kinds"] = list(self.streak_kinds)
        data["points"]["milestones"] = {
            str(k): v for k, v in sorted(self.points.milestones.items())
        }
        return data

    def apply_changes(self, changes: dict[str, Any]) -> GuildSettings:
        """Return new settings with only the given names changed; raise InvalidSetting."""
        data = self.to_json_dict()
        for name, value in changes.items():
            if name in ("points", "limits"):
                if not isinstance(value, dict):
                    raise InvalidSetting(f"{name} must be an object of setting names")
                section = data[name]
                allowed = (PointSettings if name == "points" else LimitSettings).model_fields
                for sub, subvalue in value.items():
                    if sub not in allowed:
                        raise InvalidSetting(
                            f"unknown setting {name}.{sub}; allowed: {', '.join(allowed)}"
                        )
                    if sub == "milestones" and isinstance(subvalue, dict):
                        merged = dict(section["milestones"])
                        merged.update({str(k): v for k, v in subvalue.items()})
                        section["milestones"] = merged
                    else:
                        section[sub] = subvalue
            elif name in GuildSettings.model_fields:
                data[name] = value
            else:
                allowed_names = ", ".join(GuildSettings.model_fields)
                raise InvalidSetting(f"unknown setting {name!r}; allowed: {allowed_names}")
        return settings_from_dict(data)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"] if p not in ("function-after",))
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


def settings_from_dict(data: dict[str, Any]) -> GuildSettings:
    """Validate a full settings dict (JSON-shaped) into GuildSettings; raise InvalidSetting."""
    try:
        return GuildSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidSetting(_describe(exc)) from None


_ZONES: set[str] | None = None


def check_timezone(name: str) -> None:
    """Raise ValueError unless `name` is an IANA timezone zoneinfo knows."""
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    if name not in _ZONES and name != "UTC":
        raise ValueError(
            f"unknown timezone {name[:60]!r}; use an IANA name such as Europe/Amsterdam"
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}; use an IANA name such as Europe/Amsterdam"
        ) from None


def all_timezones() -> list[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return sorted(_ZONES)
