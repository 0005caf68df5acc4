"""Behaviour of every storage protocol (bot/storage/protocols.py), backend-independent.

Rows are seeded only through the protocols themselves, or through `repos.tracking.write_batch`
with the engine's own row types, so a second backend passes these tests unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.badges import BUILTIN_BADGES
from bot.domain.challenges import Challenge, WindowInteraction
from bot.domain.engine import (
    FLAG_COOLDOWN_PASSED,
    FLAG_STREAK,
    BadgeRow,
    Batch,
    CappedAward,
    InteractionRow,
    LedgerRow,
    MemberInfo,
    MessageRow,
    PairDayRow,
    StoredInteraction,
    StoredMessage,
)
from bot.domain.guild_settings import GuildSettings
from bot.domain.points import DUPLICATE_WINDOW_SECONDS
from bot.domain.streaks import StreakRun, run_days
from bot.domain.timeutil import epoch_us
from bot.storage.audit import AuditEntry
from bot.storage.badges import BadgeDef, HeldBadge
from bot.storage.jobs import JobState
from bot.storage.members import MemberRow
from bot.storage.protocols import Repositories
from bot.storage.tracking import PairStreakRow

G = 7  # the guild under test
H = 8  # another guild, which must never leak into G's answers
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 10)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def us(at: datetime) -> int:
    return epoch_us(at)


async def write(repos: Repositories, **rows: Any) -> None:
    """Seed rows through the pipeline's own write path."""
    await repos.tracking.write_batch(Batch(**rows))


def interaction(
    guild: int,
    actor: int,
    target: int,
    at: datetime,
    *,
    source: str | None = None,
    kind: str = "reply",
    points: int = 3,
    flags: int = FLAG_STREAK,
    day: str | None = None,
    channel: int | None = 5,
) -> InteractionRow:
    return InteractionRow(
        guild,
        source or str(us(at)),
        actor,
        target,
        kind,
        us(at),
        day or at.date().isoformat(),
        channel,
        points,
        flags,
    )


def ledger(
    guild: int,
    user: int,
    delta: int,
    at: datetime,
    *,
    reason: str = "reply",
    partner: int | None = None,
    capped: int = 0,
    day: str | None = None,
) -> LedgerRow:
    return LedgerRow(
        guild,
        user,
        delta,
        reason,
        str(us(at)),
        us(at),
        day or at.date().isoformat(),
        partner,
        capped,
    )


def run(current: int, last: date | None, *, best: int | None = None, freezes: int = 0) -> StreakRun:
    start = last - timedelta(days=current - 1) if last is not None and current else None
    return StreakRun(current, best if best is not None else current, freezes, last, start)


# -- members ---------------------------------------------------------------------------------


async def test_member_defaults_for_an_unknown_member(repos: Repositories) -> None:
    assert await repos.members.member(G, 42) == MemberRow(
        42, 0, "channel", "public", False, False, False
    )


async def test_member_reads_what_was_stored(repos: Repositories) -> None:
    await write(
        repos,
        members={(G, 1): MemberInfo(bot=True), (G, 2): MemberInfo()},
        reputation={(G, 2): 17, (H, 1): 99},
    )
    await repos.members.set_preference(G, 2, "notify", "dm")
    await repos.members.set_preference(G, 2, "visibility", "server")
    await repos.members.set_flag(G, 2, "excluded", True)
    assert await repos.members.member(G, 1) == MemberRow(
        1, 0, "channel", "public", False, False, True
    )
    assert await repos.members.member(G, 2) == MemberRow(2, 17, "dm", "server", False, True, False)
    # the same user in another guild is another member
    assert (await repos.members.member(H, 2)).reputation == 0
    assert (await repos.members.member(H, 1)).reputation == 99


async def test_members_with_reads_more_than_one_chunk_of_ids(repos: Repositories) -> None:
    await write(
        repos,
        reputation={**{(G, u): u for u in range(1, 1201)}, **{(H, u): 1 for u in range(1, 1301)}},
    )
    await repos.members.set_preference(G, 1100, "visibility", "private")
    asked = list(range(1300, 0, -1))  # 1201..1300 are unknown in G
    got = await repos.members.members_with(G, asked)
    assert sorted(got) == list(range(1, 1201))
    assert all(row.user == u and row.reputation == u for u, row in got.items())
    assert got[1100].visibility == "private"
    assert got[1].visibility == "public"
    assert await repos.members.members_with(G, []) == {}
    assert await repos.members.members_with(G, [5000]) == {}


async def seed_visibility(repos: Repositories, guild: int) -> None:
    """1 public, 2 server-only, 3 private, 4 opted out, 5 excluded, 6 bot (public)."""
    await write(
        repos,
        members={(guild, 6): MemberInfo(bot=True)},
        reputation={(guild, u): 10 * u for u in range(1, 7)},
    )
    await repos.members.set_preference(guild, 2, "visibility", "server")
    await repos.members.set_preference(guild, 3, "visibility", "private")
    await repos.members.set_flag(guild, 4, "opted_out", True)
    await repos.members.set_flag(guild, 5, "excluded", True)


async def test_hidden_members_public_only_also_hides_server_only_members(
    repos: Repositories,
) -> None:
    await seed_visibility(repos, G)
    await repos.members.set_preference(H, 9, "visibility", "private")
    assert sorted(await repos.members.hidden_members(G, public_only=False)) == [3, 4, 5]
    assert sorted(await repos.members.hidden_members(G, public_only=True)) == [2, 3, 4, 5]
    assert await repos.members.hidden_members(99, public_only=True) == []


async def test_set_preference_upserts_one_column(repos: Repositories) -> None:
    await repos.members.set_preference(G, 1, "notify", "off")  # creates the member
    assert await repos.members.member(G, 1) == MemberRow(1, 0, "off", "public", False, False, False)
    await repos.members.set_preference(G, 1, "visibility", "private")
    await repos.members.set_preference(G, 1, "notify", "dm")
    row = await repos.members.member(G, 1)
    assert (row.notify, row.visibility) == ("dm", "private")
    with pytest.raises(ValueError):
        await repos.members.set_preference(G, 1, "reputation", "5")


async def test_set_preference_keeps_reputation_and_flags(repos: Repositories) -> None:
    await write(repos, reputation={(G, 1): 30})
    await repos.members.set_flag(G, 1, "opted_out", True)
    await repos.members.set_preference(G, 1, "notify", "dm")
    assert await repos.members.member(G, 1) == MemberRow(1, 30, "dm", "public", True, False, False)


async def test_reputations_ascending_lists_positive_reputations(repos: Repositories) -> None:
    await write(repos, reputation={(G, 1): 5, (G, 2): 0, (G, 3): 9, (G, 4): 5, (H, 5): 1})
    await repos.members.set_preference(G, 6, "notify", "dm")  # a member with 0 reputation
    await repos.members.set_preference(G, 3, "visibility", "private")  # still counted
    assert await repos.members.reputations_ascending(G) == [5, 5, 9]
    assert await repos.members.reputations_ascending(99) == []


async def test_top_reputation_filters_hidden_members_and_pages(repos: Repositories) -> None:
    await seed_visibility(repos, G)
    await write(repos, reputation={(G, 7): 20, (G, 8): 0, (H, 1): 1000})
    # shown: 1 (10), 2 (20, server-only), 7 (20); ties by user id
    assert await repos.members.top_reputation(G, 10, 0) == [(2, 20), (7, 20), (1, 10)]
    assert await repos.members.top_reputation(G, 10, 0, public_only=True) == [(7, 20), (1, 10)]
    assert await repos.members.top_reputation(G, 2, 1) == [(7, 20), (1, 10)]
    assert await repos.members.top_reputation(G, 1, 1) == [(7, 20)]
    assert await repos.members.top_reputation(G, 10, 3) == []


async def test_set_flag_sets_and_clears(repos: Repositories) -> None:
    await repos.members.set_flag(G, 1, "opted_out", True)
    await repos.members.set_flag(G, 1, "excluded", True)
    row = await repos.members.member(G, 1)
    assert (row.opted_out, row.excluded) == (True, True)
    await repos.members.set_flag(G, 1, "opted_out", False)
    row = await repos.members.member(G, 1)
    assert (row.opted_out, row.excluded) == (False, True)
    assert not (await repos.members.member(H, 1)).excluded
    with pytest.raises(ValueError):
        await repos.members.set_flag(G, 1, "bot", True)


async def test_reminder_prefs_maps_who_skips_the_channel_reminder(repos: Repositories) -> None:
    m = repos.members
    await m.set_preference(G, 1, "notify", "channel")  # default: not listed
    await m.set_preference(G, 2, "notify", "dm")
    await m.set_preference(G, 3, "notify", "off")
    await m.set_preference(G, 4, "notify", "dm")
    await m.set_flag(G, 4, "opted_out", True)  # opted out: off whatever notify says
    await m.set_flag(G, 5, "excluded", True)
    await m.set_preference(G, 6, "visibility", "server")  # channel, but not public
    await m.set_preference(G, 7, "visibility", "private")
    await m.set_preference(G, 7, "notify", "dm")
    await m.set_preference(G, 8, "visibility", "private")
    await m.set_preference(G, 8, "notify", "off")
    await m.set_preference(G, 9, "visibility", "private")
    await m.set_flag(G, 9, "excluded", True)
    await m.set_preference(H, 1, "notify", "dm")
    await m.set_preference(99, 1, "notify", "dm")  # a guild not asked about
    expected_g = {
        (G, 2): "dm",
        (G, 3): "off",
        (G, 4): "off",
        (G, 5): "off",
        (G, 6): "dm-hidden",
        (G, 7): "dm-hidden",
        (G, 8): "off",
        (G, 9): "off",
    }
    assert await m.reminder_prefs([G]) == expected_g
    assert await m.reminder_prefs([G, H]) == {**expected_g, (H, 1): "dm"}
    assert await m.reminder_prefs([]) == {}
    # back to every default: no longer listed (the partial index of migration 018 follows)
    await m.set_preference(G, 2, "notify", "channel")
    await m.set_flag(G, 5, "excluded", False)
    await m.set_preference(G, 6, "visibility", "public")
    expected_g = {k: v for k, v in expected_g.items() if k not in {(G, 2), (G, 5), (G, 6)}}
    assert await m.reminder_prefs([G]) == expected_g


# -- streaks ---------------------------------------------------------------------------------


async def seed_streaks(repos: Repositories) -> dict[tuple[int, int], StreakRun]:
    """Pairs of G on TODAY with max_freezes 2 (plus one pair of H)."""
    runs = {
        (1, 2): run(5, TODAY),  # alive, talked today
        (1, 3): run(9, TODAY - timedelta(days=1), best=12),  # alive, at risk
        (2, 3): run(5, TODAY - timedelta(days=3), freezes=2),  # alive on 2 freezes
        (3, 4): run(8, TODAY - timedelta(days=3), freezes=1, best=20),  # dead
        (4, 5): run(2, TODAY - timedelta(days=2), freezes=1),  # alive on a freeze
        (5, 6): run(1, TODAY - timedelta(days=2)),  # dead
    }
    await write(
        repos,
        streaks={
            **{(G, a, b): r.copy() for (a, b), r in runs.items()},
            (H, 1, 2): run(50, TODAY),
        },
    )
    return runs


def pairs(rows: list[PairStreakRow]) -> list[tuple[int, int]]:
    return [(r.a, r.b) for r in rows]


async def test_alive_streaks_longest_first_with_paging_and_exclusion(
    repos: Repositories,
) -> None:
    runs = await seed_streaks(repos)
    s = repos.streaks
    every = await s.alive_streaks(G, TODAY, 2, 100, 0)
    assert pairs(every) == [(1, 3), (1, 2), (2, 3), (4, 5)]
    assert all(r.guild == G and r.run == runs[(r.a, r.b)] for r in every)
    assert pairs(await s.alive_streaks(G, TODAY, 2, 2, 1)) == [(1, 2), (2, 3)]
    assert pairs(await s.alive_streaks(G, TODAY, 2, 2, 4)) == []
    assert pairs(await s.alive_streaks(G, TODAY, 2, 100, 0, exclude=[3])) == [(1, 2), (4, 5)]
    assert pairs(await s.alive_streaks(G, TODAY, 2, 100, 0, exclude=[2, 4])) == [(1, 3)]
    # a day later only the pair that talked today is still alive
    tomorrow = TODAY + timedelta(days=1)
    assert pairs(await s.alive_streaks(G, tomorrow, 2, 100, 0)) == [(1, 2)]
    # freezes a run earned before max_freezes was lowered still cover it (as in view_at)
    assert pairs(await s.alive_streaks(G, TODAY, 1, 100, 0)) == [(1, 3), (1, 2), (2, 3), (4, 5)]
    assert pairs(await s.alive_streaks(H, TODAY, 2, 100, 0)) == [(1, 2)]


async def test_count_alive_longer_counts_alive_pairs_only(repos: Repositories) -> None:
    await seed_streaks(repos)
    s = repos.streaks
    assert await s.count_alive_longer(G, TODAY, 2, 0) == 4
    assert await s.count_alive_longer(G, TODAY, 2, 4) == 3  # 9, 5, 5
    assert await s.count_alive_longer(G, TODAY, 2, 5) == 1
    assert await s.count_alive_longer(G, TODAY, 2, 7) == 1  # the dead 8 is not counted
    assert await s.count_alive_longer(G, TODAY, 2, 9) == 0
    assert await s.count_alive_longer(99, TODAY, 2, 0) == 0


async def test_count_best_above_counts_every_pair(repos: Repositories) -> None:
    await seed_streaks(repos)
    s = repos.streaks
    assert await s.count_best_above(G, 0) == 6
    assert await s.count_best_above(G, 5) == 2  # 12 and the dead pair's 20
    assert await s.count_best_above(G, 12) == 1
    assert await s.count_best_above(G, 20) == 0


async def test_top_best_orders_by_best_with_paging_and_exclusion(repos: Repositories) -> None:
    await seed_streaks(repos)
    s = repos.streaks
    assert pairs(await s.top_best(G, 100, 0)) == [(3, 4), (1, 3), (1, 2), (2, 3), (4, 5), (5, 6)]
    assert pairs(await s.top_best(G, 2, 2)) == [(1, 2), (2, 3)]
    assert pairs(await s.top_best(G, 100, 0, exclude=[3, 6])) == [(1, 2), (4, 5)]
    assert [r.run.best for r in await s.top_best(G, 3, 0)] == [20, 12, 5]


async def test_pairs_of_and_pair(repos: Repositories) -> None:
    runs = await seed_streaks(repos)
    s = repos.streaks
    mine = await s.pairs_of(G, 3)
    assert sorted(pairs(mine)) == [(1, 3), (2, 3), (3, 4)]
    assert all(r.run == runs[(r.a, r.b)] for r in mine)
    assert await s.pairs_of(G, 9) == []
    assert pairs(await s.pairs_of(H, 1)) == [(1, 2)]
    assert await s.pair(G, 3, 4) == PairStreakRow(G, 3, 4, runs[(3, 4)])
    assert await s.pair(G, 1, 5) is None
    assert await s.pair(99, 1, 2) is None


async def test_at_risk_pairs_for_many_guilds_in_one_call(repos: Repositories) -> None:
    await seed_streaks(repos)
    await write(repos, streaks={(H, 3, 4): run(4, TODAY - timedelta(days=1))})
    s = repos.streaks
    assert await s.at_risk_pairs([]) == {}
    got = await s.at_risk_pairs([(G, TODAY, 2, 0), (H, TODAY, 2, 0), (99, TODAY, 2, 0)])
    assert got == {
        G: [(1, 3, 9, 0), (2, 3, 5, 0), (4, 5, 2, 0)],
        H: [(3, 4, 4, 0)],
    }
    # each guild with its own day, freezes and minimum length
    # (on H a day later, the pair seen yesterday is at risk, the one seen before is gone)
    got = await s.at_risk_pairs([(G, TODAY, 2, 3), (H, TODAY + timedelta(days=1), 2, 0)])
    assert got == {G: [(1, 3, 9, 0), (2, 3, 5, 0)], H: [(1, 2, 50, 0)]}
    # freezes left: a pair last seen yesterday keeps them all
    await write(repos, streaks={(G, 7, 8): run(14, TODAY - timedelta(days=1), freezes=2)})
    got = await s.at_risk_pairs([(G, TODAY, 2, 10)])
    assert got == {G: [(7, 8, 14, 2)]}


# -- ledger ----------------------------------------------------------------------------------


async def test_points_since_sums_shown_members_from_since_on(repos: Repositories) -> None:
    since = T0
    before = since - timedelta(microseconds=1)
    await write(
        repos,
        ledger=[
            ledger(G, 1, 5, since),  # exactly at `since`: counted
            ledger(G, 1, 4, since + timedelta(days=1)),
            ledger(G, 1, 100, before),  # before `since`
            ledger(G, 2, 9, since),
            ledger(G, 3, 9, since),  # private
            ledger(G, 4, 9, since),  # opted out
            ledger(G, 5, 9, since),  # excluded
            ledger(G, 6, 9, since),  # server-only: shown
            ledger(G, 7, 5, since),
            ledger(G, 7, -5, since + timedelta(hours=1)),  # nets to 0: left out
            ledger(G, 8, -3, since),  # negative: left out
            ledger(G, 10, 2, since),  # no member row: shown
            ledger(H, 1, 50, since),
        ],
    )
    await repos.members.set_preference(G, 3, "visibility", "private")
    await repos.members.set_flag(G, 4, "opted_out", True)
    await repos.members.set_flag(G, 5, "excluded", True)
    await repos.members.set_preference(G, 6, "visibility", "server")
    board = await repos.ledger.points_since(G, since, 100, 0)
    assert board == [(1, 9), (2, 9), (6, 9), (10, 2)]
    assert await repos.ledger.points_since(G, since, 2, 1) == [(2, 9), (6, 9)]
    assert await repos.ledger.points_since(G, since + timedelta(hours=2), 100, 0) == [(1, 4)]
    assert await repos.ledger.points_since(H, since, 100, 0) == [(1, 50)]


async def test_activity_sums_a_members_points_per_local_day(repos: Repositories) -> None:
    await write(
        repos,
        ledger=[
            ledger(G, 1, 3, T0, day="2026-06-01"),
            ledger(G, 1, 5, T0 + timedelta(hours=1), day="2026-06-01"),
            ledger(G, 1, 7, T0 + timedelta(hours=13), day="2026-06-02"),  # the local day counts
            ledger(G, 1, -2, T0 + timedelta(days=2), day="2026-06-03"),
            ledger(G, 1, 100, T0 - timedelta(days=1), day="2026-05-31"),  # before `since`
            ledger(G, 2, 11, T0, day="2026-06-01"),
            ledger(H, 1, 13, T0, day="2026-06-01"),
        ],
    )
    assert await repos.ledger.activity(G, 1, T0) == {
        "2026-06-01": 8,
        "2026-06-02": 7,
        "2026-06-03": -2,
    }
    assert await repos.ledger.activity(G, 3, T0) == {}


# -- privacy ---------------------------------------------------------------------------------


async def seed_member_data(repos: Repositories) -> None:
    """Member 1 of G with data of every kind, member 2 its partner, 3 and 4 another pair."""
    joined = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    await write(
        repos,
        members={(G, 1): MemberInfo(joined_at=joined), (G, 3): MemberInfo()},
        reputation={(G, 1): 12, (G, 2): 8, (G, 3): 4, (G, 4): 4, (H, 1): 99},
        messages=[
            MessageRow(G, 100, 5, 1, us(T0), "hey there"),
            MessageRow(G, 101, 5, 2, us(T0 + timedelta(minutes=1)), "hi"),
            MessageRow(G, 102, 6, 3, us(T0 + timedelta(minutes=2)), "yo"),
            MessageRow(H, 100, 5, 1, us(T0), "elsewhere"),
        ],
        interactions=[
            interaction(G, 1, 2, T0, source="100", kind="mention", points=1),
            interaction(G, 2, 1, T0 + timedelta(minutes=1), source="101"),
            interaction(G, 3, 4, T0 + timedelta(minutes=2), source="102"),
            interaction(H, 1, 2, T0, source="100"),
        ],
        ledger=[
            ledger(G, 1, 1, T0, reason="mention"),
            ledger(G, 1, 5, T0 + timedelta(minutes=1), reason="streak_day", partner=2),
            ledger(G, 2, 3, T0 + timedelta(minutes=1)),
            ledger(G, 3, 3, T0 + timedelta(minutes=2)),
            ledger(H, 1, 3, T0),
        ],
        pair_days=[
            PairDayRow(G, 1, 2, "2026-06-01", us(T0 + timedelta(minutes=1))),
            PairDayRow(G, 3, 4, "2026-06-01", us(T0 + timedelta(minutes=2))),
            PairDayRow(H, 1, 2, "2026-06-01", us(T0)),
        ],
        streaks={
            (G, 1, 2): run(1, date(2026, 6, 1)),
            (G, 3, 4): run(1, date(2026, 6, 1)),
            (H, 1, 2): run(1, date(2026, 6, 1)),
        },
        badges=[
            BadgeRow(G, 1, "streak-3", us(T0)),
            BadgeRow(G, 3, "streak-3", us(T0)),
            BadgeRow(H, 1, "streak-3", us(T0)),
        ],
    )


async def test_export_holds_everything_about_one_member(repos: Repositories) -> None:
    await seed_member_data(repos)
    await repos.members.set_preference(G, 1, "notify", "dm")
    out = await repos.privacy.export(G, 1)
    assert out == {
        "guild": G,
        "user": 1,
        "member": {
            "bot": False,
            "joined_at": "2025-01-02T03:04:05.000006+00:00",
            "left": False,
            "opted_out": False,
            "excluded": False,
            "reputation": 12,
            "notify": "dm",
            "visibility": "public",
        },
        "interactions": [
            {
                "source": "100",
                "actor": 1,
                "target": 2,
                "kind": "mention",
                "at": T0.isoformat(),
                "day": "2026-06-01",
                "points": 1,
            },
            {
                "source": "101",
                "actor": 2,
                "target": 1,
                "kind": "reply",
                "at": (T0 + timedelta(minutes=1)).isoformat(),
                "day": "2026-06-01",
                "points": 3,
            },
        ],
        "ledger": [
            {"delta": 1, "reason": "mention", "source": str(us(T0)), "at": T0.isoformat()},
            {
                "delta": 5,
                "reason": "streak_day",
                "source": str(us(T0 + timedelta(minutes=1))),
                "at": (T0 + timedelta(minutes=1)).isoformat(),
            },
        ],
        "streaks": [{"partner": 2, "current_run": 1, "best": 1, "last_day": "2026-06-01"}],
        "badges": [{"badge": "streak-3", "awarded_at": T0.isoformat()}],
        "messages_remembered": [{"id": 100, "channel": 5, "at": T0.isoformat()}],
    }
    # the partner's export names member 1 as partner
    assert (await repos.privacy.export(G, 2))["streaks"][0]["partner"] == 1


async def test_export_of_an_unknown_member_is_empty(repos: Repositories) -> None:
    await seed_member_data(repos)
    assert await repos.privacy.export(G, 77) == {
        "guild": G,
        "user": 77,
        "interactions": [],
        "ledger": [],
        "streaks": [],
        "badges": [],
        "messages_remembered": [],
    }


async def test_erase_member_removes_only_that_members_rows(repos: Repositories) -> None:
    await seed_member_data(repos)
    before_h = await repos.privacy.export(H, 1)
    await repos.privacy.erase_member(G, 1)

    out = await repos.privacy.export(G, 1)
    assert out["member"]["opted_out"] is True
    assert out["member"]["reputation"] == 0
    assert out["interactions"] == out["ledger"] == out["streaks"] == out["badges"] == []
    assert [m["id"] for m in out["messages_remembered"]] == [100]  # kept, text forgotten
    snapshot = await repos.tracking.fetch_snapshot(G)
    assert (1, T0, "") in snapshot.recent_messages
    assert (2, T0 + timedelta(minutes=1), "hi") in snapshot.recent_messages
    assert await repos.tracking.pair_days_of(G, 1, 2) == []
    assert await repos.streaks.pair(G, 1, 2) is None
    assert 1 not in dict(await repos.tracking.active_members(G))
    assert await repos.badges.held(G, 1) == []
    assert not await repos.tracking.interaction_exists(G, "101", 2, 1, "reply")

    # the partner keeps its own ledger; the other pair and the other guild keep everything
    partner = await repos.privacy.export(G, 2)
    assert partner["interactions"] == [] and partner["streaks"] == []
    assert [e["delta"] for e in partner["ledger"]] == [3]
    assert (await repos.members.member(G, 2)).reputation == 8
    assert await repos.tracking.interaction_exists(G, "102", 3, 4, "reply")
    assert await repos.tracking.pair_days_of(G, 3, 4) == [date(2026, 6, 1)]
    assert await repos.streaks.pair(G, 3, 4) is not None
    assert await repos.badges.holders(G, "streak-3") == [3]
    assert await repos.privacy.export(H, 1) == before_h


async def test_erase_member_of_an_unknown_member_leaves_a_marker(repos: Repositories) -> None:
    await repos.privacy.erase_member(G, 5)
    assert (await repos.members.member(G, 5)).opted_out


async def test_prune_interactions_drops_older_rows_in_every_guild(repos: Repositories) -> None:
    await write(
        repos,
        interactions=[
            interaction(G, 1, 2, T0 - timedelta(days=2)),
            interaction(G, 2, 1, T0 - timedelta(microseconds=1)),
            interaction(G, 1, 2, T0),  # exactly at the cut: kept
            interaction(H, 1, 2, T0 - timedelta(days=1)),
        ],
        messages=[
            MessageRow(G, 1, 5, 1, us(T0 - timedelta(days=2)), "old"),
            MessageRow(G, 2, 5, 1, us(T0), "new"),
            MessageRow(H, 1, 5, 1, us(T0 - timedelta(days=1)), "old"),
        ],
    )
    assert await repos.privacy.prune_interactions(T0) == 3
    assert [i.ts for i in await repos.tracking.window_interactions(G, *EVER)] == [T0]
    assert await repos.tracking.window_interactions(H, *EVER) == []
    assert list(await repos.tracking.messages_by_ids(G, [1, 2])) == [2]
    assert await repos.tracking.messages_by_ids(H, [1]) == {}
    assert await repos.privacy.prune_interactions(T0) == 0


# -- nudges ----------------------------------------------------------------------------------


async def test_one_nudge_per_member_pair_and_day(repos: Repositories) -> None:
    n = repos.nudges
    assert await n.record_nudge(G, 1, 2, TODAY, 1)
    assert not await n.record_nudge(G, 1, 2, TODAY, 1)
    assert await n.record_nudge(G, 1, 2, TODAY, 2)  # the partner nudges too
    assert await n.record_nudge(G, 1, 2, TODAY + timedelta(days=1), 1)
    assert await n.record_nudge(G, 1, 3, TODAY, 1)
    assert await n.record_nudge(H, 1, 2, TODAY, 1)
    assert not await n.record_nudge(G, 1, 2, TODAY, 2)


# -- badges ----------------------------------------------------------------------------------


def challenge(guild: int, cid: int, **kw: Any) -> Challenge:
    fields: dict[str, Any] = {
        "name": f"Sprint {cid}",
        "goal": "points",
        "target": 50,
        "starts": T0,
        "ends": T0 + timedelta(days=7),
    }
    fields.update(kw)
    return Challenge(guild, cid, **fields)


async def test_definitions_are_builtins_challenges_and_the_guilds_own(
    repos: Repositories,
) -> None:
    b = repos.badges
    builtins = {
        k: BadgeDef(k, i.name, i.emoji, i.description, None, False)
        for k, i in BUILTIN_BADGES.items()
    }
    assert await b.definitions(G) == builtins

    await repos.challenges.upsert(challenge(G, 1, name="Spring sprint"))
    await repos.challenges.upsert(challenge(G, 2, name="Relay"))
    await repos.challenges.upsert(challenge(H, 3, name="Elsewhere"))
    override = BadgeDef("streak-3", "Spark", "✨", "Three days!", 555, False)
    custom = BadgeDef("helper", "Helper", "🙌", "Helps out", None, True)
    relay = BadgeDef("challenge-2", "Relay winner", "🏆", "Won the relay", 9, False)
    for badge in (override, custom, relay):
        await b.define(G, badge)
    await b.define(H, BadgeDef("rep-100", "Other", "x", "", None, False))

    defs = await b.definitions(G)
    assert defs == {
        **builtins,
        "streak-3": override,
        "helper": custom,
        "challenge-1": BadgeDef(
            "challenge-1",
            "Spring sprint",
            "🏁",
            "Completed the challenge Spring sprint",
            None,
            False,
        ),
        "challenge-2": relay,  # a definition overrides the challenge's default
    }
    assert "challenge-3" in await b.definitions(H)
    assert (await b.definitions(H))["rep-100"].name == "Other"


async def test_define_updates_a_definition(repos: Repositories) -> None:
    b = repos.badges
    await b.define(G, BadgeDef("helper", "Helper", "🙌", "Helps out", 1, True))
    await b.define(G, BadgeDef("helper", "Great helper", "💪", "", None, True))
    assert (await b.definitions(G))["helper"] == BadgeDef(
        "helper", "Great helper", "💪", "", None, True
    )


async def test_grant_revoke_held_and_holders(repos: Repositories) -> None:
    b = repos.badges
    t1, t2, t3 = T0 + timedelta(microseconds=7), T0 + timedelta(days=1), T0 + timedelta(days=2)
    assert await b.grant(G, 1, "streak-7", t2)
    assert await b.grant(G, 1, "helper", t3)
    assert await b.grant(G, 1, "streak-3", t1)
    assert not await b.grant(G, 1, "streak-3", t3)  # held already: the first award stays
    assert await b.grant(G, 2, "streak-3", t2)
    assert await b.grant(H, 3, "streak-3", t2)
    assert await b.held(G, 1) == [
        HeldBadge("streak-3", t1),
        HeldBadge("streak-7", t2),
        HeldBadge("helper", t3),
    ]
    assert sorted(await b.holders(G, "streak-3")) == [1, 2]
    assert await b.holders(G, "rep-100") == []
    assert await b.revoke(G, 1, "streak-3")
    assert not await b.revoke(G, 1, "streak-3")
    assert not await b.revoke(G, 9, "helper")
    assert await b.holders(G, "streak-3") == [2]
    assert [h.key for h in await b.held(G, 1)] == ["streak-7", "helper"]
    assert await b.holders(H, "streak-3") == [3]
    of_guild = await repos.tracking.badges_of_guild(G)
    assert {u: sorted(keys) for u, keys in of_guild.items()} == {
        1: ["helper", "streak-7"],
        2: ["streak-3"],
    }


# -- challenges ------------------------------------------------------------------------------


async def test_challenge_round_trip_with_participants(repos: Repositories) -> None:
    c = repos.challenges
    full = challenge(
        G,
        2,
        name="Relay",
        description="Pass it on",
        goal="pair_streak",
        target=5,
        starts=datetime(2026, 6, 1, 0, 0, 0, 123, tzinfo=UTC),
        ends=datetime(2026, 6, 8, tzinfo=UTC),
        multiplier=2.5,
        join_required=False,
        cancelled=True,
        closed=True,
    )
    await c.upsert(challenge(G, 1))
    await c.upsert(full)
    await c.upsert(challenge(H, 1, name="Elsewhere"))
    joined = T0 + timedelta(hours=1, microseconds=3)
    assert await c.add_participant(G, 2, 10, joined)
    assert await c.add_participant(G, 2, 11, T0)
    assert await c.add_participant(H, 1, 10, T0)
    got = await c.for_guild(G)
    assert [ch.id for ch in got] == [1, 2]
    full.participants = {10: joined, 11: T0}
    assert got[1] == full
    assert got[0] == challenge(G, 1)
    assert [ch.name for ch in await c.for_guild(H)] == ["Elsewhere"]
    assert await c.for_guild(99) == []

    # an upsert changes the definition and keeps the participants
    await c.upsert(challenge(G, 2, name="Relay 2", target=9))
    again = (await c.for_guild(G))[1]
    assert (again.name, again.target, again.cancelled) == ("Relay 2", 9, False)
    assert again.participants == {10: joined, 11: T0}


async def test_next_id_is_one_past_the_guilds_highest(repos: Repositories) -> None:
    c = repos.challenges
    assert await c.next_id(G) == 1
    await c.upsert(challenge(G, 1))
    await c.upsert(challenge(G, 5))
    await c.upsert(challenge(H, 9))
    assert await c.next_id(G) == 6
    assert await c.next_id(H) == 10


async def test_add_and_remove_participant_return_whether_anything_changed(
    repos: Repositories,
) -> None:
    c = repos.challenges
    await c.upsert(challenge(G, 1))
    assert await c.add_participant(G, 1, 10, T0)
    assert not await c.add_participant(G, 1, 10, T0 + timedelta(days=1))  # joined already
    assert (await c.for_guild(G))[0].participants == {10: T0}
    assert await c.remove_participant(G, 1, 10)
    assert not await c.remove_participant(G, 1, 10)
    assert not await c.remove_participant(G, 1, 11)
    assert (await c.for_guild(G))[0].participants == {}


async def test_due_announces_starts_and_closes_ends(repos: Repositories) -> None:
    c = repos.challenges
    week = timedelta(days=7)
    await c.upsert(challenge(G, 1, starts=T0, ends=T0 + week))
    await c.upsert(challenge(G, 2, starts=T0 + week, ends=T0 + 2 * week))  # scheduled
    await c.upsert(challenge(G, 3, starts=T0 - week, ends=T0))  # ended at `now`
    await c.upsert(challenge(G, 4, starts=T0, ends=T0 + week, cancelled=True))
    await c.upsert(challenge(G, 5, starts=T0 - week, ends=T0, cancelled=True))
    await c.upsert(challenge(H, 1, starts=T0 - week, ends=T0 + week))
    await c.upsert(challenge(H, 2, starts=T0 - week, ends=T0 - week / 2, closed=True))
    assert await c.due(T0 - timedelta(microseconds=1)) == [
        (G, 3, "start"),
        (H, 1, "start"),
    ]
    assert await c.due(T0) == [(G, 1, "start"), (G, 3, "end"), (H, 1, "start")]

    await c.mark_announced(G, 1)
    await c.mark_announced(H, 1)
    await c.mark_closed(G, 3)
    assert await c.due(T0) == []
    assert (await c.for_guild(G))[2].closed
    # editing an announced challenge does not announce it again
    await c.upsert(challenge(G, 1, name="Renamed", starts=T0, ends=T0 + week))
    assert await c.due(T0 + timedelta(days=1)) == []
    # a challenge whose end passed is closed, whether or not its start was announced
    assert await c.due(T0 + 2 * week) == [(G, 1, "end"), (G, 2, "end"), (H, 1, "end")]


# -- guilds ----------------------------------------------------------------------------------


async def test_settings_round_trip_and_ensure(repos: Repositories) -> None:
    g = repos.guilds
    assert await g.get_settings(G) is None
    changed = GuildSettings().apply_changes(
        {"timezone": "Asia/Tokyo", "limits": {"max_freezes": 0}, "points": {"milestones": {7: 1}}}
    )
    await g.save_settings(G, changed)
    assert await g.get_settings(G) == changed
    await g.ensure(G)  # never overwrites
    assert await g.get_settings(G) == changed
    await g.ensure(H)
    assert await g.get_settings(H) == GuildSettings()
    assert await g.get_config(H) == {}
    again = changed.apply_changes({"streak_mode": "any"})
    await g.save_settings(G, again)
    assert await g.get_settings(G) == again
    assert await g.guild_ids() == [G, H]


async def test_guild_ids_are_sorted(repos: Repositories) -> None:
    for guild in (30, 10, 20):
        await repos.guilds.ensure(guild)
    assert await repos.guilds.guild_ids() == [10, 20, 30]


async def test_config_round_trip(repos: Repositories) -> None:
    g = repos.guilds
    assert await g.get_config(G) == {}
    await g.save_config(G, {"channel": 5, "nested": {"a": [1, 2]}})  # creates the guild
    assert await g.get_settings(G) == GuildSettings()
    assert await g.get_config(G) == {"channel": 5, "nested": {"a": [1, 2]}}
    await g.save_config(G, {"other": True})  # replaces, does not merge
    assert await g.get_config(G) == {"other": True}
    settings = GuildSettings().apply_changes({"timezone": "Europe/Paris"})
    await g.save_settings(G, settings)
    assert await g.get_config(G) == {"other": True}  # settings and config are separate
    await g.save_config(G, {"x": 1})
    assert await g.get_settings(G) == settings


async def test_all_configs_and_save_configs(repos: Repositories) -> None:
    g = repos.guilds
    assert await g.all_configs() == []
    paris = GuildSettings().apply_changes({"timezone": "Europe/Paris"})
    await g.save_settings(G, paris)
    await g.save_config(H, {"channel": 9})
    for guild in range(100, 1201):  # more than one chunk
        await g.ensure(guild)
    configs = {guild: (s, c) for guild, s, c in await g.all_configs()}
    assert len(configs) == 1103
    assert configs[G] == (paris.to_json_dict(), {})
    assert configs[H] == (GuildSettings().to_json_dict(), {"channel": 9})
    assert configs[1200] == (GuildSettings().to_json_dict(), {})

    await g.save_configs([(G, {"a": 1}), (H, {}), *((u, {"n": u}) for u in range(100, 1201))])
    await g.save_configs([(5555, {"ghost": True})])  # only guilds that exist are updated
    saved = {guild: c for guild, _, c in await g.all_configs()}
    assert saved[G] == {"a": 1}
    assert saved[H] == {}
    assert saved[1150] == {"n": 1150}
    assert 5555 not in saved
    assert await g.get_settings(G) == paris


# -- jobs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("last_reminder_day", "2026-06-10", JobState(last_reminder_day="2026-06-10")),
        ("last_board_day", "2026-06-09", JobState(last_board_day="2026-06-09")),
        (
            "leaderboard_message",
            123456789012345678,
            JobState(leaderboard_message=123456789012345678),
        ),
    ],
)
async def test_mark_sets_one_column(
    repos: Repositories, column: str, value: str | int, expected: JobState
) -> None:
    j = repos.jobs
    assert await j.get(G) == JobState()
    await j.mark(column, [(G, value), (H, value)])
    assert await j.get(G) == expected
    assert await j.all() == {G: expected, H: expected}
    await j.mark(column, [(G, None)])
    assert await j.get(G) == JobState()
    assert await j.get(H) == expected


async def test_mark_keeps_the_other_columns(repos: Repositories) -> None:
    j = repos.jobs
    assert await j.all() == {}
    await j.mark("last_reminder_day", [(G, "2026-06-10")])
    await j.mark("last_board_day", [(G, "2026-06-09")])
    await j.mark("leaderboard_message", [(G, 77)])
    await j.mark("last_reminder_day", [(G, "2026-06-11")])
    assert await j.get(G) == JobState("2026-06-11", "2026-06-09", 77)
    assert await j.get(H) == JobState()


async def test_mark_many_guilds(repos: Repositories) -> None:
    await repos.jobs.mark("last_board_day", [(g, f"2026-06-{g % 28 + 1:02d}") for g in range(1200)])
    every = await repos.jobs.all()
    assert len(every) == 1200
    assert every[1199] == JobState(last_board_day="2026-06-24")
    await repos.jobs.mark("last_board_day", [])
    assert len(await repos.jobs.all()) == 1200


async def test_mark_refuses_an_unknown_column(repos: Repositories) -> None:
    with pytest.raises(ValueError):
        await repos.jobs.mark("guild_id", [(G, 1)])
    assert await repos.jobs.all() == {}


# -- audit -----------------------------------------------------------------------------------


async def test_audit_pages_newest_first_and_counts(repos: Repositories) -> None:
    a = repos.audit
    assert await a.count(G) == 0
    assert await a.page(G, 10, 0) == []
    # recorded order decides, not the time written on the entry
    times = [T0 + timedelta(minutes=m, microseconds=1) for m in (5, 1, 3)]
    for i, at in enumerate(times):
        await a.record(G, 100 + i, f"action-{i}", {"n": i, "nested": {"x": [i]}}, at)
    await a.record(H, 1, "elsewhere", {}, T0)
    assert await a.count(G) == 3
    assert await a.count(H) == 1
    page = await a.page(G, 10, 0)
    assert [(e.moderator, e.action, e.details, e.at) for e in page] == [
        (102, "action-2", {"n": 2, "nested": {"x": [2]}}, times[2]),
        (101, "action-1", {"n": 1, "nested": {"x": [1]}}, times[1]),
        (100, "action-0", {"n": 0, "nested": {"x": [0]}}, times[0]),
    ]
    assert page[0].id > page[1].id > page[2].id
    assert [e.action for e in await a.page(G, 2, 1)] == ["action-1", "action-0"]
    assert await a.page(G, 2, 3) == []
    (other,) = await a.page(H, 10, 0)
    assert other == AuditEntry(other.id, 1, "elsewhere", {}, T0)


# -- tracking --------------------------------------------------------------------------------


async def test_write_batch_counts_rows_and_ignores_repeated_keys(repos: Repositories) -> None:
    batch = Batch(
        messages=[MessageRow(G, 1, 5, 1, us(T0), "hi")],
        interactions=[interaction(G, 1, 2, T0, source="1")],
        ledger=[ledger(G, 1, 3, T0)],
        pair_days=[PairDayRow(G, 1, 2, "2026-06-01", us(T0))],
        streaks={(G, 1, 2): run(1, date(2026, 6, 1))},
        reputation={(G, 1): 3},
        badges=[BadgeRow(G, 1, "streak-3", us(T0))],
        cursors={(G, 5): 1},
    )
    rows, recomputed = await repos.tracking.write_batch(batch)
    assert (rows, recomputed) == (8, {})
    await repos.tracking.write_batch(batch)
    t = repos.tracking
    assert len(await t.window_interactions(G, *EVER)) == 1
    assert len(await t.window_pair_days(G, *EVER)) == 1
    assert await t.badges_of_guild(G) == {1: ["streak-3"]}
    assert await t.messages_by_ids(G, [1]) == {1: StoredMessage(1, T0)}
    assert await t.window_points(G, *EVER) == {1: 3}  # a ledger row is keyed too
    # a repeated key keeps the first row
    await write(
        repos,
        interactions=[interaction(G, 1, 2, T0 + timedelta(hours=1), source="1", points=9)],
        messages=[MessageRow(G, 1, 6, 2, us(T0 + timedelta(hours=1)), "changed")],
        badges=[BadgeRow(G, 1, "streak-3", us(T0 + timedelta(hours=1)))],
    )
    assert [i.ts for i in await t.window_interactions(G, *EVER)] == [T0]
    assert await t.messages_by_ids(G, [1]) == {1: StoredMessage(1, T0)}
    assert await repos.badges.held(G, 1) == [HeldBadge("streak-3", T0)]


async def test_write_batch_members_reputation_and_active(repos: Repositories) -> None:
    joined = T0 - timedelta(days=30)
    await write(
        repos,
        members={
            (G, 1): MemberInfo(joined_at=joined),
            (G, 2): MemberInfo(bot=True),
            (G, 3): MemberInfo(left=True, opted_out=True, excluded=True),
        },
        reputation={(G, 1): 10, (G, 2): 4},
        active={(G, 1), (G, 4)},
    )
    await repos.members.set_preference(G, 1, "notify", "dm")
    t = repos.tracking
    assert await t.active_members(G) == [(1, 10), (4, 0)]  # the bot is left out
    snap = await t.fetch_snapshot(G)
    assert snap.members[1] == MemberInfo(joined_at=joined)
    assert snap.members[3] == MemberInfo(left=True, opted_out=True, excluded=True)
    assert snap.reputation == {1: 10, 2: 4}
    assert snap.active == {1, 2, 4}
    # a later upsert of the member keeps reputation and preferences
    await write(repos, members={(G, 1): MemberInfo(joined_at=joined, left=True)})
    assert await repos.members.member(G, 1) == MemberRow(1, 10, "dm", "public", False, False, False)
    assert (await t.fetch_snapshot(G)).members[1].left
    await write(repos, reputation={(G, 1): 25})
    assert (await repos.members.member(G, 1)).reputation == 25


async def test_recompute_rebuilds_streaks_from_every_stored_day(repos: Repositories) -> None:
    t = repos.tracking
    days = [date(2026, 6, d) for d in (1, 2, 3, 5, 6, 7, 8)]
    await write(repos, pair_days=[PairDayRow(G, 1, 2, d.isoformat(), us(T0)) for d in days[1:]])
    # an older day arrives late, in the same batch that asks for the recompute; the batch's
    # own (stale) streak for the pair is overwritten by the recomputed one
    batch = Batch(
        pair_days=[
            PairDayRow(G, 1, 2, days[0].isoformat(), us(T0)),
            PairDayRow(H, 1, 2, "2026-06-01", us(T0)),
        ],
        streaks={(G, 1, 2): run(99, date(2026, 6, 8)), (H, 1, 2): run(1, date(2026, 6, 1))},
        recompute={(G, 1, 2)},
    )
    freezes_of = {G: 0, H: 3}
    rows, recomputed = await t.write_batch(batch, lambda guild: freezes_of[guild])
    expected = run_days(days, 0)
    assert expected.current == 4  # with no freezes the gap on the 4th breaks the run
    assert recomputed == {(G, 1, 2): expected}
    assert rows == 2 + 2 + 1
    assert (await repos.streaks.pair(G, 1, 2)) == PairStreakRow(G, 1, 2, expected)
    assert (await repos.streaks.pair(H, 1, 2)) == PairStreakRow(H, 1, 2, run(1, date(2026, 6, 1)))
    # the guild's own max_freezes decides: with freezes a 7-day run earns one and bridges
    _, again = await t.write_batch(Batch(recompute={(G, 1, 2)}), lambda _guild: 2)
    assert again[(G, 1, 2)] == run_days(days, 2)


async def test_a_failed_recompute_writes_nothing_of_the_batch(repos: Repositories) -> None:
    def broken(_guild: int) -> int:
        raise RuntimeError("boom")

    batch = Batch(
        interactions=[interaction(G, 1, 2, T0)],
        pair_days=[PairDayRow(G, 1, 2, "2026-06-01", us(T0))],
        reputation={(G, 1): 3},
        recompute={(G, 1, 2)},
    )
    with pytest.raises(RuntimeError):
        await repos.tracking.write_batch(batch, broken)
    assert not await repos.tracking.has_data(G)
    assert await repos.tracking.pair_days_of(G, 1, 2) == []
    assert await repos.members.member(G, 1) == MemberRow(
        1, 0, "channel", "public", False, False, False
    )
    # the store is usable afterwards
    await repos.tracking.write_batch(batch)
    assert await repos.tracking.has_data(G)


async def test_cursors_only_move_forward(repos: Repositories) -> None:
    t = repos.tracking
    assert await t.cursors(G) == {}
    await write(repos, cursors={(G, 5): 100, (G, 6): 50, (H, 5): 7})
    await write(repos, cursors={(G, 5): 90, (G, 6): 60})
    assert await t.cursors(G) == {5: 100, 6: 60}
    await write(repos, cursors={(G, 5): 101})
    assert await t.cursors(G) == {5: 101, 6: 60}
    assert await t.cursors(H) == {5: 7}


async def test_forget_message_text_keeps_author_and_time(repos: Repositories) -> None:
    t = repos.tracking
    await write(
        repos,
        messages=[MessageRow(G, 1, 5, 1, us(T0), "secret"), MessageRow(H, 1, 5, 1, us(T0), "kept")],
        interactions=[interaction(G, 1, 2, T0), interaction(H, 1, 2, T0)],
    )
    await t.forget_message_text(G, 1)
    assert (await t.fetch_snapshot(G)).recent_messages == [(1, T0, "")]
    assert (await t.fetch_snapshot(H)).recent_messages == [(1, T0, "kept")]
    assert await t.messages_by_ids(G, [1]) == {1: StoredMessage(1, T0)}


async def test_pair_days_of_sorted_and_save_streak(repos: Repositories) -> None:
    t = repos.tracking
    await write(
        repos,
        pair_days=[
            PairDayRow(G, 1, 2, "2026-06-03", us(T0)),
            PairDayRow(G, 1, 2, "2026-05-30", us(T0)),
            PairDayRow(G, 1, 3, "2026-06-01", us(T0)),
            PairDayRow(H, 1, 2, "2026-06-01", us(T0)),
        ],
    )
    assert await t.pair_days_of(G, 1, 2) == [date(2026, 5, 30), date(2026, 6, 3)]
    assert await t.pair_days_of(G, 2, 1) == []
    await t.save_streak(G, 1, 2, run(3, date(2026, 6, 3), freezes=1, best=8))
    await t.save_streak(G, 1, 2, run(4, date(2026, 6, 4), freezes=2, best=8))
    assert await t.all_pair_streaks(G) == [
        PairStreakRow(G, 1, 2, run(4, date(2026, 6, 4), freezes=2, best=8))
    ]
    empty = StreakRun()
    await t.save_streak(G, 1, 3, empty)  # a run with no day round-trips as well
    assert await repos.streaks.pair(G, 1, 3) == PairStreakRow(G, 1, 3, empty)


async def test_messages_by_ids(repos: Repositories) -> None:
    t = repos.tracking
    at = datetime(2026, 6, 1, 12, 0, 0, 999, tzinfo=UTC)
    await write(
        repos,
        messages=[
            MessageRow(G, 1, 5, 10, us(at), "a"),
            MessageRow(G, 2, 6, 11, us(at + timedelta(seconds=1)), "b"),
            MessageRow(H, 3, 5, 12, us(at), "c"),
        ],
    )
    assert await t.messages_by_ids(G, []) == {}
    assert await t.messages_by_ids(G, [1, 2, 3, 4]) == {
        1: StoredMessage(10, at),
        2: StoredMessage(11, at + timedelta(seconds=1)),
    }
    assert await t.messages_by_ids(H, [1, 3]) == {3: StoredMessage(12, at)}


async def test_interaction_exists_matches_the_whole_key(repos: Repositories) -> None:
    t = repos.tracking
    await write(repos, interactions=[interaction(G, 1, 2, T0, source="m1", kind="reply")])
    assert await t.interaction_exists(G, "m1", 1, 2, "reply")
    assert not await t.interaction_exists(G, "m2", 1, 2, "reply")
    assert not await t.interaction_exists(G, "m1", 2, 1, "reply")
    assert not await t.interaction_exists(G, "m1", 1, 3, "reply")
    assert not await t.interaction_exists(G, "m1", 1, 2, "mention")
    assert not await t.interaction_exists(H, "m1", 1, 2, "reply")


async def test_has_data_with_messages_or_interactions(repos: Repositories) -> None:
    t = repos.tracking
    assert not await t.has_data(G)
    await write(repos, messages=[MessageRow(G, 1, 5, 1, us(T0), "hi")])
    assert await t.has_data(G)
    await write(repos, interactions=[interaction(H, 1, 2, T0)])
    assert await t.has_data(H)
    # members, ledger, streaks and badges alone are not tracked data
    await write(
        repos,
        reputation={(99, 1): 5},
        ledger=[ledger(99, 1, 5, T0)],
        streaks={(99, 1, 2): run(1, TODAY)},
        badges=[BadgeRow(99, 1, "streak-3", us(T0))],
    )
    assert not await t.has_data(99)


async def test_fetch_snapshot_of_an_empty_guild(repos: Repositories) -> None:
    snap = await repos.tracking.fetch_snapshot(G)
    assert snap.members == {} and snap.reputation == {} and snap.active == set()
    assert snap.streaks == {} and snap.partner_pairs == [] and snap.badges == []
    assert snap.newest is None and snap.recent_messages == []


async def test_fetch_snapshot(repos: Repositories) -> None:
    newest = T0 + timedelta(hours=1)
    window = timedelta(seconds=DUPLICATE_WINDOW_SECONDS)
    await write(
        repos,
        members={(G, 1): MemberInfo(bot=True)},
        reputation={(G, 2): 5, (G, 3): 0, (H, 9): 1},
        interactions=[interaction(G, 2, 3, T0), interaction(G, 3, 2, newest)],
        messages=[
            MessageRow(G, 1, 5, 2, us(newest - window - timedelta(seconds=2)), "too old"),
            MessageRow(G, 3, 5, 3, us(newest), "last"),
            MessageRow(G, 2, 5, 2, us(newest - window), "in the window"),
            MessageRow(G, 4, 5, 4, us(newest + timedelta(minutes=1)), "after"),
        ],
        pair_days=[
            PairDayRow(G, 2, 3, "2026-06-01", us(T0)),
            PairDayRow(G, 2, 3, "2026-06-02", us(T0)),
            PairDayRow(G, 3, 4, "2026-06-01", us(T0)),
        ],
        streaks={(G, 2, 3): run(2, date(2026, 6, 2))},
        badges=[BadgeRow(G, 2, "streak-3", us(T0)), BadgeRow(G, 2, "rep-100", us(T0))],
    )
    snap = await repos.tracking.fetch_snapshot(G)
    assert snap.members[1] == MemberInfo(bot=True)
    assert set(snap.members) == {1, 2, 3}
    assert snap.reputation == {2: 5}
    assert snap.active == {2, 3}
    assert snap.streaks == {(2, 3): run(2, date(2026, 6, 2))}
    assert sorted(snap.partner_pairs) == [(2, 3), (3, 4)]
    assert sorted(snap.badges) == [(2, "rep-100"), (2, "streak-3")]
    assert snap.newest == newest
    assert snap.recent_messages == [
        (2, newest - window, "in the window"),
        (3, newest, "last"),
        (4, newest + timedelta(minutes=1), "after"),
    ]


async def test_fetch_days_reads_local_days_first_to_last(repos: Repositories) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    # local day of each row in Tokyo; 23:30 UTC on 31 May is already 1 June there
    late = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    rows = [
        (late, "2026-06-01"),
        (datetime(2026, 5, 31, 12, tzinfo=UTC), "2026-05-31"),
        (datetime(2026, 6, 2, 3, tzinfo=UTC), "2026-06-02"),
        (datetime(2026, 6, 5, 3, tzinfo=UTC), "2026-06-05"),
    ]
    await write(
        repos,
        interactions=[
            interaction(G, 1, 2, at, day=day, flags=FLAG_STREAK | FLAG_COOLDOWN_PASSED)
            for at, day in rows
        ]
        + [interaction(H, 1, 2, late, day="2026-06-01")],
        pair_days=[PairDayRow(G, 1, 2, day, us(at)) for at, day in rows],
        ledger=[ledger(G, 1, 5, at, day=day, partner=2, capped=1) for at, day in rows]
        + [ledger(G, 2, 7, late, day="2026-06-01", partner=1, capped=0)],
    )
    got = await repos.tracking.fetch_days(G, tokyo, date(2026, 6, 1), date(2026, 6, 2))
    assert got.interactions == [
        StoredInteraction(str(us(at)), 1, 2, "reply", at, date.fromisoformat(day), 5)
        for at, day in rows[:1] + rows[2:3]
    ]
    assert sorted(got.qualified) == [(1, 2, date(2026, 6, 1)), (1, 2, date(2026, 6, 2))]
    assert sorted(got.capped) == [
        CappedAward(1, 2, date(2026, 6, 1), 5),
        CappedAward(1, 2, date(2026, 6, 2), 5),
    ]
    open_ended = await repos.tracking.fetch_days(G, tokyo, date(2026, 6, 2), None)
    assert [i.day for i in open_ended.interactions] == [date(2026, 6, 2), date(2026, 6, 5)]
    assert len(open_ended.qualified) == len(open_ended.capped) == 2
    nothing = await repos.tracking.fetch_days(G, tokyo, date(2026, 6, 3), date(2026, 6, 4))
    assert (nothing.interactions, nothing.qualified, nothing.capped) == ([], [], [])


async def test_window_reads_are_half_open(repos: Repositories) -> None:
    t = repos.tracking
    start, end = T0, T0 + timedelta(days=7)
    inside = [start, start + timedelta(days=3), end - timedelta(microseconds=1)]
    outside = [start - timedelta(microseconds=1), end]
    await write(
        repos,
        interactions=[
            interaction(G, 1, 2, at, flags=FLAG_STREAK if i % 2 == 0 else FLAG_COOLDOWN_PASSED)
            for i, at in enumerate(inside)
        ]
        + [interaction(G, 1, 2, at) for at in outside]
        + [interaction(H, 1, 2, start)],
        pair_days=[PairDayRow(G, 1, 2, f"2026-06-0{i + 1}", us(at)) for i, at in enumerate(inside)]
        + [PairDayRow(G, 3, 4, "2026-06-01", us(at)) for at in outside[:1]],
        ledger=[ledger(G, 1, 5, at) for at in inside]
        + [ledger(G, 2, 4, start), ledger(G, 2, -6, start, reason="adjust")]
        + [ledger(G, 3, 50, end)]
        + [ledger(H, 1, 9, start)],
    )
    got = sorted(await t.window_interactions(G, start, end), key=lambda w: w.ts)
    assert got == [
        WindowInteraction(1, 2, "reply", inside[0], True),
        WindowInteraction(1, 2, "reply", inside[1], False),
        WindowInteraction(1, 2, "reply", inside[2], True),
    ]
    assert sorted(await t.window_pair_days(G, start, end)) == [
        (1, 2, date(2026, 6, 1)),
        (1, 2, date(2026, 6, 2)),
        (1, 2, date(2026, 6, 3)),
    ]
    assert await t.window_points(G, start, end) == {1: 15, 2: -2}
    assert await t.window_points(H, start, end) == {1: 9}
    assert await t.window_points(G, end, end + timedelta(days=1)) == {3: 50}


async def test_all_pair_streaks_sorted_by_pair(repos: Repositories) -> None:
    await write(
        repos,
        streaks={
            (G, 2, 3): run(1, TODAY),
            (G, 1, 9): run(2, TODAY),
            (G, 1, 3): run(3, TODAY),
            (H, 1, 2): run(4, TODAY),
        },
    )
    assert pairs(await repos.tracking.all_pair_streaks(G)) == [(1, 3), (1, 9), (2, 3)]


async def test_badges_of_guild(repos: Repositories) -> None:
    await write(
        repos,
        badges=[
            BadgeRow(G, 1, "streak-3", us(T0)),
            BadgeRow(G, 1, "streak-7", us(T0)),
            BadgeRow(G, 2, "rep-100", us(T0)),
            BadgeRow(H, 3, "streak-3", us(T0)),
        ],
    )
    got = await repos.tracking.badges_of_guild(G)
    assert {u: sorted(b) for u, b in got.items()} == {1: ["streak-3", "streak-7"], 2: ["rep-100"]}
    assert await repos.tracking.badges_of_guild(99) == {}
