import pytest

from bot.domain.errors import InvalidSetting
from bot.domain.guild_settings import GuildSettings, settings_from_dict


def test_defaults_match_spec() -> None:
    s = GuildSettings()
    assert s.timezone == "UTC" and s.streak_mode == "mutual"
    assert s.streak_kinds == ("reply", "mention", "kudos") and s.kudos_emoji == "⭐"
    assert (s.points.reply, s.points.mention, s.points.reaction, s.points.kudos) == (3, 1, 1, 10)
    assert s.points.streak_day == 5
    assert s.points.milestones == {3: 10, 7: 25, 14: 50, 30: 100, 50: 150, 100: 300, 365: 1000}
    lim = s.limits
    assert (lim.cooldown_seconds, lim.min_message_chars, lim.min_member_age_days) == (60, 3, 0)
    assert (lim.interactions_per_partner_per_day, lim.kudos_per_day) == (3, 5)
    assert (lim.pair_daily_cap, lim.member_daily_cap, lim.max_freezes) == (30, 200, 2)


def test_changes_only_named_settings() -> None:
    s = GuildSettings().apply_changes({"points": {"reply": 7, "milestones": {"3": 12}}})
    assert s.points.reply == 7 and s.points.mention == 1
    assert s.points.milestones[3] == 12 and s.points.milestones[7] == 25
    s2 = s.apply_changes({"limits": {"cooldown_seconds": 0}})
    assert s2.points.reply == 7 and s2.limits.cooldown_seconds == 0


def test_round_trips_through_json() -> None:
    s = GuildSettings().apply_changes(
        {"timezone": "America/New_York", "streak_kinds": ["reply", "reaction"]}
    )
    assert settings_from_dict(s.to_json_dict()) == s


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"timezone": 5}, "timezone"),
        ({"streak_mode": "both"}, "streak_mode"),
        ({"streak_kinds": ["reply", "hug"]}, "hug"),
        ({"limits": {"cooldown_seconds": -1}}, "cooldown_seconds"),
        ({"limits": {"max_freezes": 10**6}}, "max_freezes"),
        ({"limits": {"kudos_per_day": "5"}}, "kudos_per_day"),
        ({"limits": {"kudos_per_day": True}}, "kudos_per_day"),
        ({"limits": {"bogus": 1}}, "bogus"),
        ({"points": {"reply": 2.5}}, "reply"),
        ({"points": {"milestones": {"4": 10}}}, "milestone"),
        ({"colour": "red"}, "colour"),
        ({"points": 3}, "points"),
    ],
)
def test_bad_values_are_refused_with_what_is_allowed(changes: dict, says: str) -> None:
    with pytest.raises(InvalidSetting, match=says):
        GuildSettings().apply_changes(changes)
