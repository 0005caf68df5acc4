"""The /profile cog's helpers: where avatars may come from, the heatmap in words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import discord
import pytest

from bot.domain.calendar import member_calendar
from cogs.profile._cog import activity_text, avatar_allowed


@pytest.fixture
def api_base() -> Iterator[None]:
    saved = discord.http.Route.BASE
    yield
    discord.http.Route.BASE = saved


def test_avatars_come_from_discords_cdn_only_when_talking_to_discord(api_base: None) -> None:
    discord.http.Route.BASE = "https://discord.com/api/v10"
    assert avatar_allowed("https://cdn.discordapp.com/avatars/1/abc.png?size=128")
    assert not avatar_allowed("https://example.org/avatars/1/abc.png")


def test_against_a_sandbox_avatars_come_from_its_own_address_only(api_base: None) -> None:
    discord.http.Route.BASE = "http://127.0.0.1:8123/api/v10"
    assert avatar_allowed("http://127.0.0.1:8123/avatars/1/abc.png?size=128")
    assert not avatar_allowed("https://cdn.discordapp.com/avatars/1/abc.png")  # real Discord
    assert not avatar_allowed("http://127.0.0.1:9999/avatars/1/abc.png")  # another port
    assert not avatar_allowed("not a url")


def test_activity_in_words() -> None:
    today = date(2026, 6, 10)  # a Wednesday
    days = [today - timedelta(days=k) for k in (0, 1, 2, 20)]
    cal = member_calendar({(1, 2): days}, today, max_freezes=2)
    text = activity_text(cal, 42)
    assert "**4** streak days · " in text
    assert "**3** this week" in text
    assert "Today: done ✅" in text and "**42** points in the last 14 days" in text
    assert "freezes" not in text
    quiet = activity_text(member_calendar({}, today, 2), 0)
    assert "**0** streak days" in quiet and "Today: not yet" in quiet
