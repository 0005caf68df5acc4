"""Start times as people type them (bot/domain/when.py): server-local, DST-correct, and
never anything but a clear DomainError for what it cannot read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import DomainError
from bot.domain.when import HORIZON, describe_local, parse_moment, parse_start

AMS = ZoneInfo("Europe/Amsterdam")
NY = ZoneInfo("America/New_York")
# Tuesday 1 December 2026, 13:14 in Amsterdam (12:14 UTC)
NOW = datetime(2026, 12, 1, 12, 14, tzinfo=UTC)


def local(*args: int, zone: ZoneInfo = AMS) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW", NOW),
        ("  now ", NOW),
        ("today", NOW),
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 30m", NOW + timedelta(minutes=30)),
        ("in 1d 3h", NOW + timedelta(days=1, hours=3)),
        ("in 2 hours and 30 minutes", NOW + timedelta(hours=2, minutes=30)),
        ("in 1w", NOW + timedelta(weeks=1)),
        ("+45m", NOW + timedelta(minutes=45)),
        ("today 18:00", local(2026, 12, 1, 18)),
        ("tomorrow 18:00", local(2026, 12, 2, 18)),
        ("Tomorrow at 6pm", local(2026, 12, 2, 18)),
        ("18:00 tomorrow", local(2026, 12, 2, 18)),
        ("tomorrow", local(2026, 12, 2, 0)),
        ("friday", local(2026, 12, 4, 0)),
        ("fri", local(2026, 12, 4, 0)),
        ("Friday 9:30", local(2026, 12, 4, 9, 30)),
        ("friday at 9:30am", local(2026, 12, 4, 9, 30)),
        ("next friday", local(2026, 12, 4, 0)),
        ("next tuesday", local(2026, 12, 8, 0)),  # today is Tuesday: next week's
        ("tuesday 18:00", local(2026, 12, 1, 18)),  # still today
        ("tuesday 9:00", local(2026, 12, 8, 9)),  # today's has passed
        ("18:00", local(2026, 12, 1, 18)),
        ("6pm", local(2026, 12, 1, 18)),
        ("6 pm", local(2026, 12, 1, 18)),
        ("6:30pm", local(2026, 12, 1, 18, 30)),
        ("9:00", local(2026, 12, 2, 9)),  # past today: tomorrow
        ("12am", local(2026, 12, 2, 0)),
        ("12pm", local(2026, 12, 2, 12)),
        ("noon", local(2026, 12, 2, 12)),
        ("midnight", local(2026, 12, 2, 0)),
        ("2026-12-24", local(2026, 12, 24, 0)),
        ("2026-12-24 18:00", local(2026, 12, 24, 18)),
        ("2026-12-24T18:00", local(2026, 12, 24, 18)),
        ("2026-12-24 6pm", local(2026, 12, 24, 18)),
        ("2026-12-24T18:00:00+00:00", datetime(2026, 12, 24, 18, tzinfo=UTC)),
        ("2026-12-24T18:00Z", datetime(2026, 12, 24, 18, tzinfo=UTC)),
        ("24 dec", local(2026, 12, 24, 0)),
        ("dec 24", local(2026, 12, 24, 0)),
        ("24 December", local(2026, 12, 24, 0)),
        ("december 24th", local(2026, 12, 24, 0)),
        ("24th of december 2026", local(2026, 12, 24, 0)),
        ("24 dec 18:00", local(2026, 12, 24, 18)),
        ("dec 24 6pm", local(2026, 12, 24, 18)),
        ("jan 5", local(2027, 1, 5, 0)),  # the next one
        ("1 dec 18:00", local(2026, 12, 1, 18)),  # today, still ahead
        ("<t:1796500000:F>", datetime.fromtimestamp(1796500000, tz=UTC)),
    ],
)
def test_what_people_type(text: str, expected: datetime) -> None:
    assert parse_start(text, NOW, AMS) == expected


def test_the_old_formats_still_work() -> None:
    """What `/challenge create start:` took before: now, a date, a date and time (server
    time) and ISO 8601 with an offset."""
    zone = ZoneInfo("Europe/Amsterdam")
    assert parse_start("2026-12-01 18:00", NOW, zone) == local(2026, 12, 1, 18)
    assert parse_start("2026-12-02", NOW, zone) == local(2026, 12, 2, 0)
    assert parse_start("2026-12-02T18:00:00+05:00", NOW, zone) == datetime(
        2026, 12, 2, 13, tzinfo=UTC
    )


def test_server_local_in_another_zone() -> None:
    assert parse_start("tomorrow 18:00", NOW, NY) == datetime(2026, 12, 2, 23, tzinfo=UTC)
    # 07:14 in New York: 9:00 is still ahead today
    assert parse_start("9:00", NOW, NY) == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert parse_start("friday", NOW, NY) == datetime(2026, 12, 4, 5, tzinfo=UTC)


def test_the_local_day_decides_tomorrow() -> None:
    # 23:30 UTC on 1 Dec is already 2 Dec in Amsterdam: tomorrow is the 3rd there
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert parse_start("tomorrow 18:00", late, AMS) == local(2026, 12, 3, 18)
    assert parse_start("tomorrow 18:00", late, ZoneInfo("UTC")) == datetime(
        2026, 12, 2, 18, tzinfo=UTC
    )


def test_spring_gap_and_autumn_overlap() -> None:
    before_spring = datetime(2027, 3, 27, 12, tzinfo=UTC)  # Saturday before the change
    # 02:30 does not exist on 28 March 2027 in Amsterdam: read as 03:30 summer time
    gap = parse_start("tomorrow 2:30", before_spring, AMS)
    assert gap == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert gap.astimezone(AMS).hour == 3
    before_autumn = datetime(2026, 10, 24, 12, tzinfo=UTC)
    # 02:30 happens twice on 25 October 2026: the first one (summer time)
    assert parse_start("tomorrow 2:30", before_autumn, AMS) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    # "in 24h" is real time across the change, "tomorrow 12:00" is wall-clock time
    assert parse_start("in 24h", before_autumn, AMS) == before_autumn + timedelta(hours=24)
    assert parse_start("tomorrow 12:00", before_autumn, AMS) == datetime(
        2026, 10, 25, 11, tzinfo=UTC
    )


def test_a_moment_ago_means_now() -> None:
    just_after = NOW + timedelta(seconds=40)
    assert parse_start("13:14", just_after, AMS) == just_after


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("soon", "not a time"),
        ("", "Say when"),
        ("next week", "not a time"),
        ("tonight", "not a time"),
        ("24.12.2026", "not a time"),
        ("24/12", "not a time"),
        ("today 08:00", "in the past"),
        ("2025-06-01", "in the past"),
        ("0001-01-01", "in the past"),
        ("<t:1000:R>", "in the past"),
        ("2026-12-01T08:00:00+00:00", "in the past"),
        ("9999-12-30", "too far ahead"),
        ("9999-12-31T23:59:59-23:59", "too far ahead"),
        ("in 400d", "too far ahead"),
        ("in 99999999999h", "too far ahead"),
        ("in " + "9" * 90 + "h", "too far ahead"),
        ("<t:99999999999999:R>", "too far ahead"),
        ("29 feb", "too far ahead"),  # the next one is in 2028
        ("31 feb", "not a date"),
        ("2026-13-01", "not a date"),
        ("25:00", "no such time"),
        ("13pm", "1 to 12"),
        ("x" * 10_000, "too long"),
        ("\ud800", "not a time"),
        ("🙂 friday", "not a time"),
        ("`rm -rf`", "not a time"),
    ],
)
def test_what_it_cannot_read_is_a_clear_error(text: str, says: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_start(text, NOW, AMS)
    message = str(error.value)
    assert says in message
    message.encode("utf-8")  # quotable back to Discord, even for a lone surrogate
    assert len(message) < 300
    if says == "not a time":
        assert "`tomorrow 18:00`" in message  # says what would work


def test_past_errors_show_when_that_was() -> None:
    with pytest.raises(DomainError, match=r"<t:\d+:R>"):
        parse_start("today 08:00", NOW, AMS)


def test_an_end_may_be_further_and_in_the_past_is_the_callers_call() -> None:
    assert parse_moment("2026-01-01", NOW, AMS) == local(2026, 1, 1, 0)
    far = parse_moment("in 400d", NOW, AMS, HORIZON + timedelta(days=90))
    assert far == NOW + timedelta(days=400)


def test_describe_local() -> None:
    assert describe_local(local(2026, 12, 2, 18), AMS) == "Wed 2 Dec 18:00"


ZONES = [ZoneInfo(z) for z in ("UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata")]
WORDS = st.sampled_from(
    [
        "now",
        "in",
        "2h",
        "30m",
        "1d",
        "today",
        "tomorrow",
        "next",
        "friday",
        "fri",
        "at",
        "18:00",
        "6pm",
        "6:30pm",
        "12am",
        "noon",
        "dec",
        "24",
        "24th",
        "of",
        "2026",
        "2026-12-24",
        "9999",
        "0",
        "99999999999h",
        "+",
        "Z",
        "+01:00",
        "<t:1796500000:F>",
        "T",
        ":",
        "-",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=120),
        st.lists(WORDS, max_size=6).map(" ".join),
        st.lists(WORDS, max_size=4).map("".join),
    ),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(ZONES),
)
def test_never_anything_but_a_domain_error(text: str, now: datetime, zone: ZoneInfo) -> None:
    try:
        when = parse_start(text, now, zone)
    except DomainError as error:
        str(error).encode("utf-8")
        return
    assert when.tzinfo is not None
    assert now <= when <= now + HORIZON
