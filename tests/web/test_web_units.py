"""Pure pieces of the web boards: the heatmap, page numbers, escaping, operator settings."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings, SettingsError, load_settings
from bot.domain.calendar import CalendarDays, member_calendar
from bot.web.app import page_number, relative
from bot.web.heatmap import FROZEN, LEVELS, WEEKS, first_day, heatmap_svg
from bot.web.html import esc, page

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 6, 10)  # a Wednesday


def cells(svg: str) -> dict[str, str]:
    return dict(
        (day, fill)
        for fill, day in re.findall(r'<rect[^>]*fill="([^"]+)"[^>]*data-day="([^"]+)"', svg)
    )


def cal(
    days: dict[date, int], today: date = TODAY, frozen: frozenset[date] = frozenset()
) -> CalendarDays:
    first = first_day(today)
    span = [first + timedelta(days=i) for i in range(WEEKS * 7)]
    return CalendarDays(
        first,
        today,
        tuple(days.get(d, 0) if d <= today else 0 for d in span),
        tuple(d in frozen for d in span),
        tuple(False for _ in span),
    )


def test_heatmap_covers_twelve_weeks_up_to_today() -> None:
    svg = heatmap_svg(cal({}))
    days = cells(svg)
    start = first_day(TODAY)
    assert start.weekday() == 0 and start == date(2026, 3, 23)
    assert min(days) == start.isoformat() and max(days) == TODAY.isoformat()
    assert len(days) == (TODAY - start).days + 1 == 7 * (WEEKS - 1) + 3
    assert set(days.values()) == {LEVELS[0]}
    assert svg.count('stroke-width="2"') == 1  # today
    assert "Streak days over the last 12 weeks: 0" in svg


def test_heatmap_shades_by_partners_and_marks_freezes() -> None:
    days = {
        TODAY: 1,
        TODAY - timedelta(days=1): 2,
        TODAY - timedelta(days=2): 7,
        TODAY + timedelta(days=1): 3,  # the future: not drawn
    }
    svg = heatmap_svg(cal(days, frozen={TODAY - timedelta(days=5)}))
    found = cells(svg)
    assert found[TODAY.isoformat()] == LEVELS[1]
    assert found[(TODAY - timedelta(days=1)).isoformat()] == LEVELS[2]
    assert found[(TODAY - timedelta(days=2)).isoformat()] == LEVELS[3]
    assert found[(TODAY - timedelta(days=5)).isoformat()] == FROZEN
    assert (TODAY + timedelta(days=1)).isoformat() not in found
    assert "last 12 weeks: 3" in svg
    assert "Today: streak day with 1 partner<" in svg
    assert "streak day with 7 partners" in svg
    assert "missed, covered by a freeze" in svg


def test_heatmap_of_a_member_calendar_shows_a_freeze() -> None:
    """The shared domain calendar (the /profile card's data): 7 days in a row earn a freeze
    that covers the missed eighth day."""
    start = TODAY - timedelta(days=20)
    days = [start + timedelta(days=i) for i in range(7)] + [start + timedelta(days=8)]
    svg = heatmap_svg(member_calendar({(1, 2): days}, TODAY, max_freezes=2))
    found = cells(svg)
    assert found[(start + timedelta(days=7)).isoformat()] == FROZEN
    assert found[start.isoformat()] == LEVELS[1]
    assert "(running streak)" not in svg  # it broke long before today


def test_heatmap_month_labels_do_not_collide() -> None:
    svg = heatmap_svg(cal({}, date(2026, 4, 22)))  # starts Mon 2 Feb: Feb, Mar, Apr
    labels = re.findall(r'<text x="(\d+)" y="11"[^>]*>(\w+)</text>', svg)
    assert [m for _, m in labels] == ["Feb", "Mar", "Apr"]
    xs = [int(x) for x, _ in labels]
    assert all(b - a >= 34 for a, b in itertools.pairwise(xs))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_heatmap_any_today_draws_whole_weeks_and_today(today: date) -> None:
    found = cells(heatmap_svg(member_calendar({(1, 2): [today]}, today, 2)))
    assert max(found) == today.isoformat()
    assert found[today.isoformat()] == LEVELS[1]
    assert len(found) == 7 * (WEEKS - 1) + today.weekday() + 1


@given(st.text(max_size=12))
def test_page_number_is_always_a_sensible_page(raw: str) -> None:
    n = page_number(raw)
    assert 1 <= n <= 10_000
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 10_000:
        assert n == int(raw)


def test_page_number_defaults() -> None:
    assert page_number(None) == 1
    assert page_number("0") == 1
    assert page_number("3") == 3
    assert page_number("99999999") == 1
    assert page_number("²") == 1  # a digit to str.isdigit, not to int()


@given(st.text())
def test_escaped_text_has_no_markup(text: str) -> None:
    out = esc(text)
    assert "<" not in out and ">" not in out and '"' not in out
    html = page(text, f"<p>{out}</p>", guild=text)
    assert f"<title>{out}</title>" in html


def test_relative_times() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert relative(now, now) == "now"
    assert relative(now + timedelta(days=3, hours=1), now) == "in 3 days"
    assert relative(now - timedelta(hours=1), now) == "1 hour ago"
    assert relative(now + timedelta(minutes=5), now) == "in 5 min"


def test_web_settings_are_off_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    settings = Settings()
    assert settings.web_enabled is False
    assert (settings.web_host, settings.web_port, settings.web_public_url) == (
        "127.0.0.1",
        8081,
        None,
    )


def test_env_example_documents_the_web_settings() -> None:
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.web_enabled is False and settings.web_port == 8081
    text = (ROOT / ".env.example").read_text()
    for name in ("WEB_ENABLED", "WEB_HOST", "WEB_PORT", "WEB_PUBLIC_URL"):
        assert f"\n{name}=" in text


def test_bad_web_settings_name_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match="WEB_PUBLIC_URL"):
        load_settings(web_public_url="boards.example.org")
    with pytest.raises(SettingsError, match="WEB_PORT"):
        load_settings(web_port=70000)
    assert load_settings(web_public_url="https://x.org/").web_public_url == "https://x.org"
