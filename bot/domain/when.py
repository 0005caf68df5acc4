"""When something starts, as a person types it: `now`, `in 2h`, `tomorrow 18:00`, `friday`,
`6pm`, `dec 24`, `2026-12-24 18:00`… in the server's time zone.

Pure: `now` and the zone are passed in. Wall-clock times are read in the zone (DST by
`zoneinfo`: a time that does not exist in the spring gap is read with the offset before the
change, so 02:30 becomes 03:30; an autumn time that happens twice is its first occurrence);
`in …` is counted in real time from `now`. A day without a time means 00:00 that day.
Anything else is a `DomainError` whose message lists examples.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError

MAX_TEXT = 100
PAST_GRACE = timedelta(minutes=1)
HORIZON = timedelta(days=366)
EXAMPLES = (
    "`now`, `in 2h`, `tomorrow 18:00`, `friday 9:30`, `6pm`, `dec 24 6pm` "
    "or `2026-12-24 18:00` (server time)"
)

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("monday", "mon"),
        ("tuesday", "tue", "tues"),
        ("wednesday", "wed", "weds"),
        ("thursday", "thu", "thur", "thurs"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    )
):
    for _name in _names:
        WEEKDAYS[_name] = _number

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    MONTHS[_name] = _number
    MONTHS[_name[:3]] = _number
MONTHS["sept"] = 9

_NOW_WORDS = {"now", "right now", "asap", "immediately", "today"}
_TOMORROW = {"tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow"}
_TODAY = {"today", "tonight"}

_UNIT = r"(?:weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)"
_RELATIVE = re.compile(rf"(?:in\s+|\+\s*)?((?:\d+\s*{_UNIT}\s*(?:and\s+)?)+)", re.ASCII)
_RELATIVE_PART = re.compile(rf"(\d+)\s*({_UNIT})", re.ASCII)
_STAMP = re.compile(r"<t:(-?\d{1,14})(?::[a-z])?>", re.ASCII)
_TIME_HM = re.compile(
    r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?![\d:])", re.ASCII
)
_TIME_AMPM = re.compile(r"(?<![\d:])(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])", re.ASCII)
_TIME_WORD = re.compile(r"\b(noon|midday|midnight)\b", re.ASCII)
_ISO_DATE = re.compile(r"(\d{1,6})[-/](\d{1,2})[-/](\d{1,2})", re.ASCII)
_DAY_MONTH = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?(?:\s+(\d{1,6}))?", re.ASCII
)
_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:\s+(\d{1,6}))?", re.ASCII)


def shown_text(text: str) -> str:
    """What the person typed, safe to quote back: short, one line, no backticks, valid UTF-8."""
    cut = re.sub(r"[`\s]+", " ", text).strip()[:40]
    return cut.encode("utf-8", "replace").decode("utf-8")


def _not_understood(text: str) -> DomainError:
    return DomainError(f"`{shown_text(text)}` is not a time I know. Use e.g. {EXAMPLES}.")


def _too_far(text: str, horizon: timedelta) -> DomainError:
    return DomainError(
        f"`{shown_text(text)}` is too far ahead: pick a time within {horizon.days} days, "
        f"e.g. {EXAMPLES}."
    )


def _in_past(text: str, when: datetime | None) -> DomainError:
    stamp = f" (<t:{int(when.timestamp())}:R>)" if when is not None else ""
    return DomainError(
        f"`{shown_text(text)}` is in the past{stamp}. Pick now or later, e.g. {EXAMPLES}."
    )


def parse_start(text: str, now: datetime, zone: ZoneInfo, horizon: timedelta = HORIZON) -> datetime:
    """The instant `text` names, at or after `now` (a time up to a minute ago means now) and
    at most `horizon` ahead; aware, in UTC."""
    when = parse_moment(text, now, zone, horizon)
    if when < now - PAST_GRACE:
        raise _in_past(text, when)
    return max(when, now.astimezone(UTC))


def parse_moment(
    text: str, now: datetime, zone: ZoneInfo, horizon: timedelta = HORIZON
) -> datetime:
    """The instant `text` names (possibly in the past); aware, in UTC. More than `horizon`
    away from `now` either way is refused."""
    if len(text) > MAX_TEXT:
        raise DomainError(f"That is too long to be a time. Use e.g. {EXAMPLES}.")
    words = re.sub(r"[\s,]+", " ", text.strip().strip("`'\"").lower()).strip()
    now_utc = now.astimezone(UTC)
    if not words:
        raise DomainError(f"Say when, e.g. {EXAMPLES}.")
    if words in _NOW_WORDS:
        return now_utc
    if (stamp := _STAMP.fullmatch(words)) is not None:
        when = _from_timestamp(text, stamp.group(1), now_utc, horizon)
    elif (relative := _RELATIVE.fullmatch(words)) is not None:
        when = now_utc + _relative(text, relative.group(1), horizon)
    else:
        when = _wall_clock(text, words, now_utc, zone, horizon)
    if when - now_utc > horizon:
        raise _too_far(text, horizon)
    if now_utc - when > horizon:
        raise _in_past(text, None)
    return when


def _from_timestamp(text: str, digits: str, now: datetime, horizon: timedelta) -> datetime:
    seconds = int(digits)
    if abs(seconds - now.timestamp()) > horizon.total_seconds():
        raise _too_far(text, horizon) if seconds > now.timestamp() else _in_past(text, None)
    return datetime.fromtimestamp(seconds, tz=UTC)


def _relative(text: str, body: str, horizon: timedelta) -> timedelta:
    minutes = 0
    limit = horizon.total_seconds() // 60
    for number, unit in _RELATIVE_PART.findall(body):
        if len(number) > 9:
            raise _too_far(text, horizon)
        value = int(number)
        if unit.startswith("w"):
            value *= 7 * 24 * 60
        elif unit.startswith("d"):
            value *= 24 * 60
        elif unit.startswith("h"):
            value *= 60
        minutes += value
        if minutes > limit:
            raise _too_far(text, horizon)
    return timedelta(minutes=minutes)


def _clock(text: str, hour: int, minute: int, second: int, half: str | None) -> time:
    if half:
        if not 1 <= hour <= 12:
            raise DomainError(f"`{shown_text(text)}`: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise DomainError(
            f"`{shown_text(text)}` has no such time of day. "
            "Use 00:00 to 23:59, e.g. `18:30` or `6pm`."
        )
    return time(hour, minute, second)


def _take_time(text: str, words: str) -> tuple[time | None, str]:
    """The time of day in `words`, and what is left of them."""
    for pattern in (_TIME_HM, _TIME_AMPM, _TIME_WORD):
        match = pattern.search(words)
        if match is None:
            continue
        rest = (words[: match.start()] + " " + words[match.end() :]).strip()
        if pattern is _TIME_WORD:
            found = time(0) if match.group(1) == "midnight" else time(12)
        elif pattern is _TIME_HM:
            found = _clock(
                text,
                int(match.group(1)),
                int(match.group(2)),
                int(match.group(3) or 0),
                match.group(4),
            )
        else:
            found = _clock(text, int(match.group(1)), 0, 0, match.group(2))
        return found, rest
    return None, words


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the zone as an instant (fold 0: see the module doc)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _year(text: str, digits: str, today: date, horizon: timedelta) -> int:
    year = int(digits)
    if year > today.year + horizon.days // 365 + 1:
        raise _too_far(text, horizon)
    if year < today.year - horizon.days // 365 - 1:
        raise _in_past(text, None)
    return year


def _date(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError(f"`{shown_text(text)}` is not a date on the calendar.") from None


def _wall_clock(
    text: str, words: str, now: datetime, zone: ZoneInfo, horizon: timedelta
) -> datetime:
    words = re.sub(r"(\d)t(\d)", r"\1 \2", words)  # 2026-12-24T18:00
    if re.search(r"(?:z|[+-]\d{2}:?\d{2})$", words) and re.match(r"\d{4}", words):
        return _iso(text, now, zone, horizon)
    at, rest = _take_time(text, words)
    rest = re.sub(r"\b(?:at|on)\b", " ", rest)
    rest = re.sub(r"\s+", " ", rest).strip()
    local_now = now.astimezone(zone)
    today = local_now.date()

    def soonest(days: list[date], clock: time) -> datetime:
        for day in days:
            candidate = _local(day, clock, zone)
            if candidate >= now - PAST_GRACE:
                return candidate
        return _local(days[-1], clock, zone)

    clock = at if at is not None else time(0)
    if not rest:
        if at is None:
            raise _not_understood(text)
        return soonest([today, today + timedelta(days=1)], clock)
    if rest in _TODAY:
        if at is None:
            raise _not_understood(text)
        return _local(today, at, zone)
    if rest in _TOMORROW:
        return _local(today + timedelta(days=1), clock, zone)
    if rest in ("day after tomorrow", "overmorrow"):
        return _local(today + timedelta(days=2), clock, zone)
    weekday = re.fullmatch(r"(next |this |coming )?([a-z]+)\.?", rest)
    if weekday is not None and weekday.group(2) in WEEKDAYS:
        target = WEEKDAYS[weekday.group(2)]
        ahead = (target - today.weekday()) % 7
        first = today + timedelta(days=ahead)
        if weekday.group(1) == "next " and ahead == 0:
            first += timedelta(days=7)
        return soonest([first, first + timedelta(days=7)], clock)
    if (iso := _ISO_DATE.fullmatch(rest)) is not None:
        if len(iso.group(1)) != 4:
            raise _not_understood(text)
        year = _year(text, iso.group(1), today, horizon)
        return _local(_date(text, year, int(iso.group(2)), int(iso.group(3))), clock, zone)
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        match = pattern.fullmatch(rest)
        if match is None or match.group(month_group) not in MONTHS:
            continue
        month = MONTHS[match.group(month_group)]
        day_number = int(match.group(day_group))
        if match.group(3):
            year = _year(text, match.group(3), today, horizon)
            return _local(_date(text, year, month, day_number), clock, zone)
        candidates = []
        for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
            try:
                candidates.append(date(year, month, day_number))
            except ValueError:
                continue
        if not candidates:
            raise DomainError(f"`{shown_text(text)}` is not a date on the calendar.")
        return soonest(candidates, clock)
    if re.match(r"\d{4}", words):
        return _iso(text, now, zone, horizon)
    raise _not_understood(text)


def _iso(text: str, now: datetime, zone: ZoneInfo, horizon: timedelta) -> datetime:
    """ISO 8601, as `/challenge create` always took it (naive means server time)."""
    value = text.strip().strip("`'\"")
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise _not_understood(text) from None
    _year(text, str(parsed.year), now.astimezone(zone).date(), horizon)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _too_far(text, horizon) from None


def describe_local(when: datetime, zone: ZoneInfo) -> str:
    """`Wed 2 Dec 18:00` in the zone: for autocomplete labels, where timestamps don't render."""
    local = when.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"
