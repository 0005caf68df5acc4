"""/settings replies show only what changed (before → after, in human words), "Nothing
changed" when the values were already set; the time zone autocomplete and its explanations;
choices with human labels; /settings show grouped with the open setup steps on top."""

from __future__ import annotations

from typing import Any

from bot.sandbox import InteractionResponse
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, text_of


def description(response: InteractionResponse) -> str:
    assert response.embeds, "the reply is an embed"
    return str(response.embeds[0].get("description") or "")


def changed_lines(response: InteractionResponse) -> list[str]:
    return [line for line in description(response).splitlines() if "→" in line]


async def change(h: Harness, command: str, options: dict[str, Any]) -> InteractionResponse:
    response = await run(h, h.ctl.owner, command, options)
    assert response.ephemeral, command
    assert "Traceback" not in text_of(response)
    return response


async def test_each_subcommand_shows_only_what_changed(harness: Harness) -> None:
    h = harness
    general = h.ctl.channel("general")

    reminders = await change(h, "settings reminders", {"hour": 20, "enabled": True})
    assert "Reminders updated" in text_of(reminders)
    assert changed_lines(reminders) == ["**Reminder time:** 18:00 → 20:00"]  # enabled was on

    channels = await change(h, "settings channels", {"reminders": "#general"})
    assert changed_lines(channels) == [f"**Reminder channel:** not set → <#{general.id}>"]

    points = await change(h, "settings points", {"reply": 5, "kudos": 10})
    assert changed_lines(points) == ["**Points per reply:** 3 → 5"]

    limits = await change(h, "settings limits", {"streak_mode": "any", "cooldown_seconds": 90})
    assert changed_lines(limits) == [
        "**Streak days:** Both ways each day (mutual) → Either way counts (any)",
        "**Cooldown between paid interactions:** 60 s → 90 s",
    ]

    board = await change(
        h, "settings leaderboard", {"board": "monthly", "day": "daily", "hour": 12}
    )
    assert changed_lines(board) == [
        "**Leaderboard day:** Monday → Every day",
        "**Leaderboard shows:** This week's points → This month's points",
    ]

    review = await change(h, "settings review", {"mode": "flag", "window_days": 14})
    assert changed_lines(review) == [
        "**Authenticity review:** Hold flagged points for a decision → Flag only (points count)",
        "**Review looks back:** 7 days → 14 days",
    ]
    # no raw ids, reprs or ISO dates anywhere in these replies
    for response in (reminders, channels, points, limits, board, review):
        text = text_of(response)
        assert "{" not in text and "None" not in text and "True" not in text
        assert str(general.id) not in text.replace(f"<#{general.id}>", "")


async def test_values_already_set_say_nothing_changed(harness: Harness) -> None:
    h = harness
    same = await change(h, "settings reminders", {"hour": 18})
    assert "Nothing changed" in text_of(same)
    assert "**Reminder time:** 18:00" in description(same)
    assert changed_lines(same) == []
    await change(h, "settings channels", {"leaderboard": "#general"})
    again = await change(h, "settings channels", {"leaderboard": "#general"})
    assert "Nothing changed" in text_of(again)
    assert f"**Leaderboard channel:** <#{h.ctl.channel('general').id}>" in description(again)
    off = await change(h, "settings leaderboard", {"enabled": False})
    assert changed_lines(off) == ["**Leaderboard post:** on → off"]
    still = await change(h, "settings leaderboard", {"enabled": False})
    assert "Nothing changed" in text_of(still) and "**Leaderboard post:** off" in text_of(still)
    points = await change(h, "settings points", {"mention": 1})
    assert "Nothing changed" in text_of(points) and "**Points per mention:** 1" in text_of(points)


async def test_time_zone_reply_explains_fixed_and_reversed_names(harness: Harness) -> None:
    h = harness  # the clock is 2026-06-01 09:00 UTC: Berlin is on summer time
    berlin = await change(h, "settings timezone", {"timezone": "Europe/Berlin"})
    assert changed_lines(berlin) == ["**Time zone:** UTC → Europe/Berlin"]
    assert "Now 11:00 there (UTC+02:00)" in text_of(berlin)
    same = await change(h, "settings timezone", {"timezone": "Europe/Berlin"})
    assert "Nothing changed" in text_of(same) and "**Time zone:** Europe/Berlin" in text_of(same)
    est = await change(h, "settings timezone", {"timezone": "EST"})
    assert changed_lines(est) == ["**Time zone:** Europe/Berlin → EST"]
    assert (
        "EST is a fixed UTC−05:00 all year (no daylight saving); "
        "for New York's clock use America/New_York."
    ) in text_of(est)
    etc = await change(h, "settings timezone", {"timezone": "Etc/GMT+1"})
    assert "Etc/GMT+1 is UTC−01:00" in text_of(etc) and "sign is reversed" in text_of(etc)
    utc = await change(h, "settings timezone", {"timezone": "UTC"})
    assert "**Time zone:** Etc/GMT+1 → UTC" in text_of(utc) and "no daylight saving" in text_of(utc)
    bad = await run(h, h.ctl.owner, "settings timezone", {"timezone": "Europe/Berln"})
    assert bad.ephemeral and "I don't know the time zone `Europe/Berln`" in text_of(bad)


async def test_time_zone_autocomplete_lists_labelled_zones(harness: Harness) -> None:
    h = harness

    async def choices(typed: str) -> list[dict[str, Any]]:
        inter = await h.ctl.autocomplete(
            h.ctl.owner, "settings timezone", {"timezone": typed}, focused="timezone"
        )
        response = await h.ctl.wait_for_response(inter, timeout=10)
        assert response.type == 8  # autocomplete result
        return list(response.data.get("choices") or [])

    common = await choices("")
    assert 20 <= len(common) <= 25
    names = {c["value"]: c["name"] for c in common}
    assert {"Europe/London", "America/New_York", "Asia/Tokyo"} <= set(names)
    assert names["Europe/Berlin"] == "Europe/Berlin — UTC+02:00, now 11:00"
    assert names["America/New_York"] == "America/New_York — UTC−04:00, now 05:00"
    assert all(len(c["name"]) <= 100 for c in common)
    assert [c["value"] for c in await choices("berlin")] == ["Europe/Berlin"]
    kolkata = await choices("+5:30")
    assert kolkata[0] == {"name": "Asia/Kolkata — UTC+05:30, now 14:30", "value": "Asia/Kolkata"}
    minus3 = await choices("UTC-3")
    assert minus3 and all("UTC−03:00" in c["name"] for c in minus3)
    city = await choices("san francisco")
    assert city[0]["value"] == "America/Los_Angeles"
    assert await choices("no such place at all") == []


async def test_choices_show_human_words_and_send_the_spec_values(harness: Harness) -> None:
    h = harness
    settings = next(c for c in h.ctl.commands(h.guild_id) if c["name"] == "settings")
    subs = {o["name"]: o for o in settings["options"]}

    def labels(sub: str, option: str) -> dict[str, str]:
        opt = next(o for o in subs[sub]["options"] if o["name"] == option)
        return {c["value"]: c["name"] for c in opt["choices"]}

    assert labels("limits", "streak_mode") == {
        "mutual": "Both ways each day (mutual)",
        "any": "Either way counts (any)",
    }
    boards = labels("leaderboard", "board")
    assert set(boards) == {"streaks", "best", "reputation", "weekly", "monthly", "challenge"}
    assert boards["streaks"] == "Longest running streaks"
    assert labels("leaderboard", "day")["daily"] == "Every day"
    assert set(labels("review", "mode")) == {"hold", "flag", "off"}


async def test_show_is_grouped_and_lists_open_setup_steps_until_done(harness: Harness) -> None:
    h = harness
    owner = h.ctl.owner
    mods = await h.ctl.add_channel("mods")
    shown = await run(h, owner, "settings show")
    text = text_of(shown)
    assert shown.ephemeral and "Still to set up" in description(shown)
    assert "⬜ Reminder channel" in description(shown)
    assert "`/settings channels reminders:`" in description(shown)
    fields = [f["name"] for f in shown.embeds[0]["fields"]]
    assert "📣 Channels" in fields and "🔥 Streaks" in fields and "⭐ Points" in fields
    assert "Time zone: UTC" in text and "Reminders: on at 18:00" in text
    lines = [line for f in shown.embeds[0]["fields"] for line in f["value"].split("\n")]
    assert all(len(line) <= 80 for line in lines), lines  # short lines on a phone

    await run(
        h,
        owner,
        "settings channels",
        {"reminders": "#general", "leaderboard": "#general", "announcements": "#general"},
    )
    partly = await run(h, owner, "settings show")
    assert "⬜ Reminder channel" not in description(partly)
    assert "⬜ Time zone" in description(partly)
    # the review channel must be private: the sandbox's new channels are public, so hide it
    await run(h, owner, "settings review", {"mode": "off"})
    done = await run(h, owner, "settings timezone", {"timezone": "Europe/Amsterdam"})
    assert "setup step" not in text_of(done)
    finished = await run(h, owner, "settings show")
    assert "Still to set up" not in text_of(finished)
    assert "Mode: Off (no review)" in text_of(finished)
    assert mods.id  # the channel exists; nothing was posted for it
