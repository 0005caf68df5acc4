"""Schedule periods (SPEC §6): recaps end at leaderboard_day leaderboard_hour:00 local."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.guild_config import WEEKDAYS
from bot.domain.periods import next_period_end, period_end, period_start

UTCZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


def test_weekly_period_ends_monday_noon() -> None:
    # Wednesday 2026-12-02 10:00 UTC: the last end was Monday 2026-11-30 12:00
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    end = period_end(now, UTCZ, "mon", 12)
    assert end == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert period_start(end, UTCZ, "mon", 12) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert next_period_end(now, UTCZ, "mon", 12) == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_the_end_instant_itself_is_the_latest_end() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert period_end(now, UTCZ, "mon", 12) == now
    before = now - timedelta(microseconds=1)
    assert period_end(before, UTCZ, "mon", 12) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_monday_morning_belongs_to_last_week() -> None:
    now = datetime(2026, 11, 30, 11, 59, tzinfo=UTC)
    assert period_end(now, UTCZ, "mon", 12) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_daily_schedule() -> None:
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    end = period_end(now, UTCZ, "daily", 12)
    assert end == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert period_start(end, UTCZ, "daily", 12) == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_local_time_and_dst_week() -> None:
    # Berlin leaves summer time on Sunday 2026-10-25: the week ending Monday 26th is 169 h
    now = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    end = period_end(now, BERLIN, "mon", 12)
    assert end.astimezone(BERLIN).hour == 12
    assert end == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)
    start = period_start(end, BERLIN, "mon", 12)
    assert end - start == timedelta(hours=169)


def test_spring_gap_hour_is_read_after_the_gap() -> None:
    # 2026-03-29 02:00 does not exist in Berlin
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    end = period_end(now, BERLIN, "sun", 2)
    assert end.astimezone(BERLIN).date().isoformat() == "2026-03-29"
    assert end <= now


@given(
    st.datetimes(
        min_value=datetime(2001, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2098, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.sampled_from([*WEEKDAYS, "daily"]),
    st.integers(0, 23),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
)
def test_now_lies_in_exactly_the_period_before_the_next_end(
    now: datetime, schedule: str, hour: int, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    end = period_end(now, zone, schedule, hour)
    nxt = next_period_end(now, zone, schedule, hour)
    assert end <= now < nxt
    assert period_start(nxt, zone, schedule, hour) == end
    step = timedelta(days=1 if schedule == "daily" else 7)
    assert step - timedelta(hours=2) <= nxt - end <= step + timedelta(hours=2)
