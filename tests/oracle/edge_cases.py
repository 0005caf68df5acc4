"""Hand-written edge cases (boundaries and spec ambiguities), each compared engine vs model.

Each entry: name -> (events, now). Built while probing the engine; every one of them is a
place where a reasonable implementation could differ (see docs/DECISIONS.md).
"""
# ruff: noqa: RUF005, RUF017

from __future__ import annotations

from typing import Any

G = 1


def S(g: int = G, **kw: Any) -> dict[str, Any]:
    return {"type": "settings", "guild": g, **kw}


def MEM(
    u: int, bot: bool = False, joined: str = "2020-01-01T00:00:00Z", g: int = G
) -> dict[str, Any]:
    return {"type": "member", "guild": g, "user": u, "bot": bot, "joined_at": joined}


def M(
    i: int,
    ts: str,
    a: int,
    c: str,
    reply_to: int | None = None,
    mentions: tuple[int, ...] | list[int] = (),
    g: int = G,
    ch: int = 5,
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "type": "message",
        "guild": g,
        "channel": ch,
        "id": i,
        "ts": ts,
        "author": a,
        "content": c,
        "mentions": list(mentions),
    }
    if reply_to is not None:
        d["reply_to"] = reply_to
    return d


def R(msg: int, u: int, e: str, ts: str, g: int = G) -> dict[str, Any]:
    return {
        "type": "reaction",
        "guild": g,
        "channel": 5,
        "message": msg,
        "user": u,
        "emoji": e,
        "ts": ts,
    }


def K(f: int, t: int, ts: str, id: int | None = None, g: int = G) -> dict[str, Any]:
    d: dict[str, Any] = {"type": "kudos", "guild": g, "from": f, "to": t, "ts": ts}
    if id is not None:
        d["id"] = id
    return d


def T(hms: str, d: str = "2026-05-01") -> str:
    return f"{d}T{hms}Z"


P: dict[str, tuple[list[dict[str, Any]], str]] = {}
base = [S(timezone="UTC")]
# P1 mass mention boundary: 5 distinct in list, reply target & author not in list
P["mass5_plus_author_and_reply_target"] = (
    base
    + [
        M(1, T("09:00:00"), 16, "hello all here"),
        M(2, T("10:00:00"), 10, "great stuff folks", reply_to=1, mentions=[11, 12, 13, 14, 15]),
    ],
    T("12:00:00"),
)
P["mass5_incl_reply_target"] = (
    base
    + [
        M(1, T("09:00:00"), 16, "hello all here"),
        M(2, T("10:00:00"), 10, "great stuff folks", reply_to=1, mentions=[16, 11, 12, 13, 14]),
    ],
    T("12:00:00"),
)
P["mass6_dupe_ids"] = (
    base + [M(2, T("10:00:00"), 10, "great stuff folks", mentions=[11, 12, 13, 14, 15, 15])],
    T("12:00:00"),
)
P["mass6_incl_author"] = (
    base
    + [
        M(1, T("09:00:00"), 16, "hello all here"),
        M(2, T("10:00:00"), 10, "great stuff folks", reply_to=1, mentions=[10, 11, 12, 13, 14, 15]),
    ],
    T("12:00:00"),
)
# P2 new member allowance
P["newbie_uses_allowance"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 2}),
        MEM(12, joined="2026-04-29T20:00:00Z"),
        M(1, T("08:00:00"), 11, "post by eleven"),
    ]
    + [M(2 + i, T(f"{10 + i}:00:00"), 12, f"reply number {i}", reply_to=1) for i in range(3)]
    + [M(9, T("21:00:00"), 12, "late reply now", reply_to=1)],
    T("23:00:00"),
)
P["newbie_exact_age"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 1}),
        MEM(12, joined="2026-04-30T10:00:00Z"),
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:59:59"), 12, "early reply here", reply_to=1),
        M(3, T("10:00:00"), 12, "exact reply here", reply_to=1),
    ],
    T("23:00:00"),
)
# P3 star after thumbs and reverse
P["star_after_thumbs"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        R(1, 10, "👍", T("09:00:00")),
        R(1, 10, "⭐", T("10:00:00")),
    ],
    T("12:00:00"),
)
P["thumbs_after_star"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        R(1, 10, "⭐", T("09:00:00")),
        R(1, 10, "👍", T("10:00:00")),
    ],
    T("12:00:00"),
)
P["star_twice"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        R(1, 10, "⭐", T("09:00:00")),
        R(1, 10, "⭐", T("10:00:00")),
    ],
    T("12:00:00"),
)
P["thumbs_then_fire"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        R(1, 10, "👍", T("09:00:00")),
        R(1, 10, "🔥", T("10:00:00")),
    ],
    T("12:00:00"),
)
# P4 refused kudos re-delivered next day
P["refused_kudos_redelivered"] = (
    base
    + [
        K(10, 11, T("09:00:00"), id=5),
        K(10, 11, T("10:00:00"), id=6),
        K(10, 11, T("10:00:00", "2026-05-02"), id=6),
    ],
    T("12:00:00", "2026-05-02"),
)
P["refused_star_redelivered"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        K(10, 11, T("09:00:00")),
        R(1, 10, "⭐", T("10:00:00")),
        R(1, 10, "⭐", T("10:00:00", "2026-05-02")),
    ],
    T("12:00:00", "2026-05-02"),
)
P["refused_star_then_thumbs"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        K(10, 11, T("09:00:00")),
        R(1, 10, "⭐", T("10:00:00")),
        R(1, 10, "👍", T("10:30:00")),
    ],
    T("12:00:00"),
)
# P5 cross-guild duplicates
P["cross_guild_dup"] = (
    [
        S(timezone="UTC"),
        S(g=2, timezone="UTC"),
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("08:00:00"), 11, "post by eleven", g=2),
        M(3, T("09:00:00"), 10, "let's pair on this", reply_to=1),
        M(4, T("09:01:00"), 10, "let's pair on this", reply_to=2, g=2),
    ],
    T("12:00:00"),
)
P["cross_channel_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(3, T("09:00:00"), 10, "let's pair on this", reply_to=1),
        M(4, T("09:01:00"), 10, "Let's  pair on this ", reply_to=1, ch=9),
    ],
    T("12:00:00"),
)
# P6 streak mode change mid-day
P["mode_to_any_midday"] = (
    base + [M(1, T("08:00:00"), 10, "hello <@11> there", mentions=[11]), S(streak_mode="any")],
    T("12:00:00"),
)
P["mode_to_any_midday_then_other"] = (
    base
    + [
        M(1, T("08:00:00"), 10, "hello <@11> there", mentions=[11]),
        S(streak_mode="any"),
        M(2, T("09:00:00"), 12, "hello <@13> there", mentions=[13]),
    ],
    T("12:00:00"),
)
P["mode_to_any_then_same_dir"] = (
    base
    + [
        M(1, T("08:00:00"), 10, "hello <@11> there", mentions=[11]),
        S(streak_mode="any"),
        M(2, T("09:00:00"), 10, "again <@11> there", mentions=[11]),
    ],
    T("12:00:00"),
)
P["mode_to_mutual_after_any_day"] = (
    [
        S(timezone="UTC", streak_mode="any"),
        M(1, T("08:00:00"), 10, "hello <@11> there", mentions=[11]),
        S(streak_mode="mutual"),
    ],
    T("12:00:00"),
)
# P7 streak kinds add reaction mid-day
P["kinds_add_reaction_midday"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        R(1, 10, "👍", T("09:00:00")),
        S(streak_kinds=["reply", "mention", "kudos", "reaction"]),
        M(2, T("10:00:00"), 11, "thanks <@10> !", mentions=[10]),
    ],
    T("12:00:00"),
)
P["kinds_remove_mention_midday"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "hey <@10> you", mentions=[10]),
        S(streak_kinds=["reply", "kudos"]),
        M(2, T("10:00:00"), 10, "thanks <@11> !", reply_to=1),
    ],
    T("12:00:00"),
)
# P9 duplicate window 600 / 601, cooldown 60
P["dup_600"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "same text", reply_to=1),
        M(3, T("09:10:00"), 10, "same text", reply_to=1),
    ],
    T("12:00:00"),
)
P["dup_601"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "same text", reply_to=1),
        M(3, T("09:10:01"), 10, "same text", reply_to=1),
    ],
    T("12:00:00"),
)
P["dup_chain"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "same text", reply_to=1),
        M(3, T("09:08:00"), 10, "same text", reply_to=1),
        M(4, T("09:16:00"), 10, "same text", reply_to=1),
    ],
    T("12:00:00"),
)
P["dup_of_too_short_and_bot"] = (
    [S(timezone="UTC", limits={"min_message_chars": 5})]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "abcd", reply_to=1),
        S(limits={"min_message_chars": 1}),
        M(3, T("09:05:00"), 10, "ABCD", reply_to=1),
    ],
    T("12:00:00"),
)
P["cooldown_60"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "first text", reply_to=1),
        M(3, T("09:01:00"), 10, "second text", reply_to=1),
        M(4, T("09:01:59"), 10, "third text", reply_to=1),
    ],
    T("12:00:00"),
)
P["cooldown_clock_set_by_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "same text", reply_to=1),
        M(3, T("09:01:00"), 10, "same text", reply_to=1),
        M(4, T("09:01:30"), 10, "other text", reply_to=1),
    ],
    T("12:00:00"),
)
P["cooldown_shared_reaction"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "first text", reply_to=1),
        R(1, 10, "👍", T("09:00:10")),
        R(1, 12, "👍", T("09:00:10")),
    ],
    T("12:00:00"),
)
P["cooldown_reverse_dir_independent"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "first text", reply_to=1),
        M(3, T("09:00:10"), 11, "back at you", reply_to=2),
    ],
    T("12:00:00"),
)
P["star_not_cooled"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "first text", reply_to=1),
        R(1, 10, "⭐", T("09:00:05")),
    ],
    T("12:00:00"),
)
# allowance
P["allowance_shared_reactions"] = (
    [S(timezone="UTC", limits={"cooldown_seconds": 0})]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("08:00:00"), 10, "post by ten"),
        M(3, T("09:00:00"), 10, "reply one", reply_to=1),
        M(4, T("09:00:00"), 10, "reply two", reply_to=1),
        R(2, 11, "👍", T("09:00:00")),
        M(5, T("09:00:00"), 10, "reply three", reply_to=1),
        R(2, 12, "👍", T("09:00:00")),
    ],
    T("12:00:00"),
)
P["allowance_not_used_by_cooldown_block"] = (
    [S(timezone="UTC", limits={"interactions_per_partner_per_day": 2})]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(3, T("09:00:00"), 10, "reply one", reply_to=1),
        M(4, T("09:00:30"), 10, "reply two", reply_to=1),
        M(5, T("09:02:00"), 10, "reply three", reply_to=1),
    ],
    T("12:00:00"),
)
P["allowance_used_when_capped"] = (
    [
        S(
            timezone="UTC",
            limits={
                "interactions_per_partner_per_day": 2,
                "pair_daily_cap": 0,
                "cooldown_seconds": 0,
            },
        )
    ]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(3, T("09:00:00"), 10, "reply one", reply_to=1),
        M(4, T("09:00:30"), 10, "reply two", reply_to=1),
        S(limits={"pair_daily_cap": 30}),
        M(5, T("09:02:00"), 10, "reply three", reply_to=1),
    ],
    T("12:00:00"),
)
P["allowance_used_when_zero_points"] = (
    [
        S(
            timezone="UTC",
            points={"reply": 0},
            limits={"interactions_per_partner_per_day": 1, "cooldown_seconds": 0},
        )
    ]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(3, T("09:00:00"), 10, "reply one", reply_to=1),
        S(points={"reply": 3}),
        M(5, T("09:02:00"), 10, "reply three", reply_to=1),
    ],
    T("12:00:00"),
)
P["allowance_zero"] = (
    [S(timezone="UTC", limits={"interactions_per_partner_per_day": 0})]
    + [M(1, T("08:00:00"), 11, "post by eleven"), M(3, T("09:00:00"), 10, "reply one", reply_to=1)],
    T("12:00:00"),
)
# caps
P["pair_cap_truncates_streak_bonus"] = (
    [S(timezone="UTC", limits={"pair_daily_cap": 6})]
    + [
        M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11]),
        M(2, T("09:00:00"), 11, "answer for ten", reply_to=1),
    ],
    T("12:00:00"),
)
P["member_cap_across_partners"] = (
    [S(timezone="UTC", limits={"member_daily_cap": 7, "cooldown_seconds": 0})]
    + [
        M(1, T("08:00:00"), 10, "hey <@11> <@12> <@13>", mentions=[11, 12, 13]),
        M(2, T("08:00:00"), 11, "hey ten", reply_to=1),
        M(3, T("08:00:00"), 12, "hey ten", reply_to=1),
    ],
    T("12:00:00"),
)
P["milestone_exempt_from_caps"] = (
    [S(timezone="UTC", limits={"pair_daily_cap": 0, "member_daily_cap": 0})]
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-0{d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-0{d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in (1, 2, 3)
        ],
        [],
    ),
    T("12:00:00", "2026-05-03"),
)
P["cap_order_reply_first_then_mentions"] = (
    [S(timezone="UTC", limits={"member_daily_cap": 4})]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "reply with <@13> <@12>", reply_to=1, mentions=[13, 12, 11]),
    ],
    T("12:00:00"),
)
P["cap_streak_bonus_after_own_points"] = (
    [S(timezone="UTC", limits={"pair_daily_cap": 7})]
    + [
        M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11]),
        M(2, T("09:00:00"), 11, "answer for ten", reply_to=1),
        M(3, T("09:05:00"), 10, "another one here", reply_to=2),
    ],
    T("12:00:00"),
)
# new member milestones/badges
P["newbie_milestone_and_badge"] = (
    [S(timezone="UTC", limits={"min_member_age_days": 30}), MEM(11, joined="2026-04-30T00:00:00Z")]
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-0{d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-0{d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in (1, 2, 3)
        ],
        [],
    ),
    T("12:00:00", "2026-05-03"),
)
# content
P["tokens_stripped"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "<@!11> <@&5> <#6> <:x:1> ab", reply_to=1),
    ],
    T("12:00:00"),
)
P["tokens_stripped_3"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "<@!11> <@&5> <#6> <:x_y:1> a b c", reply_to=1),
    ],
    T("12:00:00"),
)
P["emoji_codepoints_2"] = (
    base + [M(1, T("08:00:00"), 11, "post by eleven"), M(2, T("09:00:00"), 10, "👍🏽", reply_to=1)],
    T("12:00:00"),
)
P["emoji_codepoints_zwj"] = (
    base
    + [M(1, T("08:00:00"), 11, "post by eleven"), M(2, T("09:00:00"), 10, "👨‍👩‍👧", reply_to=1)],
    T("12:00:00"),
)
P["everyone_text_counts"] = (
    base + [M(1, T("08:00:00"), 10, "@everyone", mentions=[11])],
    T("12:00:00"),
)
P["animated_emoji"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "<a:dance:123>", reply_to=1),
    ],
    T("12:00:00"),
)
P["unicode_space"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "a\u00a0b\u3000", reply_to=1),
    ],
    T("12:00:00"),
)
P["too_short_reply_with_mention"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "ok <@12>", reply_to=1, mentions=[12]),
    ],
    T("12:00:00"),
)
# kudos emoji change
P["kudos_emoji_changed"] = (
    [S(timezone="UTC", kudos_emoji="🎉")]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        R(1, 10, "⭐", T("09:00:00")),
        R(1, 12, "🎉", T("09:00:00")),
    ],
    T("12:00:00"),
)
P["self_star_not_counted"] = (
    [S(timezone="UTC", limits={"kudos_per_day": 1})]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("08:00:00"), 10, "post by ten"),
        R(2, 10, "⭐", T("09:00:00")),
        R(1, 10, "⭐", T("09:10:00")),
    ],
    T("12:00:00"),
)
P["bot_cases"] = (
    [S(timezone="UTC"), MEM(99, bot=True)]
    + [
        M(1, T("08:00:00"), 99, "bot post here <@10>", mentions=[10]),
        M(2, T("09:00:00"), 10, "reply to bot with <@11>", reply_to=1, mentions=[11, 99]),
        R(1, 11, "⭐", T("09:10:00")),
        R(2, 99, "👍", T("09:10:00")),
        K(99, 10, T("09:20:00")),
        K(10, 99, T("09:20:00")),
    ],
    T("12:00:00"),
)
P["kudos_limits_shared"] = (
    [S(timezone="UTC", limits={"kudos_per_day": 2})]
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("08:00:00"), 12, "post by twelve"),
        M(3, T("08:00:00"), 13, "post by thirteen"),
        R(1, 10, "⭐", T("09:00:00")),
        K(10, 11, T("09:01:00")),
        K(10, 12, T("09:02:00"), id=77),
        R(3, 10, "⭐", T("09:03:00")),
        K(10, 13, T("10:00:00", "2026-05-02")),
    ],
    T("12:00:00", "2026-05-02"),
)
P["kudos_to_newbie"] = (
    [
        S(timezone="UTC", limits={"kudos_per_day": 1, "min_member_age_days": 5}),
        MEM(11, joined="2026-04-30T00:00:00Z"),
        K(10, 11, T("09:00:00")),
        K(10, 12, T("09:01:00")),
    ],
    T("12:00:00"),
)
P["kudos_per_day_zero"] = (
    [S(timezone="UTC", limits={"kudos_per_day": 0}), K(10, 11, T("09:00:00"))],
    T("12:00:00"),
)
P["kudos_no_id_same_ts_repeated"] = (
    base + [K(10, 11, T("09:00:00")), K(10, 11, T("09:00:00"))],
    T("12:00:00"),
)
P["kudos_no_id_same_ts_diff_format"] = (
    base + [K(10, 11, T("09:00:00")), K(10, 11, "2026-05-01T11:00:00+02:00")],
    T("12:00:00"),
)
P["kudos_day_local"] = (
    [
        S(timezone="America/New_York", limits={"kudos_per_day": 1}),
        K(10, 11, "2026-05-02T02:00:00Z"),
        K(10, 12, "2026-05-02T05:00:00Z"),
    ],
    "2026-05-02T06:00:00Z",
)
P["mentions_dupe_ids"] = (
    base
    + [
        M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11, 11]),
        M(2, T("09:00:00"), 11, "hey <@10> you", mentions=[10, 10]),
    ],
    T("12:00:00"),
)
P["reply_and_mention_same_target_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("08:05:00"), 10, "same same", reply_to=1),
        M(3, T("08:06:00"), 10, "same same", reply_to=1, mentions=[11]),
    ],
    T("12:00:00"),
)
P["any_mode_one_way"] = (
    [S(timezone="UTC", streak_mode="any"), M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11])],
    T("12:00:00"),
)
P["kudos_makes_day"] = (
    base + [M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11]), K(11, 10, T("09:00:00"))],
    T("12:00:00"),
)
P["reaction_streak_kind"] = (
    [
        S(timezone="UTC", streak_kinds=["reaction"]),
        M(1, T("08:00:00"), 10, "post by ten"),
        M(2, T("08:00:00"), 11, "post by eleven"),
        R(1, 11, "👍", T("09:00:00")),
        R(2, 10, "👍", T("09:00:00")),
    ],
    T("12:00:00"),
)
P["guild_only_member_line"] = ([S(timezone="UTC"), MEM(5, g=3)], T("12:00:00"))
P["reaction_unknown_msg"] = (base + [R(12345, 10, "👍", T("09:00:00"))], T("12:00:00"))
P["reply_unknown"] = (
    base + [M(2, T("09:00:00"), 10, "reply to nothing", reply_to=999)],
    T("12:00:00"),
)
P["same_ts_reply"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "hey <@10> you", mentions=[10]),
        M(2, T("08:00:00"), 10, "right back at you", reply_to=1),
    ],
    T("12:00:00"),
)
P["now_offset"] = (
    base
    + [
        M(1, T("23:00:00"), 10, "hey <@11> you", mentions=[11]),
        M(2, T("23:00:00"), 11, "right back at you", reply_to=1),
    ],
    "2026-05-02T01:00:00+02:00",
)
P["self_mention_reply"] = (
    base
    + [
        M(1, T("08:00:00"), 10, "my own post"),
        M(2, T("09:00:00"), 10, "replying myself <@10>", reply_to=1, mentions=[10]),
    ],
    T("12:00:00"),
)
P["milestones_changed"] = (
    [
        S(
            timezone="UTC",
            points={"milestones": {"3": 1, "7": 2, "14": 3, "30": 4, "50": 5, "100": 6, "365": 7}},
        )
    ]
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-0{d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-0{d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in (1, 2, 3)
        ],
        [],
    ),
    T("12:00:00", "2026-05-03"),
)
P["new_run_same_milestone"] = (
    base
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-{d:02d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-{d:02d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in (1, 2, 3, 6, 7, 8)
        ],
        [],
    ),
    T("12:00:00", "2026-05-08"),
)
P["partial_milestones"] = (
    [S(timezone="UTC", points={"milestones": {"3": 1}})]
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-{d:02d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-{d:02d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in range(1, 8)
        ],
        [],
    ),
    T("12:00:00", "2026-05-07"),
)

P["frac_cooldown"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, "2026-05-01T09:00:00.500Z", 10, "first text", reply_to=1),
        M(3, "2026-05-01T09:01:00.400Z", 10, "second text", reply_to=1),
    ],
    T("12:00:00"),
)
P["frac_cooldown2"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, "2026-05-01T09:00:00.500Z", 10, "first text", reply_to=1),
        M(3, "2026-05-01T09:01:00.000Z", 10, "second text", reply_to=1),
    ],
    T("12:00:00"),
)
P["frac_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, "2026-05-01T09:00:00.000Z", 10, "same text", reply_to=1),
        M(3, "2026-05-01T09:10:00.300Z", 10, "same text", reply_to=1),
    ],
    T("12:00:00"),
)
P["frac_newbie"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 1}),
        MEM(12, joined="2026-04-30T10:00:00.500Z"),
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(3, T("10:00:00"), 12, "exact reply here", reply_to=1),
    ],
    T("23:00:00"),
)
P["casefold_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "straße", reply_to=1),
        M(3, T("09:02:00"), 10, "STRASSE", reply_to=1),
    ],
    T("12:00:00"),
)
P["accent_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "ÉCOLE time", reply_to=1),
        M(3, T("09:02:00"), 10, "école time", reply_to=1),
    ],
    T("12:00:00"),
)
P["nbsp_dup"] = (
    base
    + [
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("09:00:00"), 10, "a\u00a0 b c", reply_to=1),
        M(3, T("09:02:00"), 10, "A B\tC\n", reply_to=1),
    ],
    T("12:00:00"),
)
P["zwsp_len"] = (
    base
    + [M(1, T("08:00:00"), 11, "post by eleven"), M(2, T("09:00:00"), 10, "a\u200bb", reply_to=1)],
    T("12:00:00"),
)
P["newbie_sets_clock"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 1}),
        MEM(12, joined="2026-04-30T10:00:30Z"),
        M(1, T("08:00:00"), 11, "post by eleven"),
        M(2, T("10:00:00"), 12, "first reply here", reply_to=1),
        M(3, T("10:00:40"), 12, "second reply here", reply_to=1),
    ],
    T("23:00:00"),
)
P["refused_not_counted"] = (
    [
        S(timezone="UTC", limits={"kudos_per_day": 2}),
        K(10, 11, T("09:00:00")),
        K(10, 11, T("09:01:00")),
        K(10, 12, T("09:02:00")),
    ],
    T("12:00:00"),
)
P["star_not_reaction_kind"] = (
    [
        S(timezone="UTC", streak_kinds=["reaction"]),
        M(1, T("08:00:00"), 10, "post by ten"),
        M(2, T("08:00:00"), 11, "post by eleven"),
        R(1, 11, "⭐", T("09:00:00")),
        R(2, 10, "⭐", T("09:00:00")),
    ],
    T("12:00:00"),
)
P["freeze_at_now"] = (
    base
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-{d:02d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-{d:02d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in range(1, 8)
        ],
        [],
    ),
    T("12:00:00", "2026-05-09"),
)
P["freeze_at_now_dead"] = (
    base
    + sum(
        [
            [
                M(10 * d, T("08:00:00", f"2026-05-{d:02d}"), 10, "hey <@11> you", mentions=[11]),
                M(
                    10 * d + 1,
                    T("09:00:00", f"2026-05-{d:02d}"),
                    11,
                    "answer for ten",
                    reply_to=10 * d,
                ),
            ]
            for d in range(1, 8)
        ],
        [],
    ),
    T("12:00:00", "2026-05-10"),
)
P["two_freezes_14"] = (
    base
    + sum(
        [
            [
                M(
                    100 + 10 * d,
                    T("08:00:00", f"2026-05-{d:02d}"),
                    10,
                    "hey <@11> you",
                    mentions=[11],
                ),
                M(
                    100 + 10 * d + 1,
                    T("09:00:00", f"2026-05-{d:02d}"),
                    11,
                    "answer for ten",
                    reply_to=100 + 10 * d,
                ),
            ]
            for d in list(range(1, 15)) + [17]
        ],
        [],
    ),
    T("12:00:00", "2026-05-19"),
)
P["tz_change"] = (
    [
        S(timezone="UTC"),
        M(1, "2026-05-01T22:00:00Z", 10, "hey <@11> you", mentions=[11]),
        S(timezone="Pacific/Kiritimati"),
        M(2, "2026-05-01T22:30:00Z", 11, "answer for ten", reply_to=1),
    ],
    "2026-05-02T01:00:00Z",
)
P["mass_unknown_ids"] = (
    base + [M(2, T("10:00:00"), 10, "great stuff folks", mentions=[50, 51, 52, 53, 54])],
    T("12:00:00"),
)

P["bot_declared_later"] = (
    base
    + [
        M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11]),
        M(2, T("09:00:00"), 11, "answer for ten", reply_to=1),
        MEM(11, bot=True),
    ],
    T("12:00:00"),
)
P["member_redeclared_joined"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 2}),
        MEM(11, joined="2026-04-30T00:00:00Z"),
        M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11]),
        M(2, T("09:00:00"), 11, "answer for ten", reply_to=1),
        MEM(11, joined="2026-01-01T00:00:00Z"),
        M(3, T("10:00:00"), 11, "answer two for ten", reply_to=1),
    ],
    T("12:00:00"),
)
P["member_line_midstream_new"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 2}),
        M(1, T("08:00:00"), 10, "hey <@11> you", mentions=[11]),
        M(2, T("09:00:00"), 11, "answer for ten", reply_to=1),
        MEM(11, joined="2026-04-30T00:00:00Z"),
        M(3, T("10:00:00"), 11, "answer two for ten", reply_to=1),
    ],
    T("12:00:00"),
)
P["reply_to_msg_by_later_bot"] = (
    [
        S(timezone="UTC"),
        M(1, T("08:00:00"), 99, "post by ninety nine"),
        MEM(99, bot=True),
        M(2, T("09:00:00"), 11, "answer for bot", reply_to=1),
    ],
    T("12:00:00"),
)

P["joined_after_event_min1"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 1}),
        MEM(14, joined="2026-05-01T12:00:00Z"),
        M(1, T("08:00:00"), 14, "hey <@13> shall we pair?", mentions=[13]),
    ],
    T("13:00:00"),
)
P["joined_after_event_min0"] = (
    [
        S(timezone="UTC"),
        MEM(14, joined="2026-05-01T12:00:00Z"),
        M(1, T("08:00:00"), 14, "hey <@13> shall we pair?", mentions=[13]),
    ],
    T("13:00:00"),
)
P["joined_after_event_far_min1"] = (
    [
        S(timezone="UTC", limits={"min_member_age_days": 1}),
        MEM(14, joined="2026-05-09T12:00:00Z"),
        M(1, T("08:00:00"), 14, "hey <@13> shall we pair?", mentions=[13]),
    ],
    T("13:00:00"),
)

EDGE_CASES = P


# --- long runs: every streak milestone and badge, day attribution across DST -------------


def _daily_pair(
    start: str, days: int, skip: tuple[int, ...], tz: str, hhmm_utc: str
) -> list[dict[str, Any]]:
    from datetime import date, timedelta

    first = date.fromisoformat(start)
    out: list[dict[str, Any]] = [S(timezone=tz)]
    for n in range(days):
        if n in skip:
            continue
        d = (first + timedelta(days=n)).isoformat()
        out.append(M(100000 + 3 * n, f"{d}T{hhmm_utc}:00Z", 10, "daily sync <@11>", mentions=[11]))
        out.append(
            M(100001 + 3 * n, f"{d}T{hhmm_utc}:30Z", 11, "done for today", reply_to=100000 + 3 * n)
        )
        out.append(K(10, 11, f"{d}T{hhmm_utc}:45Z"))
    return out


# 370 days (streak-365, milestone 1000, rep-5000) with two gaps covered by freezes.
P["year_long_streak"] = (
    _daily_pair("2026-01-01", 372, (100, 250), "UTC", "12:00"),
    "2027-01-08T00:00:00Z",
)
# Local 23:30 in Amsterdam is 22:30Z in winter and 21:30Z in summer: at 22:10Z the day flips.
P["amsterdam_dst_late_evening"] = (
    _daily_pair("2026-03-20", 20, (), "Europe/Amsterdam", "22:10"),
    "2026-04-09T23:00:00Z",
)
P["new_york_dst_fall"] = (
    _daily_pair("2026-10-25", 16, (9,), "America/New_York", "03:30"),
    "2026-11-10T12:00:00Z",
)
# connector-5 and connector-20: member 10 has a mutual day with 21 partners (caps raised).
_connector: list[dict[str, Any]] = [
    S(timezone="UTC", limits={"member_daily_cap": 100000, "pair_daily_cap": 100000})
]
for _n, _p in enumerate(range(200, 221)):
    _connector.append(M(7000 + 2 * _n, T("08:00:00"), 10, f"hello <@{_p}> friend", mentions=[_p]))
    _connector.append(
        M(7001 + 2 * _n, T("08:00:00"), _p, "hello back friend", reply_to=7000 + 2 * _n)
    )
P["connector_badges"] = (_connector, T("12:00:00"))
# the default member cap (200) reached through many partners in one day
_busy: list[dict[str, Any]] = [S(timezone="UTC")]
for _n, _p in enumerate(range(300, 330)):
    _busy.append(
        M(8000 + 2 * _n, T("08:00:00"), 10, f"hello <@{_p}> friend", reply_to=None, mentions=[_p])
    )
    _busy.append(K(_p, 10, T("08:00:00")))
    _busy.append(M(8001 + 2 * _n, T("08:00:00"), _p, "hello back friend", reply_to=8000 + 2 * _n))
P["member_cap_default_200"] = (_busy, T("12:00:00"))
