"""The /profile cog's helpers: where avatars may come from, the heatmap in words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import discord
import pytest

from bot.domain.calendar import member_calendar
from bot.images.cards import Calendar, ProfileCard, StreakLine
from cogs.profile._cog import activity_text, avatar_allowed, card_alt


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


def test_the_cards_alt_text_says_what_it_shows() -> None:
    today = date(2026, 6, 10)
    cal = Calendar(today - timedelta(days=79), today, (1,) * 80 + (0,) * 4)
    card = ProfileCard("Ana", 1234, 3, cal, ("Helper",), (StreakLine("Bo", 0, 9),))
    alt = card_alt(card)
    assert alt.startswith("Profile card of Ana: 1,234 reputation, rank #3, 1 badge,")
    assert "80 streak days in the last 12 weeks" in alt and "9 days with Bo (ended)" in alt
    assert len(card_alt(ProfileCard("x" * 2000, 0, None, cal))) == 1024
