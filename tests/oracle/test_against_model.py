"""Differential test: replay streams through the engine's replay command vs. the oracle model.

* ``test_engine_matches_model``: hypothesis-generated streams (1-2 guilds in Amsterdam /
  New York / UTC / Kolkata / Lord Howe, starting just before DST changes; 3-6 human users plus
  a declared bot and a newcomer subject to min_member_age_days; replies, mentions, mass
  mentions, too-short and duplicate content, same-timestamp and repeated lines, reactions incl.
  the kudos emoji and repeated reactions, kudos with and without ids, daily runs with gaps for
  freezes, and settings lines changing points / limits / streak_mode / streak_kinds /
  max_freezes / kudos_emoji).
* ``test_edge_case_matches_model``: the hand-written boundary cases of ``edge_cases.py``.

The engine runs ``python -m bot replay FILE --now NOW`` in this process (``engine.py``: the
CLI's own ``replay_command``, so the JSON is what the CLI prints); it is compared, parsed, with
``model.replay``. On failure the message holds the JSONL and --now;
``python -m tests.oracle.engine FILE NOW`` prints both outputs for a saved stream.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle.edge_cases import EDGE_CASES
from tests.oracle.engine import dump_lines, run_engine
from tests.oracle.model import replay

TIMEZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "UTC",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]
# Starts a few days before DST changes (Amsterdam: 29 Mar / 25 Oct 2026,
# New York: 8 Mar / 1 Nov 2026, Lord Howe: 5 Apr / 4 Oct 2026) and one in mid-summer.
STARTS = [
    datetime(2026, 3, 3, 12, 0, tzinfo=UTC),
    datetime(2026, 3, 24, 20, 0, tzinfo=UTC),
    datetime(2026, 3, 31, 6, 0, tzinfo=UTC),
    datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
    datetime(2026, 10, 27, 3, 0, tzinfo=UTC),
    datetime(2026, 6, 10, 0, 0, tzinfo=UTC),
]
BOT = 99
EXTRA_IDS = [50, 51, 52, 53, 54, 55, 56]  # undeclared humans, used for mass mentions
EMOJI = ["👍", "🔥", "⭐", "🎉"]
OFFSETS = [timedelta(0), timedelta(hours=2), timedelta(hours=-5), timedelta(hours=5, minutes=30)]
CONTENTS = [
    "ok",
    "👍",
    "👍👍👍",
    "hi",
    "sounds good",
    "Sounds  GOOD",
    "  sounds good ",
    "look <@{t}>",
    "<@{t}> hi",
    "<@{t}> <@{u}>",
    "<:smile:123> yes",
    "<:smile:123>",
    "a b",
    "ab c",
    "let's pair on this",
    "@everyone party",
    "<#55> ok",
    "<@&77> team",
    "<@!{t}> thanks",
    "<a:dance:456>",
    "<a:dance:456> yay",
    "ÉCOLE time",
    "école time",
    "a\u00a0b",
    "A B",
    "👍🏽",
    "👨‍👩‍👧",
]


def fmt_ts(ts: datetime, offset: timedelta) -> str:
    local = ts.astimezone(timezone(offset))
    text = local.isoformat()
    return text.replace("+00:00", "Z") if offset == timedelta(0) else text


def settings_change(draw: Any, initial: bool) -> dict[str, Any]:
    line: dict[str, Any] = {}
    points = draw(
        st.dictionaries(
            st.sampled_from(["reply", "mention", "reaction", "kudos", "streak_day"]),
            st.integers(0, 12),
            max_size=3,
        )
    )
    if draw(st.integers(0, 5)) == 0:
        points["milestones"] = {
            str(k): draw(st.integers(0, 40)) for k in (3, 7, 14, 30, 50, 100, 365)
        }
    if points:
        line["points"] = points
    limits = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "cooldown_seconds": st.sampled_from([0, 30, 60, 120]),
                "min_message_chars": st.sampled_from([1, 2, 3, 5]),
                "interactions_per_partner_per_day": st.sampled_from([0, 1, 2, 3, 3, 5]),
                "kudos_per_day": st.sampled_from([0, 1, 2, 5]),
                "pair_daily_cap": st.sampled_from([0, 8, 15, 30, 30, 30]),
                "member_daily_cap": st.sampled_from([0, 12, 25, 200, 200, 200]),
                "max_freezes": st.sampled_from([0, 1, 2, 3]),
            },
        )
    )
    if initial:
        limits["min_member_age_days"] = draw(st.sampled_from([0, 1, 2, 2, 3]))
    if limits:
        line["limits"] = limits
    if draw(st.integers(0, 3)) == 0:
        line["streak_mode"] = draw(st.sampled_from(["mutual", "any"]))
    if draw(st.integers(0, 3)) == 0:
        kinds = draw(
            st.lists(
                st.sampled_from(["reply", "mention", "reaction", "kudos"]),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        line["streak_kinds"] = kinds
    if draw(st.integers(0, 7)) == 0:
        line["kudos_emoji"] = draw(st.sampled_from(["⭐", "🎉"]))
    return line


@st.composite
def streams(draw: Any) -> tuple[list[dict[str, Any]], str]:
    n_guilds = draw(st.integers(1, 2))
    guild_ids = [1, 7][:n_guilds]
    clock = draw(st.sampled_from(STARTS)) + timedelta(minutes=draw(st.integers(0, 720)))
    n_users = draw(st.integers(3, 6))  # humans
    users = list(range(10, 10 + n_users))
    newbie = users[-1]
    everyone = [*users, BOT]
    lines: list[dict[str, Any]] = []
    # per guild: (id, author, content, time)
    messages: dict[int, list[tuple[int, int, str, datetime]]] = {g: [] for g in guild_ids}
    counter = {"msg": 1000, "kudos": 500000, "note": 0}

    for gid in guild_ids:
        first = {"type": "settings", "guild": gid, "timezone": draw(st.sampled_from(TIMEZONES))}
        first.update(settings_change(draw, initial=True))
        lines.append(first)
        lines.append(
            {
                "type": "member",
                "guild": gid,
                "user": BOT,
                "bot": True,
                "joined_at": "2025-01-01T00:00:00Z",
            }
        )
        # the newcomer comes of age (min_member_age_days) shortly after the stream starts
        min_age = first["limits"]["min_member_age_days"]
        joined = clock - timedelta(days=min_age) + timedelta(minutes=draw(st.integers(0, 720)))
        lines.append(
            {
                "type": "member",
                "guild": gid,
                "user": newbie,
                "bot": False,
                "joined_at": fmt_ts(joined, timedelta(0)),
            }
        )
        if draw(st.booleans()):
            lines.append(
                {
                    "type": "member",
                    "guild": gid,
                    "user": users[0],
                    "bot": False,
                    "joined_at": "2024-06-01T08:00:00+02:00",
                }
            )

    def ts() -> str:
        return fmt_ts(clock, draw(st.sampled_from(OFFSETS)))

    def content(author: int) -> str:
        if draw(st.integers(0, 2)) == 0:
            counter["note"] += 1
            return f"note {counter['note']} from {author}"
        text = draw(st.sampled_from(CONTENTS))
        return text.format(t=draw(st.sampled_from(everyone)), u=draw(st.sampled_from(everyone)))

    def message(
        gid: int, author: int, text: str, reply_to: int | None, mentions: list[int]
    ) -> dict[str, Any]:
        counter["msg"] += 1
        mid = counter["msg"]
        messages[gid].append((mid, author, text, clock))
        line: dict[str, Any] = {
            "type": "message",
            "guild": gid,
            "channel": 5 + gid,
            "id": mid,
            "ts": ts(),
            "author": author,
            "content": text,
            "mentions": mentions,
        }
        if reply_to is not None:
            line["reply_to"] = reply_to
        return line

    def advance(kind: str) -> None:
        nonlocal clock
        if kind == "same":
            return
        if kind == "seconds":
            clock += timedelta(
                seconds=draw(st.integers(1, 90)),
                milliseconds=draw(st.sampled_from([0, 0, 0, 250, 999])),
            )
        elif kind == "cooldown":  # exactly at (or just before) a cooldown boundary
            clock += timedelta(seconds=draw(st.sampled_from([30, 59, 60, 120])))
        elif kind == "minutes":
            clock += timedelta(minutes=draw(st.integers(1, 15)))
        elif kind == "hours":
            clock += timedelta(hours=draw(st.integers(1, 9)), minutes=draw(st.integers(0, 59)))
        else:
            clock += timedelta(days=draw(st.integers(1, 3)), hours=draw(st.integers(0, 12)))

    n_steps = draw(st.integers(3, 45))
    for _ in range(n_steps):
        advance(
            draw(
                st.sampled_from(
                    [
                        "same",
                        "same",
                        "seconds",
                        "seconds",
                        "minutes",
                        "minutes",
                        "hours",
                        "hours",
                        "days",
                    ]
                )
            )
        )
        gid = draw(st.sampled_from(guild_ids))
        step = draw(
            st.sampled_from(
                ["message"] * 5
                + ["exchange"] * 3
                + ["reaction"] * 3
                + ["burst"] * 2
                + [
                    "kudos",
                    "kudos",
                    "repeat",
                    "settings",
                    "dupe",
                    "dupe",
                    "daily",
                    "daily",
                    "daily",
                    "mass",
                ]
            )
        )
        if step == "message":
            author = draw(st.sampled_from(everyone))
            reply_to = None
            if messages[gid] and draw(st.booleans()):
                reply_to = draw(st.sampled_from(messages[gid]))[0]
            elif draw(st.integers(0, 6)) == 0:
                reply_to = 424242  # unknown message
            mentions = draw(st.lists(st.sampled_from(everyone), max_size=3))
            lines.append(message(gid, author, content(author), reply_to, mentions))
        elif step == "mass":
            author = draw(st.sampled_from(users))
            pool = [u for u in everyone + EXTRA_IDS]
            mentions = draw(st.lists(st.sampled_from(pool), min_size=4, max_size=8))
            if draw(st.booleans()):
                mentions.append(author)
            reply_to = None
            if messages[gid] and draw(st.booleans()):
                reply_to = draw(st.sampled_from(messages[gid]))[0]
            lines.append(message(gid, author, content(author), reply_to, mentions))
        elif step == "exchange":
            a, b = draw(st.lists(st.sampled_from(users), min_size=2, max_size=2, unique=True))
            if draw(st.booleans()):
                a = newbie if b != newbie else a
            lines.append(message(gid, a, f"hey <@{b}> shall we pair?", None, [b]))
            advance(draw(st.sampled_from(["same", "seconds", "minutes"])))
            lines.append(message(gid, b, content(b), messages[gid][-1][0], []))
        elif step == "daily":
            a, b = draw(st.lists(st.sampled_from(users), min_size=2, max_size=2, unique=True))
            for _day in range(draw(st.integers(4, 12))):
                clock += timedelta(days=draw(st.sampled_from([1] * 14 + [2, 2, 3, 4])))
                lines.append(message(gid, a, f"daily sync <@{b}>", None, [b]))
                clock += timedelta(minutes=draw(st.integers(0, 30)))
                lines.append(message(gid, b, "done for today", messages[gid][-1][0], []))
        elif step == "burst":
            # the same directed pair several times within seconds (cooldown, allowance, caps)
            a, b = draw(st.lists(st.sampled_from(users), min_size=2, max_size=2, unique=True))
            if newbie not in (a, b) and draw(st.booleans()):
                a, b = draw(st.sampled_from([(a, newbie), (newbie, b)]))
            theirs = [m for m in messages[gid] if m[1] == b]
            for i in range(draw(st.integers(2, 5))):
                if i:
                    advance(draw(st.sampled_from(["same", "seconds", "cooldown", "minutes"])))
                how = draw(st.sampled_from(["reply", "mention", "reaction"]))
                if how == "reaction" and theirs:
                    lines.append(
                        {
                            "type": "reaction",
                            "guild": gid,
                            "channel": 5 + gid,
                            "message": draw(st.sampled_from(theirs))[0],
                            "user": a,
                            "emoji": draw(st.sampled_from(EMOJI)),
                            "ts": ts(),
                        }
                    )
                elif how == "reply" and theirs:
                    lines.append(message(gid, a, content(a), draw(st.sampled_from(theirs))[0], []))
                else:
                    lines.append(message(gid, a, content(a) + f" <@{b}>", None, [b]))
        elif step == "reaction":
            user = draw(st.sampled_from(everyone))
            if messages[gid] and draw(st.integers(0, 7)) > 0:
                mid = draw(st.sampled_from(messages[gid]))[0]
            else:
                mid = 434343  # unknown message
            for i in range(draw(st.integers(1, 3))):  # repeated reactions
                if i:
                    advance(draw(st.sampled_from(["same", "seconds", "minutes"])))
                lines.append(
                    {
                        "type": "reaction",
                        "guild": gid,
                        "channel": 5 + gid,
                        "message": mid,
                        "user": user,
                        "emoji": draw(st.sampled_from(EMOJI)),
                        "ts": ts(),
                    }
                )
        elif step == "kudos":
            giver = draw(st.sampled_from(everyone))
            target = draw(st.sampled_from(everyone))
            line: dict[str, Any] = {
                "type": "kudos",
                "guild": gid,
                "from": giver,
                "to": target,
                "ts": ts(),
            }
            if draw(st.booleans()):
                counter["kudos"] += 1
                line["id"] = counter["kudos"]
            if draw(st.booleans()):
                line["reason"] = "thanks!"
            lines.append(line)
            if draw(st.integers(0, 2)) == 0:  # delivered again, maybe written another way
                again = dict(line, ts=fmt_ts(clock, draw(st.sampled_from(OFFSETS))))
                lines.append(again)
        elif step == "repeat":
            events = [ln for ln in lines if ln["type"] in ("message", "reaction", "kudos")]
            if events:
                # the latest event delivered again as an identical line (its ts is the
                # latest so far, so time order holds even if settings lines came between)
                lines.append(json.loads(json.dumps(events[-1])))
        elif step == "settings":
            change = settings_change(draw, initial=False)
            if change:
                lines.append({"type": "settings", "guild": gid, **change})
        elif step == "dupe":
            # the same author says the same thing again: within, at or just past 600 s
            author = draw(st.sampled_from(users))
            other = draw(st.sampled_from([u for u in everyone if u != author]))
            own = [m for m in messages[gid] if m[1] == author]
            if own and draw(st.booleans()):
                text = own[-1][2]
            else:
                text = draw(st.sampled_from(["same words again", content(author)]))
                lines.append(message(gid, author, text, None, [other]))
            clock += timedelta(seconds=draw(st.sampled_from([0, 61, 300, 599, 600, 601])))
            reply_to = draw(st.sampled_from(messages[gid]))[0] if draw(st.booleans()) else None
            variant = draw(
                st.sampled_from([text, text.upper(), f"  {text}  ", text.replace(" ", "   ")])
            )
            lines.append(
                message(
                    gid,
                    author,
                    variant,
                    reply_to,
                    draw(st.lists(st.sampled_from(everyone), min_size=0, max_size=2)) or [other],
                )
            )

    now = clock + timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))
    return _in_time_order(lines), fmt_ts(now, timedelta(0))


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _in_time_order(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A "repeat" may copy a line whose ts is earlier than the clock; keep only lines that are
    # in time order (a repeated line directly follows its original, so it always is).
    out: list[dict[str, Any]] = []
    latest: datetime | None = None
    for ln in lines:
        if "ts" in ln:
            t = _parse(ln["ts"])
            if latest is not None and t < latest:
                continue
            latest = t
        out.append(ln)
    return out


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(streams())
def test_engine_matches_model(stream: tuple[list[dict[str, Any]], str]) -> None:
    events, now = stream
    expected = replay(events, _parse(now))
    code, actual, err = run_engine(events, now)
    report = f"--now {now}\n{dump_lines(events)}"
    assert code == 0, f"engine exit {code}: {err}\n{report}"
    assert actual == expected, report


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_case_matches_model(name: str) -> None:
    events, now = EDGE_CASES[name]
    expected = replay(events, _parse(now))
    code, actual, err = run_engine(events, now)
    report = f"{name}: --now {now}\n{dump_lines(events)}"
    assert code == 0, f"engine exit {code}: {err}\n{report}"
    assert actual == expected, report
