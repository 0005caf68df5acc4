"""Time zone suggestions and explanations (the /settings timezone autocomplete)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.guild_settings import check_timezone
from bot.domain.timezones import (
    COMMON_ZONES,
    MAX_CHOICES,
    MAX_LABEL,
    explain,
    format_offset,
    parse_offset_query,
    suggest,
    warm,
    zone_label,
)

WINTER = datetime(2026, 1, 10, 12, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 10, 12, 5, tzinfo=UTC)


def values(text: str, now: datetime = WINTER) -> list[str]:
    return [c.value for c in suggest(text, now)]


def test_empty_box_lists_common_zones_west_to_east_with_offset_and_local_time() -> None:
    shown = suggest("", WINTER)
    assert 20 <= len(shown) <= MAX_CHOICES
    assert {c.value for c in shown} <= set(COMMON_ZONES)
    assert {"Europe/London", "America/New_York", "Asia/Tokyo"} <= {c.value for c in shown}
    labels = {c.value: c.label for c in shown}
    assert labels["Europe/Berlin"] == "Europe/Berlin — UTC+01:00, now 13:05"
    assert labels["America/New_York"] == "America/New_York — UTC−05:00, now 07:05"
    assert labels["Asia/Kolkata"] == "Asia/Kolkata — UTC+05:30, now 17:35"
    assert shown[0].value == "America/Los_Angeles" and shown[-1].value == "Pacific/Auckland"


def test_labels_follow_daylight_saving() -> None:
    assert zone_label("Europe/Berlin", SUMMER) == "Europe/Berlin — UTC+02:00, now 14:05"
    assert zone_label("Europe/Berlin", WINTER) == "Europe/Berlin — UTC+01:00, now 13:05"


def test_typing_filters_by_name_and_city() -> None:
    assert values("berlin") == ["Europe/Berlin"]
    assert values("new york")[0] == "America/New_York"
    assert values("New_York")[0] == "America/New_York"
    assert values("tokyo")[0] == "Asia/Tokyo"
    assert "Europe/London" in values("europe")[:3]
    assert values("kolk") == ["Asia/Kolkata"]
    assert values("zzzz") == []


def test_big_cities_that_are_not_zone_names() -> None:
    hits = suggest("san francisco", WINTER)
    assert hits[0].value == "America/Los_Angeles" and "San Francisco" in hits[0].label
    assert values("mumbai")[0] == "Asia/Kolkata"


def test_typing_an_offset_lists_the_zones_at_that_offset_now() -> None:
    assert values("+5:30")[:2] == ["Asia/Kolkata", "Asia/Colombo"]
    minus3 = values("UTC-3")
    assert minus3[0] == "America/Sao_Paulo" and len(minus3) <= MAX_CHOICES
    assert all("UTC−03:00" in c.label for c in suggest("utc-3", WINTER))
    assert "Europe/Berlin" in values("+1") and "Europe/Berlin" not in values("+1", SUMMER)
    assert "Europe/Berlin" in values("gmt+02:00", SUMMER)


def test_offset_queries() -> None:
    assert parse_offset_query("+5:30") == 330
    assert parse_offset_query("UTC-3") == -180
    assert parse_offset_query("gmt+0100") == 60
    assert parse_offset_query("−03:00") == -180
    assert parse_offset_query("utc") is None
    assert parse_offset_query("+25") is None
    assert parse_offset_query("berlin") is None
    assert format_offset(-150) == "UTC−02:30" and format_offset(0) == "UTC+00:00"


def test_fixed_and_legacy_names_are_explained() -> None:
    assert explain("EST", WINTER) == (
        "EST is a fixed UTC−05:00 all year (no daylight saving); "
        "for New York's clock use America/New_York."
    )
    etc = explain("Etc/GMT+1", WINTER)
    assert etc is not None and "UTC−01:00" in etc and "sign is reversed" in etc
    east = explain("Etc/GMT-5", WINTER)
    assert east is not None and "UTC+05:00" in east
    utc = explain("UTC", WINTER)
    assert utc is not None and "no daylight saving" in utc and "Europe/London" in utc
    us = explain("US/Eastern", WINTER)
    assert us is not None and "America/New_York" in us
    assert explain("Europe/Berlin", WINTER) is None
    assert explain("America/Argentina/Buenos_Aires", WINTER) is None
    assert "(fixed; sign reversed)" in zone_label("Etc/GMT+1", WINTER)
    assert "(fixed, no DST)" in zone_label("EST", WINTER)


def test_warm_then_a_keystroke_takes_a_few_milliseconds() -> None:
    warm(WINTER)
    began = time.perf_counter()
    for text in ("", "b", "be", "ber", "+5:30", "utc-3", "america/"):
        suggest(text, WINTER)
    assert (time.perf_counter() - began) / 7 < 0.05  # generous: ~1 ms on a laptop


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=120),
    now=st.datetimes(
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_any_text_gives_at_most_25_valid_choices(text: str, now: datetime) -> None:
    choices = suggest(text, now)
    assert len(choices) <= MAX_CHOICES
    assert len({c.value for c in choices}) == len(choices)
    for choice in choices:
        assert 1 <= len(choice.label) <= MAX_LABEL
        assert 1 <= len(choice.value) <= 100
        check_timezone(choice.value)  # raises on an unknown zone
        explain(choice.value, now)  # never raises


@given(text=st.from_regex(r"(utc|gmt)?[+-][0-9]{1,2}(:?[0-9]{2})?", fullmatch=True))
def test_any_offset_typed_lists_only_zones_at_that_offset(text: str) -> None:
    wanted = parse_offset_query(text)
    for choice in suggest(text, WINTER):
        assert wanted is not None and format_offset(wanted) in choice.label
