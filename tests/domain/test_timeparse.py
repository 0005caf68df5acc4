from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import DomainError
from bot.domain.timeparse import parse_duration, parse_when

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_durations() -> None:
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration("1w 2d 3h") == timedelta(days=9, hours=3)
    assert parse_duration("90m") == timedelta(minutes=90)


@pytest.mark.parametrize("text", ["soon", "", "7", "d7", "9999999999999d"])
def test_bad_durations_are_domain_errors(text: str) -> None:
    with pytest.raises(DomainError):
        parse_duration(text)


def test_when_is_guild_local_unless_given_an_offset() -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    assert parse_when("now", zone, NOW) == NOW
    assert parse_when("2026-12-01 18:00", zone, NOW) == datetime(2026, 12, 1, 18, tzinfo=zone)
    assert parse_when("2026-12-01T18:00:00+00:00", zone, NOW).utcoffset() == timedelta(0)
    with pytest.raises(DomainError):
        parse_when("next tuesday", zone, NOW)
