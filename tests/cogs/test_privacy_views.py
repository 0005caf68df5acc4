"""The opt-out confirmation: what it lists, its buttons, its timeout; the partner's DM."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.streaks import run_days, view_at
from bot.services.privacy import OptOutPreview, SharedStreak, streak_state
from cogs.privacy._cog import OptOutConfirm, optout_embed, partner_dm_text
from cogs.thanks._explain import shown_reason

D0 = date(2026, 3, 1)


def shared(partner: int, length: int, today_offset: int) -> SharedStreak:
    run = run_days([D0 + timedelta(days=i) for i in range(length)], 2)
    return SharedStreak(partner, view_at(run, D0 + timedelta(days=today_offset)))


def test_confirmation_lists_what_goes() -> None:
    preview = OptOutPreview(120, ["streak-3"], [shared(11, 12, 12), shared(12, 5, 30)])
    embed = optout_embed(preview, ["🔥 3-day streak"])
    text = embed.description or ""
    assert "**120** reputation" in text and "**1** badge: 🔥 3-day streak" in text
    assert "**2** shared streaks (1 running)" in text
    assert "🔥 12 days with <@11>" in text and "💤 5 days, ended with <@12>" in text
    assert "told by DM" in text and "/privacy optin" in text


def test_confirmation_without_anything() -> None:
    text = optout_embed(OptOutPreview(0, [], []), []).description or ""
    assert "no badges" in text and "no shared streaks" in text and "told by DM" not in text


def test_partner_dm_names_the_streak_and_why() -> None:
    text = partner_dm_text("*Ana*", "Club", 12)
    assert text.startswith("💔 Your 12-day streak with **\\*Ana\\*** in **Club**")
    assert "stopped Kindling tracking them" in text


class FakeMessage:
    def __init__(self) -> None:
        self.edits: list[dict[str, Any]] = []

    async def edit(self, **kw: Any) -> None:
        self.edits.append(kw)


async def test_buttons_are_disabled_when_it_times_out() -> None:
    view = OptOutConfirm(None, 10, 1)  # type: ignore[arg-type]
    labels = {getattr(c, "label", None): c for c in view.children}
    assert set(labels) == {"Delete my data", "Cancel"}
    danger = labels["Delete my data"]
    assert isinstance(danger, discord.ui.Button) and danger.style is discord.ButtonStyle.danger
    message = FakeMessage()
    view.message = message  # type: ignore[assignment]
    await view.on_timeout()
    assert all(isinstance(c, discord.ui.Button) and c.disabled for c in view.children)
    assert message.edits and message.edits[0]["view"] is view


def test_export_streak_state_matches_the_view() -> None:
    running = streak_state(shared(11, 4, 4).view)
    assert (
        running["state"] == "at_risk"
        and running["summary"] == "running 4 days, at risk: talk today"
    )
    ended = streak_state(shared(11, 3, 10).view)
    assert ended["state"] == "ended" and ended["ended_after_days"] == 3
    assert ended["summary"] == f"ended on {(D0 + timedelta(days=4)).isoformat()} after 3 days"


@given(st.text(max_size=400))
def test_any_reason_is_shown_on_one_line_without_mass_pings(reason: str) -> None:
    shown = shown_reason(reason)
    assert "\n" not in shown and "@everyone" not in shown and "@here" not in shown
    assert len(shown) <= 2 * 150  # escapes at most double the clipped text
