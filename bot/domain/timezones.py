"""Time zones as a moderator picks one: ranked suggestions with their UTC offset and local
time now, and a plain explanation of fixed-offset and legacy names (`EST`, `Etc/GMT+1`).

Pure: `now` is passed in; the zone list is built once. Offsets are computed once per hour
(an offset only changes on the hour or half hour, and a suggestion a few minutes stale in a
DST night is harmless), so a keystroke costs a few string comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

MAX_CHOICES = 25
MAX_LABEL = 100

# shown for an empty box; sorted by their offset now, west to east
COMMON_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Toronto",
    "America/Sao_Paulo",
    "UTC",
    "Europe/London",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# big cities that are not the name of their zone
CITY_ALIASES: dict[str, str] = {
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "philadelphia": "America/New_York",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "austin": "America/Chicago",
    "montreal": "America/Toronto",
    "rio de janeiro": "America/Sao_Paulo",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "saint petersburg": "Europe/Moscow",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "osaka": "Asia/Tokyo",
    "kyoto": "Asia/Tokyo",
}

# legacy names and the city name most people mean by them
_USUAL_NAME: dict[str, str] = {
    "EST": "America/New_York",
    "MST": "America/Denver",
    "HST": "Pacific/Honolulu",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "CET": "Europe/Paris",
    "MET": "Europe/Paris",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
    "US/Eastern": "America/New_York",
    "US/Central": "America/Chicago",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "US/Alaska": "America/Anchorage",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Arizona": "America/Phoenix",
    "GB": "Europe/London",
    "GB-Eire": "Europe/London",
    "Eire": "Europe/Dublin",
    "Japan": "Asia/Tokyo",
    "PRC": "Asia/Shanghai",
    "ROK": "Asia/Seoul",
    "ROC": "Asia/Taipei",
    "Hongkong": "Asia/Hong_Kong",
    "Singapore": "Asia/Singapore",
    "NZ": "Pacific/Auckland",
    "Poland": "Europe/Warsaw",
    "Portugal": "Europe/Lisbon",
    "Turkey": "Europe/Istanbul",
    "Egypt": "Africa/Cairo",
    "Israel": "Asia/Jerusalem",
    "Iran": "Asia/Tehran",
    "W-SU": "Europe/Moscow",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Europe/Kiev": "Europe/Kyiv",
}
_CITY_OF: dict[str, str] = {
    "America/New_York": "New York",
    "America/Denver": "Denver",
    "Pacific/Honolulu": "Hawaii",
}
_UTC_NAMES = frozenset(
    {
        "UTC",
        "UCT",
        "Universal",
        "Zulu",
        "GMT",
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Greenwich",
        "Etc/UTC",
        "Etc/UCT",
        "Etc/Universal",
        "Etc/Zulu",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/Greenwich",
    }
)
_LEGACY_PREFIXES = ("Etc/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/", "SystemV/")
_UNLISTED = frozenset({"Factory", "localtime", "posixrules"})
_ETC_GMT = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")
_OFFSET_QUERY = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:\s*:?\s*(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    key: str  # lower case, underscores as spaces: "america/new york"
    city: str  # "new york"
    legacy: bool
    common: int  # position in COMMON_ZONES, or len(COMMON_ZONES)


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    label: str  # at most MAX_LABEL characters
    value: str  # the zone name


def _is_legacy(name: str) -> bool:
    return "/" not in name or name.startswith(_LEGACY_PREFIXES) or name in _USUAL_NAME


@lru_cache(maxsize=1)
def zones() -> tuple[Zone, ...]:
    """Every zone zoneinfo knows (plus UTC), once."""
    names = (set(available_timezones()) | {"UTC"}) - _UNLISTED
    rank = {z: i for i, z in enumerate(COMMON_ZONES)}
    out = []
    for name in sorted(names):
        key = name.lower().replace("_", " ")
        out.append(
            Zone(
                name=name,
                key=key,
                city=key.rsplit("/", 1)[-1],
                legacy=_is_legacy(name),
                common=rank.get(name, len(COMMON_ZONES)),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def _by_name() -> dict[str, Zone]:
    return {z.name: z for z in zones()}


def _hour(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=4)
def _offsets(hour: datetime) -> dict[str, int]:
    """Every zone's UTC offset in minutes at that hour."""
    out: dict[str, int] = {}
    for zone in zones():
        offset = hour.astimezone(ZoneInfo(zone.name)).utcoffset() or timedelta(0)
        out[zone.name] = int(offset.total_seconds() // 60)
    return out


def offset_minutes(name: str, now: datetime) -> int:
    """The zone's UTC offset at `now`, in minutes."""
    offset = now.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def format_offset(minutes: int) -> str:
    """UTC+05:30, UTC−03:00 (a real minus sign), UTC+00:00."""
    sign = "−" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def _fixed(name: str, now: datetime) -> bool:
    """The same offset in January and July: no daylight saving."""
    return _fixed_in(name, now.year)


@lru_cache(maxsize=1024)
def _fixed_in(name: str, year: int) -> bool:
    zone = ZoneInfo(name)
    jan = datetime(year, 1, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset()
    jul = datetime(year, 7, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset()
    return jan == jul


def _fixed_not_city(name: str, now: datetime) -> bool:
    """A fixed-offset name whose city keeps daylight saving (EST vs New York)."""
    usual = _USUAL_NAME.get(name)
    return usual is not None and _fixed(name, now) and not _fixed(usual, now)


def zone_label(name: str, now: datetime, note: str = "") -> str:
    """ "Europe/Berlin — UTC+01:00, now 13:05", at most 100 characters."""
    minutes = offset_minutes(name, now)
    local = now.astimezone(UTC) + timedelta(minutes=minutes)
    extra = ""
    if name in _UTC_NAMES:
        extra = ""
    elif _ETC_GMT.match(name):
        extra = " (fixed; sign reversed)"
    elif _fixed_not_city(name, now):
        extra = " (fixed, no DST)"
    elif _is_legacy(name):
        extra = " (old name)"
    label = f"{name} — {format_offset(minutes)}, now {local:%H:%M}{extra}{note}"
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def parse_offset_query(text: str) -> int | None:
    """ "+5:30", "UTC-3", "gmt+0100", "−03:00" → minutes; anything else None."""
    match = _OFFSET_QUERY.match(text.strip().lower())
    if match is None:
        return None
    sign, hours, mins = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or mins >= 60:
        return None
    total = hours * 60 + mins
    return -total if sign in "-−" else total


def _common_first(now: datetime) -> list[Zone]:
    by_name = _by_name()
    common = [by_name[n] for n in COMMON_ZONES if n in by_name]
    return sorted(common, key=lambda z: (offset_minutes(z.name, now), z.common))


def suggest(text: str, now: datetime, limit: int = MAX_CHOICES) -> list[ZoneChoice]:
    """At most `limit` (≤ 25) zones for what a moderator typed: common zones for nothing,
    zones at that offset now for "+5:30" / "UTC-3", else by name and city."""
    limit = max(0, min(limit, MAX_CHOICES))
    query = " ".join(text.lower().replace("_", " ").split())[:100]
    if not query:
        picked = _common_first(now)[:limit]
        return [ZoneChoice(zone_label(z.name, now), z.name) for z in picked]
    wanted = parse_offset_query(query)
    if wanted is not None:
        offsets = _offsets(_hour(now))
        hits = [z for z in zones() if offsets[z.name] == wanted]
        hits.sort(key=lambda z: (z.common, z.legacy, z.name))
        return [ZoneChoice(zone_label(z.name, now), z.name) for z in hits[:limit]]
    ranked: dict[str, tuple[tuple[int, int, bool, int, str], str]] = {}
    for zone in zones():
        if zone.key == query or zone.city == query:
            tier = 0
        elif zone.city.startswith(query):
            tier = 1
        elif any(part.startswith(query) for part in zone.key.replace("/", " ").split()):
            tier = 2
        elif query in zone.key:
            tier = 3
        else:
            continue
        ranked[zone.name] = ((tier, zone.common, zone.legacy, len(zone.name), zone.name), "")
    for city, name in CITY_ALIASES.items():
        if city.startswith(query) or (len(query) >= 3 and query in city):
            aliased = _by_name().get(name)
            if aliased is None:
                continue
            key = (1, aliased.common, aliased.legacy, len(name), name)
            if name not in ranked or key < ranked[name][0]:
                ranked[name] = (key, f" · {city.title()}")
    best = sorted(ranked.items(), key=lambda item: item[1][0])[:limit]
    return [ZoneChoice(zone_label(name, now, note), name) for name, (_, note) in best]


def explain(name: str, now: datetime) -> str | None:
    """A sentence for a name that does not mean what it seems to (fixed offsets, the
    reversed Etc/GMT signs, legacy aliases); None for an ordinary Region/City name."""
    etc = _ETC_GMT.match(name)
    if etc is not None and name not in _UTC_NAMES:
        minutes = offset_minutes(name, now)
        return (
            f"{name} is {format_offset(minutes)} all year, no daylight saving "
            "(the sign is reversed in these names)."
        )
    if name in _UTC_NAMES:
        return (
            f"{name} is UTC+00:00 all year (no daylight saving). If your members are in the "
            "UK, Europe/London follows British summer time."
        )
    usual = _USUAL_NAME.get(name)
    if usual is None and "/" in name and not name.startswith(_LEGACY_PREFIXES):
        return None
    minutes = offset_minutes(name, now)
    if usual is not None and _fixed_not_city(name, now):
        city = _CITY_OF.get(usual, usual.rsplit("/", 1)[-1].replace("_", " "))
        return (
            f"{name} is a fixed {format_offset(minutes)} all year (no daylight saving); "
            f"for {city}'s clock use {usual}."
        )
    if usual is not None:
        return f"{name} is an old name: {usual} is the same clock under its usual name."
    if _fixed(name, now):
        return f"{name} is a fixed {format_offset(minutes)} all year (no daylight saving)."
    return f"{name} is an old name: your members' Region/City name is the usual choice."


def is_known(name: str) -> bool:
    return name in _by_name()


def warm(now: datetime) -> None:
    """Build the zone list and this hour's offsets ahead of the first keystroke."""
    _offsets(_hour(now))
    suggest("", now)
