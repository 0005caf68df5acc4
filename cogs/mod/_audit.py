"""/mod audit lines: one short, readable sentence per audit entry, for every action the
services write (grep `_audit(` in bot/services/), and a readable fallback for any other.

Pure: no I/O. Members are mentions (`<@id>`, a name in an embed that pings nobody), roles
`<@&id>`, channels `<#id>`, times Discord timestamps; never an id, a dict or a Python repr."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from discord import app_commands

from bot.domain.badges import BUILTIN_BADGES
from bot.reads import AuditFilter
from cogs._ui import REASON_TEXT

MAX_LINE = 300
MAX_TEXT = 90
SNOWFLAKE = 10**14  # ids of Discord objects are at least this large

# -- filters: a choice list of families and single actions, values = what storage matches ---
FAMILIES: dict[str, AuditFilter] = {
    "settings": AuditFilter(actions=("settings", "config")),
    "reputation": AuditFilter(actions=("mod.adjust-rep",)),
    "streaks": AuditFilter(actions=("mod.restore-streak",)),
    "privacy": AuditFilter(actions=("mod.exclude", "mod.include"), prefixes=("privacy.",)),
    "badges": AuditFilter(prefixes=("badge.",)),
    "challenges": AuditFilter(prefixes=("challenge.",)),
    "review": AuditFilter(prefixes=("review.",)),
}

ACTION_CHOICES: list[app_commands.Choice[str]] = [
    app_commands.Choice(name=name, value=value)
    for name, value in (
        ("Settings changes", "settings"),
        ("Reputation adjustments", "reputation"),
        ("Streak restores", "streaks"),
        ("Exclusions and privacy", "privacy"),
        ("Excluded members", "mod.exclude"),
        ("Members counted again", "mod.include"),
        ("Badges (all)", "badges"),
        ("Badges given", "badge.grant"),
        ("Badges taken", "badge.revoke"),
        ("Badges created", "badge.create"),
        ("Badge roles linked", "badge.link-role"),
        ("Challenges (all)", "challenges"),
        ("Challenges created", "challenge.create"),
        ("Challenges edited", "challenge.edit"),
        ("Challenges ended", "challenge.end"),
        ("Challenges cancelled", "challenge.cancel"),
        ("Review decisions", "review"),
        ("Review approvals", "review.approve"),
        ("Review rejections", "review.reject"),
    )
]


def action_filter(value: str | None, member: int | None) -> AuditFilter:
    """What storage lists for the `action` choice (a family or one action) and `member`."""
    if value is None:
        return AuditFilter(member=member)
    family = FAMILIES.get(value)
    if family is not None:
        return AuditFilter(member, family.actions, family.prefixes)
    return AuditFilter(member, (value,))


def action_label(value: str) -> str:
    return next((c.name for c in ACTION_CHOICES if c.value == value), value)


# -- small pieces ---------------------------------------------------------------------------
def _clean(text: str, limit: int = MAX_TEXT) -> str:
    """User text on one line, inert in markdown, short."""
    one = " ".join(text.split())
    if len(one) > limit:
        cut = one[: limit - 1]
        if " " in cut[limit // 2 :]:  # cut at a space: a mention in the text stays whole
            cut = cut.rsplit(" ", 1)[0]
        one = cut.rstrip() + "…"
    for ch in ("\\", "*", "_", "`", "~", "|", ">"):
        one = one.replace(ch, "\\" + ch)
    return one


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= SNOWFLAKE


def _who(value: Any) -> str:
    if _is_id(value) or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return f"<@{value}>"
    return "someone"


def _people(value: Any) -> str:
    if isinstance(value, list) and value:
        return " & ".join(_who(v) for v in value[:6]) + (
            f" and {len(value) - 6} more" if len(value) > 6 else ""
        )
    return _who(value)


def _num(n: int, sign: bool = False) -> str:
    """A count or amount, with thousands separators (never a long bare digit run)."""
    return f"{n:+,d}" if sign else f"{n:,d}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{_num(n)} {one if n == 1 else (many or one + 's')}"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _words(key: str) -> str:
    return " ".join(key.replace("-", " ").replace("_", " ").replace(".", " ").split()) or "value"


def _hidden_id(value: int) -> str:
    return f"#…{str(abs(value))[-4:]}"


def value_text(key: str, value: Any, depth: int = 0) -> str:
    """Any JSON value as words: ids as mentions (by what the key names), lists joined, nested
    objects as `key: value` — never a repr."""
    k = key.lower()
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        if value > 0 and "channel" in k:
            return f"<#{value}>"
        if value > 0 and "role" in k:
            return f"<@&{value}>"
        if _is_id(value):
            user_key = any(w in k for w in ("member", "user", "partner", "moderator", "by"))
            return f"<@{value}>" if user_key else _hidden_id(value)
        return _num(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        shown = [value_text(key, v, depth + 1) for v in list(value)[:8]]
        more = f" and {len(value) - 8} more" if len(value) > 8 else ""
        return ", ".join(shown) + more
    if isinstance(value, Mapping):
        if depth >= 2 or not value:
            return "…" if value else "none"
        return "; ".join(
            f"{_words(str(sub))}: {value_text(str(sub), v, depth + 1)}"
            for sub, v in list(value.items())[:8]
        )
    return _clean(str(value).replace("{", "(").replace("}", ")"))


def _joined(parts: list[str], sep: str, limit: int = 200) -> str:
    """Parts joined while they fit in `limit` characters, then `and N more`."""
    out: list[str] = []
    used = 0
    for i, part in enumerate(parts):
        if out and used + len(part) > limit:
            return sep.join(out) + f" and {len(parts) - i} more"
        out.append(part)
        used += len(part) + len(sep)
    return sep.join(out)


def details_text(details: Mapping[str, Any]) -> str:
    """The fallback: `key: value, …`."""
    return _joined([f"{_words(str(k))}: {value_text(str(k), v)}" for k, v in details.items()], ", ")


# -- settings -------------------------------------------------------------------------------
SETTING_NAMES: dict[str, str] = {
    "timezone": "time zone",
    "streak_mode": "streak mode",
    "streak_kinds": "what counts for streaks",
    "kudos_emoji": "kudos emoji",
    "review_mode": "review mode",
    "review_window_days": "review window",
    "points.reply": "points for a reply",
    "points.mention": "points for a mention",
    "points.reaction": "points for a reaction",
    "points.kudos": "points for kudos",
    "points.streak_day": "points for a streak day",
    "points.milestones": "milestone bonuses",
    "limits.cooldown_seconds": "cooldown",
    "limits.min_message_chars": "shortest message",
    "limits.min_member_age_days": "new-member wait",
    "limits.interactions_per_partner_per_day": "paid interactions per partner a day",
    "limits.kudos_per_day": "kudos a day",
    "limits.pair_daily_cap": "points per partner a day",
    "limits.member_daily_cap": "points per member a day",
    "limits.max_freezes": "freezes one can hold",
    "reminder_channel": "reminder channel",
    "announcement_channel": "announcement channel",
    "leaderboard_channel": "leaderboard channel",
    "review_channel": "review channel",
    "moderator_role": "moderator role",
    "reminder_hour": "reminder hour",
    "reminder_min_streak": "reminders from",
    "reminders_enabled": "reminders",
    "leaderboard_day": "leaderboard day",
    "leaderboard_hour": "leaderboard hour",
    "leaderboard_board": "leaderboard board",
    "leaderboard_enabled": "leaderboard post",
    "channel_allow": "tracked channels",
    "channel_deny": "ignored channels",
    "history_days": "history import",
    "web_page": "public web page",
}

UNIT_OF: dict[str, tuple[str, str]] = {
    "review_window_days": ("day", "days"),
    "limits.cooldown_seconds": ("second", "seconds"),
    "limits.min_message_chars": ("character", "characters"),
    "limits.min_member_age_days": ("day", "days"),
    "limits.kudos_per_day": ("kudos", "kudos"),
    "limits.pair_daily_cap": ("point", "points"),
    "limits.member_daily_cap": ("point", "points"),
    "reminder_min_streak": ("day", "days"),
    "history_days": ("day", "days"),
}

WORDS_OF: dict[str, dict[str, str]] = {
    "streak_mode": {"mutual": "both ways each day", "any": "either way"},
    "review_mode": {"hold": "hold points", "flag": "flag only", "off": "off"},
    "leaderboard_day": {
        "mon": "Mondays",
        "tue": "Tuesdays",
        "wed": "Wednesdays",
        "thu": "Thursdays",
        "fri": "Fridays",
        "sat": "Saturdays",
        "sun": "Sundays",
        "daily": "every day",
    },
    "leaderboard_board": {
        "streaks": "running streaks",
        "best": "best streaks",
        "reputation": "reputation",
        "weekly": "this week's points",
        "monthly": "this month's points",
        "challenge": "the current challenge",
    },
}


def setting_value(name: str, value: Any) -> str:
    if name.endswith("_hour") and (hour := _int(value)) is not None and 0 <= hour <= 23:
        return f"{hour:02d}:00"
    if name == "channel_allow" and value is None:
        return "all channels"
    if name == "channel_deny" and value == []:
        return "none"
    if name == "points.milestones":
        if isinstance(value, Mapping):
            return ", ".join(
                f"{_plural(_int(v) or 0, 'point')} at {_clean(str(k), 8)} days"
                for k, v in list(value.items())[:8]
            )
    if isinstance(value, str) and value in WORDS_OF.get(name, {}):
        return WORDS_OF[name][value]
    if (n := _int(value)) is not None and name in UNIT_OF:
        one, many = UNIT_OF[name]
        return f"{_num(n)} {one if n == 1 else many}"
    if name.startswith("points.") and (n := _int(value)) is not None:
        return _plural(n, "point")
    if name in ("channel_allow", "channel_deny") and isinstance(value, list):
        return value_text("channel", value)
    return value_text(name, value)


def _flatten(changes: Mapping[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in changes.items():
        if key in ("points", "limits") and isinstance(value, Mapping) and value:
            out += [(f"{key}.{sub}", v) for sub, v in value.items()]
        else:
            out.append((str(key), value))
    return out


def settings_text(details: Mapping[str, Any]) -> str:
    """`reminder hour 18:00 → 20:00; time zone → Europe/Amsterdam` (with a `before` object of
    the same shape the old values are shown too)."""
    before = details.get("before")
    old = dict(_flatten(before)) if isinstance(before, Mapping) else {}
    parts = []
    for name, value in _flatten({k: v for k, v in details.items() if k != "before"}):
        label = SETTING_NAMES.get(name) or _words(name)
        new = setting_value(name, value)
        if name in old:
            parts.append(f"{label} {setting_value(name, old[name])} → {new}")
        else:
            parts.append(f"{label} → {new}")
    return _joined(parts, "; ") if parts else "nothing"


# -- one line per action --------------------------------------------------------------------
def badge_text(key: Any, names: Mapping[str, str]) -> str:
    if not isinstance(key, str):
        return "a badge"
    if key in names:
        return _clean(names[key], 60)
    info = BUILTIN_BADGES.get(key)
    if info is not None:
        return f"{info.emoji} {info.name}"
    return _clean(key.removeprefix("custom-").replace("-", " "), 60) or "a badge"


def _reason(details: Mapping[str, Any]) -> str:
    reason = details.get("reason")
    return f" (reason: {_clean(reason)})" if isinstance(reason, str) and reason.strip() else ""


def _sentence(action: str, d: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    """What the moderator did, after their mention; None for an action not known here."""
    if action == "mod.adjust-rep":
        amount = _int(d.get("amount"))
        by = f"by {_num(amount, sign=True)}" if amount is not None else ""
        return f"adjusted {_who(d.get('member'))}'s reputation {by}".rstrip() + _reason(d)
    if action == "mod.restore-streak":
        days = d.get("days")
        n = len(days) if isinstance(days, list) else _int(days)
        parts = [_plural(n, "missed day")] if n is not None else []
        if (after := _int(d.get("after"))) is not None:
            parts.append(f"now {_plural(after, 'day')}")
        missed = f" ({', '.join(parts)})" if parts else ""
        return f"restored the streak of {_people(d.get('members'))}{missed}{_reason(d)}"
    if action == "mod.exclude":
        return f"excluded {_who(d.get('member'))}: their messages no longer count"
    if action == "mod.include":
        return f"counted {_who(d.get('member'))} again"
    if action in ("settings", "config"):
        return f"changed settings: {settings_text(d)}"
    if action == "badge.create":
        name = d.get("name")
        shown = _clean(name, 60) if isinstance(name, str) else badge_text(d.get("badge"), names)
        return f"created the badge **{shown}**"
    if action == "badge.link-role":
        badge = badge_text(d.get("badge"), names)
        role = _int(d.get("role"))
        if role is None:
            return f"unlinked the role from {badge}"
        return f"made {badge} give {value_text('role', role)}"
    if action == "badge.grant":
        return f"gave {badge_text(d.get('badge'), names)} to {_who(d.get('member'))}"
    if action == "badge.revoke":
        return f"took {badge_text(d.get('badge'), names)} from {_who(d.get('member'))}"
    if action.startswith("challenge."):
        verb = {
            "challenge.create": "created",
            "challenge.edit": "edited",
            "challenge.end": "ended",
            "challenge.cancel": "cancelled",
        }.get(action)
        if verb is None:
            return None
        name = d.get("name")
        shown = f"**{_clean(name, 60)}**" if isinstance(name, str) and name.strip() else ""
        return f"{verb} the challenge {shown}".rstrip() + _reason(d)
    if action in ("review.approve", "review.reject"):
        points = _int(d.get("points")) or 0
        reasons = d.get("reasons")
        why = ""
        if isinstance(reasons, list) and reasons:
            named = ", ".join(REASON_TEXT.get(str(r), _words(str(r))) for r in reasons)
            why = f" ({_clean(named, 80)})"
        if action == "review.approve":
            held = f": {_plural(points, 'held point')} released" if points else ""
            return f"approved {_who(d.get('member'))} after review{held}{why}"
        held = f": {_plural(points, 'held point')} void" if points else ""
        return f"rejected {_who(d.get('member'))} after review{held}{why}"
    return None


def audit_line(
    moderator: int,
    action: str,
    details: Mapping[str, Any],
    at: datetime,
    badge_names: Mapping[str, str] | None = None,
) -> str:
    """`<t:…:R> · @Mod adjusted @Ana's reputation by +50 (reason: helped onboard)`."""
    names = badge_names or {}
    d: Mapping[str, Any] = details if isinstance(details, Mapping) else {}
    try:
        said = _sentence(action, d, names)
    except (TypeError, ValueError, AttributeError):  # a malformed old row: say it plainly
        said = None
    if said is None:
        rest = details_text(d)
        said = f"did {_clean(_words(action), 40)}" + (f": {rest}" if rest else "")
    when = f"<t:{int(at.timestamp())}:R>"
    line = f"{when} · {_who(moderator)} {said}"
    if len(line) > MAX_LINE:  # cut at a space: a mention is never split into a bare id
        line = line[: MAX_LINE - 2].rsplit(" ", 1)[0] + " …"
    return line
