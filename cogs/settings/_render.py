"""Settings in human words: what a /settings command changed (before → after) and the
grouped /settings show embed. Pure formatting of the values the settings service returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings

BOARDS: dict[str, str] = {
    "streaks": "Longest running streaks",
    "best": "Best streaks ever",
    "reputation": "Reputation",
    "weekly": "This week's points",
    "monthly": "This month's points",
    "challenge": "The current challenge",
}
DAYS: dict[str, str] = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
    "daily": "Every day",
}
STREAK_MODES: dict[str, str] = {
    "mutual": "Both ways each day (mutual)",
    "any": "Either way counts (any)",
}
REVIEW_MODES: dict[str, str] = {
    "hold": "Hold flagged points for a decision",
    "flag": "Flag only (points count)",
    "off": "Off (no review)",
}
KIND_WORDS: dict[str, str] = {
    "reply": "replies",
    "mention": "mentions",
    "reaction": "reactions",
    "kudos": "kudos",
}


def channel(value: Any) -> str:
    return f"<#{value}>" if value else "not set"


def hour(value: Any) -> str:
    return f"{int(value):02d}:00"


def on_off(value: Any) -> str:
    return "on" if value else "off"


def _plural(n: Any, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _unit(unit: str) -> Callable[[Any], str]:
    return lambda n: _plural(n, unit)


def _channels(value: Any, empty: str) -> str:
    if not value:
        return empty
    return " ".join(f"<#{c}>" for c in value)


def _kinds(value: Any) -> str:
    return ", ".join(KIND_WORDS.get(k, str(k)) for k in value) or "nothing"


def _milestones(value: Any) -> str:
    items = sorted((int(k), v) for k, v in dict(value).items())
    return " · ".join(f"{k} days +{v}" for k, v in items) or "none"


def _when(day: str) -> str:
    return "every day" if day == "daily" else DAYS.get(day, day) + "s"


def _role(value: Any) -> str:
    return f"<@&{value}>" if value else "Manage Server only"


def _history(value: Any) -> str:
    return "none" if value == 0 else _plural(value, "day")


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    show: Callable[[Any], str]


# every setting's label and how its value reads; names not listed read as "Name: value"
FIELDS: dict[str, Field] = {
    "timezone": Field("Time zone", str),
    "streak_mode": Field("Streak days", lambda v: STREAK_MODES.get(v, str(v))),
    "streak_kinds": Field("What builds streaks", _kinds),
    "kudos_emoji": Field("Kudos emoji", str),
    "points.reply": Field("Points per reply", str),
    "points.mention": Field("Points per mention", str),
    "points.reaction": Field("Points per reaction", str),
    "points.kudos": Field("Points per kudos", str),
    "points.streak_day": Field("Points per streak day", str),
    "points.milestones": Field("Milestone points", _milestones),
    "limits.cooldown_seconds": Field("Cooldown between paid interactions", lambda v: f"{v} s"),
    "limits.min_message_chars": Field("Shortest message that counts", _unit("character")),
    "limits.min_member_age_days": Field("New members wait", _unit("day")),
    "limits.interactions_per_partner_per_day": Field("Paid interactions per partner a day", str),
    "limits.kudos_per_day": Field("Kudos a member may give a day", str),
    "limits.pair_daily_cap": Field("Points a day from one partner", str),
    "limits.member_daily_cap": Field("Points a day in all", str),
    "limits.max_freezes": Field("Freezes one can hold", str),
    "review_mode": Field("Authenticity review", lambda v: REVIEW_MODES.get(v, str(v))),
    "review_window_days": Field("Review looks back", _unit("day")),
    "reminder_channel": Field("Reminder channel", channel),
    "announcement_channel": Field("Announcement channel", channel),
    "leaderboard_channel": Field("Leaderboard channel", channel),
    "review_channel": Field("Review channel", channel),
    "moderator_role": Field("Moderators", _role),
    "reminder_hour": Field("Reminder time", hour),
    "reminder_min_streak": Field("Reminders for streaks of at least", _unit("day")),
    "reminders_enabled": Field("Reminders", on_off),
    "leaderboard_day": Field("Leaderboard day", lambda v: DAYS.get(v, str(v))),
    "leaderboard_hour": Field("Leaderboard time", hour),
    "leaderboard_board": Field("Leaderboard shows", lambda v: BOARDS.get(v, str(v))),
    "leaderboard_enabled": Field("Leaderboard post", on_off),
    "channel_allow": Field("Tracked channels", lambda v: _channels(v, "all text channels")),
    "channel_deny": Field("Ignored channels", lambda v: _channels(v, "none")),
    "history_days": Field("History import", _history),
}


def _plain(value: Any) -> str:
    return on_off(value) if isinstance(value, bool) else str(value)


def field(name: str) -> Field:
    known = FIELDS.get(name)
    if known is not None:
        return known
    words = name.rsplit(".", 1)[-1].replace("_", " ")
    return Field(words[:1].upper() + words[1:], _plain)


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"points": {"reply": 3}} → {"points.reply": 3}; milestones stay one value."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name in ("points", "limits"):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _values(settings: GuildSettings | None, config: GuildConfig | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if settings is not None:
        out.update(flatten(settings.to_json_dict()))
    if config is not None:
        out.update(flatten(config.model_dump()))
    return out


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    before: str
    after: str

    @property
    def line(self) -> str:
        return f"**{self.label}:** {self.before} → {self.after}"


def changes(
    before: tuple[GuildSettings | None, GuildConfig | None],
    after: tuple[GuildSettings | None, GuildConfig | None],
) -> list[Change]:
    """Only what differs, in the order of FIELDS, each in human words."""
    old, new = _values(*before), _values(*after)
    names = [n for n in FIELDS if n in new] + [n for n in new if n not in FIELDS]
    out = []
    for name in names:
        if old.get(name) != new.get(name):
            spec = field(name)
            out.append(Change(spec.label, spec.show(old.get(name)), spec.show(new[name])))
    return out


def current(
    names: Iterable[str], settings: GuildSettings | None, config: GuildConfig | None
) -> list[str]:
    """ "**Reminder time:** 18:00" for each asked-for name (for "Nothing changed")."""
    values = _values(settings, config)
    out = []
    for name in names:
        if name in values:
            spec = field(name)
            out.append(f"**{spec.label}:** {spec.show(values[name])}")
    return out


def asked(changes_given: Mapping[str, Any]) -> list[str]:
    """The flat setting names a command was asked to change."""
    return list(flatten(changes_given))


def clip(text: str, limit: int = 1024) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_lines(settings: GuildSettings, config: GuildConfig) -> list[tuple[str, list[str]]]:
    """/settings show, grouped: (heading, short lines) a phone shows without wrapping much."""
    values = _values(settings, config)

    def line(name: str, label: str | None = None) -> str:
        spec = field(name)
        return f"{label or spec.label}: {spec.show(values[name])}"

    p, lim = settings.points, settings.limits
    review = REVIEW_MODES[settings.review_mode]
    review_lines = [f"Mode: {review}"]
    if settings.review_mode != "off":
        review_lines.append(line("review_window_days"))
        review_lines.append(
            f"Flags go to {channel(config.review_channel)}"
            if config.review_channel
            else "Flags wait in `/mod review` (no review channel)"
        )
    tracking = [
        clip(line("channel_allow", "Tracked"), 600),
        clip(line("channel_deny", "Ignored"), 380),
    ]
    if "history_days" in values:
        tracking.append(line("history_days", "History import"))
    return [
        (
            "📣 Channels",
            [
                line("reminder_channel", "Reminders"),
                line("announcement_channel", "Announcements"),
                line("leaderboard_channel", "Leaderboard"),
                line("review_channel", "Review flags"),
            ],
        ),
        (
            "⏰ Posts",
            [
                f"Reminders: {on_off(config.reminders_enabled)} at {hour(config.reminder_hour)}, "
                f"streaks ≥ {config.reminder_min_streak}",
                f"Leaderboard: {on_off(config.leaderboard_enabled)}, "
                f"{_when(config.leaderboard_day)} at {hour(config.leaderboard_hour)}",
                f"Board: {BOARDS[config.leaderboard_board]}",
            ],
        ),
        (
            "🔥 Streaks",
            [
                f"Time zone: {settings.timezone}",
                f"Days: {STREAK_MODES[settings.streak_mode]}",
                f"Built by: {_kinds(settings.streak_kinds)}",
                f"Kudos emoji: {settings.kudos_emoji} · freezes ≤ {lim.max_freezes}",
            ],
        ),
        (
            "⭐ Points",
            [
                f"Reply {p.reply} · mention {p.mention} · reaction {p.reaction}",
                f"Kudos {p.kudos} · streak day {p.streak_day}",
            ],
        ),
        (
            "🛡️ Limits",
            [
                f"Cooldown {lim.cooldown_seconds} s · min {lim.min_message_chars} chars",
                f"New members wait {_plural(lim.min_member_age_days, 'day')}",
                f"Per partner a day: {lim.interactions_per_partner_per_day} paid, "
                f"{lim.pair_daily_cap} points",
                f"A day: {lim.kudos_per_day} kudos, {lim.member_daily_cap} points",
            ],
        ),
        ("👀 Tracking", tracking),
        ("🔎 Authenticity review", review_lines),
        ("🛠️ Moderators", [line("moderator_role", "Who")]),
    ]
