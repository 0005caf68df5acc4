"""/mod audit lines: every action the services write reads as a sentence; anything else (an
old or unknown row, whatever its details hold) is still words — never a dict repr, never a
bare id, never an exception."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.mod._audit import ACTION_CHOICES, FAMILIES, MAX_LINE, action_filter, audit_line

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MOD = 111_111_111_111_111_111
ANA = 222_222_222_222_222_222
BO = 333_333_333_333_333_333
ROLE = 444_444_444_444_444_444
CHAN = 555_555_555_555_555_555
STAMP = f"<t:{int(AT.timestamp())}:R> · <@{MOD}> "


def line(action: str, details: dict[str, Any], names: dict[str, str] | None = None) -> str:
    text = audit_line(MOD, action, details, AT, names)
    assert text.startswith(STAMP), text
    return text.removeprefix(STAMP)


def bare_ids(text: str) -> list[str]:
    """Long digit runs left once mentions and timestamps are taken out."""
    stripped = re.sub(r"<(@|@&|#|t:)\d+(:\w)?>", "", text)
    return re.findall(r"\d{15,}", stripped)


def test_reputation_streaks_and_exclusion() -> None:
    assert (
        line("mod.adjust-rep", {"member": ANA, "amount": 50, "reason": "helped onboard"})
        == f"adjusted <@{ANA}>'s reputation by +50 (reason: helped onboard)"
    )
    assert line("mod.adjust-rep", {"member": ANA, "amount": -5, "reason": ""}).endswith("by -5")
    assert (
        line(
            "mod.restore-streak",
            {"members": [ANA, BO], "days": ["2026-05-29", "2026-05-30", "2026-05-31"]},
        )
        == f"restored the streak of <@{ANA}> & <@{BO}> (3 missed days)"
    )
    one = line("mod.restore-streak", {"members": [ANA, BO], "days": ["x"], "reason": "outage"})
    assert one.endswith("(1 missed day) (reason: outage)")
    full = {"members": [ANA, BO], "days": ["a", "b"], "before": 2, "after": 5, "milestones": [3]}
    assert line("mod.restore-streak", full) == (
        f"restored the streak of <@{ANA}> & <@{BO}> (2 missed days, now 5 days)"
    )
    assert line("mod.exclude", {"member": ANA}) == (
        f"excluded <@{ANA}>: their messages no longer count"
    )
    assert line("mod.include", {"member": ANA}) == f"counted <@{ANA}> again"


def test_settings_in_words() -> None:
    assert line("config", {"reminder_hour": 20}) == "changed settings: reminder hour → 20:00"
    assert (
        line("config", {"reminder_hour": 20, "before": {"reminder_hour": 18}})
        == "changed settings: reminder hour 18:00 → 20:00"
    )
    text = line(
        "config",
        {"reminder_channel": CHAN, "moderator_role": ROLE, "reminders_enabled": False},
    )
    assert text == (
        f"changed settings: reminder channel → <#{CHAN}>; moderator role → <@&{ROLE}>; "
        "reminders → off"
    )
    assert "tracked channels → all channels" in line("config", {"channel_allow": None})
    assert f"tracked channels → <#{CHAN}>" in line("config", {"channel_allow": [CHAN]})
    assert "leaderboard day → Fridays" in line("config", {"leaderboard_day": "fri"})
    text = line(
        "settings",
        {"points": {"reply": 5}, "limits": {"cooldown_seconds": 30}, "streak_mode": "any"},
    )
    assert text == (
        "changed settings: points for a reply → 5 points; cooldown → 30 seconds; "
        "streak mode → either way"
    )
    assert line("settings", {"timezone": "Europe/Amsterdam"}).endswith(
        "time zone → Europe/Amsterdam"
    )
    assert "review mode → flag only" in line("settings", {"review_mode": "flag"})
    assert line("config", {"web_page": True}) == "changed settings: public web page → on"
    assert line("config", {"web_page": "new address"}).endswith("public web page → new address")


def test_badges_challenges_and_reviews() -> None:
    names = {"custom-helper": "🛟 Helper"}
    assert line("badge.create", {"badge": "custom-helper", "name": "Helper"}) == (
        "created the badge **Helper**"
    )
    assert line("badge.grant", {"badge": "custom-helper", "member": ANA}, names) == (
        f"gave 🛟 Helper to <@{ANA}>"
    )
    assert line("badge.revoke", {"badge": "streak-3", "member": ANA}) == (
        f"took 🔥 3-day streak from <@{ANA}>"
    )
    assert line("badge.link-role", {"badge": "streak-3", "role": ROLE}) == (
        f"made 🔥 3-day streak give <@&{ROLE}>"
    )
    assert line("badge.link-role", {"badge": "streak-3", "role": None}) == (
        "unlinked the role from 🔥 3-day streak"
    )
    for action, verb in (("create", "created"), ("edit", "edited"), ("end", "ended")):
        assert line(f"challenge.{action}", {"challenge": 1, "name": "Sprint"}) == (
            f"{verb} the challenge **Sprint**"
        )
    assert line("challenge.cancel", {"challenge": 2, "name": "x", "reason": "rain"}) == (
        "cancelled the challenge **x** (reason: rain)"
    )
    assert line(
        "review.approve", {"member": BO, "points": 40, "reasons": ["kudos_ring", "shared_text"]}
    ) == (f"approved <@{BO}> after review: 40 held points released (kudos circle, shared text)")
    assert line("review.reject", {"member": BO, "points": 1, "reasons": []}) == (
        f"rejected <@{BO}> after review: 1 held point void"
    )


def test_unknown_actions_fall_back_to_key_value_words() -> None:
    text = line(
        "privacy.erase",
        {"member": ANA, "channel": CHAN, "count": 3, "nested": {"a": [1, 2]}, "ref": BO},
    )
    assert text == (
        f"did privacy erase: member: <@{ANA}>, channel: <#{CHAN}>, count: 3, nested: a: 1, 2, "
        "ref: #…3333"
    )
    assert "{" not in text and not bare_ids(text)
    assert line("weird", {}) == "did weird"
    # a row whose details have the wrong shape for its action is still words
    assert "{" not in line("mod.adjust-rep", {"member": "x", "amount": "y"})


def test_user_text_is_one_inert_short_line() -> None:
    text = line("mod.adjust-rep", {"member": ANA, "amount": 1, "reason": "**bold**\n`x`" * 40})
    assert "\n" not in text and len(text) <= MAX_LINE
    assert "\\*\\*bold" in text


def test_every_family_and_choice_maps_to_a_filter() -> None:
    values = [c.value for c in ACTION_CHOICES]
    assert len(values) == len(set(values)) <= 25  # Discord's limit on choices
    assert set(FAMILIES) <= set(values)
    for choice in ACTION_CHOICES:
        which = action_filter(choice.value, ANA)
        assert which.member == ANA and (which.actions or which.prefixes)
        assert "_" not in choice.name and choice.name[0].isupper()
    assert action_filter("badges", None).prefixes == ("badge.",)
    assert action_filter("mod.exclude", None).actions == ("mod.exclude",)
    assert action_filter(None, None).actions == ()


# -- properties -------------------------------------------------------------------------------
SAFE_TEXT = st.text(st.characters(blacklist_characters="{}0123456789"), max_size=40)
KEYS = st.one_of(
    st.sampled_from(["member", "members", "role", "channel", "amount", "reason", "days", "badge"]),
    SAFE_TEXT,
)


def json_values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=5)
        ),
        max_leaves=20,
    )


ACTIONS = st.one_of(
    st.sampled_from(
        [
            "mod.adjust-rep",
            "mod.restore-streak",
            "mod.exclude",
            "mod.include",
            "settings",
            "config",
            "badge.create",
            "badge.link-role",
            "badge.grant",
            "badge.revoke",
            "challenge.create",
            "challenge.edit",
            "challenge.end",
            "challenge.cancel",
            "review.approve",
            "review.reject",
        ]
    ),
    SAFE_TEXT,
)


@settings(max_examples=300, deadline=None)
@given(ACTIONS, st.dictionaries(KEYS, json_values(SAFE_TEXT), max_size=6))
def test_any_details_read_as_words(action: str, details: dict[str, Any]) -> None:
    text = audit_line(MOD, action, details, AT)
    assert text.startswith(STAMP)
    assert "{" not in text and "}" not in text
    assert "\n" not in text and len(text) <= MAX_LINE
    assert not bare_ids(text), text
    assert "None" not in text or "None" in action + repr(details)  # no Python reprs


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.dictionaries(st.text(max_size=10), json_values(st.text())))
def test_anything_at_all_never_raises(action: str, details: dict[str, Any]) -> None:
    text = audit_line(MOD, action, details, AT, {"k": "v"})
    assert len(text) <= MAX_LINE and "\n" not in text
