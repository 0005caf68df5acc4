"""Pure helpers behind member replies: nudge button labels, shown reasons, thanks wording,
streak wording."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.engine import AwardNote, KudosOutcome
from bot.domain.streaks import run_days, view_at
from cogs.scheduled._views import LABEL_LIMIT, nudge_label, unique_labels
from cogs.streaks._render import ended_line, ended_text, freezes_text
from cogs.thanks._explain import reward_text, shown_reason


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_nudge_label_names_the_pair() -> None:
    assert nudge_label("Ana", "Bo") == "👋 Nudge Ana & Bo"


def test_long_names_are_clipped_to_the_limit() -> None:
    label = nudge_label("A" * 100, "Bo")
    assert utf16(label) <= LABEL_LIMIT and label.endswith("… & Bo")


@given(st.text(max_size=120), st.text(max_size=120))
def test_any_names_fit_discords_label_limit(a: str, b: str) -> None:
    label = nudge_label(a, b)
    assert label.startswith("👋 Nudge ") and " & " in label
    assert len(label) + 1 <= LABEL_LIMIT  # the emoji is two UTF-16 units


def test_repeated_labels_are_told_apart() -> None:
    labels = unique_labels([nudge_label("Ana", "Bo")] * 3 + [nudge_label("X" * 90, "Y" * 90)] * 2)
    assert len(set(labels)) == 5 and labels[1].endswith("(2)") and labels[2].endswith("(3)")
    assert all(len(label) + 1 <= LABEL_LIMIT for label in labels)


def test_shown_reason_never_pings_and_is_clipped() -> None:
    shown = shown_reason("thanks @everyone <@123456789012345678> **bold**\n" + "y" * 300)
    assert "@everyone" not in shown and "<@123456789012345678>" not in shown and "\n" not in shown
    assert shown.endswith("…") and len(shown) < 200


def kudos(**changes: object) -> AwardNote:
    fields: dict[str, object] = {
        "earner": 11,
        "partner": 10,
        "reason": "kudos",
        "base": 10,
        "points": 10,
    }
    fields.update(changes)
    return AwardNote(**fields)  # type: ignore[arg-type]


def test_plain_thanks_needs_no_explanation() -> None:
    headline, lines = reward_text(KudosOutcome(True, "", 10, (kudos(),)), 11)
    assert headline == "💛 +10 reputation to <@11>" and lines == []


def test_thanks_explains_multiplier_cap_hold_and_bonus() -> None:
    notes = (
        kudos(
            points=15,
            multiplier=2.0,
            multiplied=20,
            challenge="Double week",
            cap="member",
            cap_used=185,
            cap_limit=200,
            held=True,
        ),
        kudos(reason="streak_day", base=5, points=5),
        kudos(reason="milestone-7", base=25, points=25),
        AwardNote(10, 11, "streak_day", 5, 5),  # the giver's bonus: not in the receiver's text
    )
    headline, lines = reward_text(KudosOutcome(True, "", 0, notes), 11)
    assert headline == "💛 +45 reputation to <@11> (held for review)"
    text = "\n".join(lines)
    assert "Double week ×2: 10 → 20" in text and "Capped to 15:" in text
    assert "already earned 185 today; 200 a day is the limit" in text
    assert "+5 streak day" in text and "7-day streak" in text and "Held for review" in text


def test_thanks_explains_pair_cap_and_new_members() -> None:
    _, lines = reward_text(
        KudosOutcome(True, "", 0, (kudos(points=0, cap="pair", cap_used=30, cap_limit=30),)), 11
    )
    assert "with you today; 30 a day per partner" in lines[0]
    headline, lines = reward_text(
        KudosOutcome(True, "", 0, (kudos(points=0, new_member=True),)), 11
    )
    assert headline == "💛 Kudos to <@11>" and "too recently" in lines[0]


def test_ended_streak_wording() -> None:
    d0 = date(2026, 3, 1)
    run = run_days([d0 + timedelta(days=i) for i in range(12)], 2)
    view = view_at(run, d0 + timedelta(days=20))
    text = ended_text(view, ZoneInfo("UTC"))
    assert text.startswith("Ended <t:") and text.endswith(":R> after 12 days (best 12).")
    assert ended_line(view, ZoneInfo("UTC")).startswith("💤 ended <t:")


def test_freezes_say_what_they_mean() -> None:
    assert freezes_text(2, 2) == "❄️❄️ 2 left: each covers one missed day"
    assert "every 7 days" in freezes_text(0, 2)
    assert "off" in freezes_text(0, 0)
