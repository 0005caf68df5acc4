from datetime import UTC, date, datetime, timedelta

from bot.domain.engine import Batch, GuildState, memory_window_start
from bot.domain.guild_settings import GuildSettings
from bot.domain.interactions import MessageRecord, ReactionRecord
from bot.storage.protocols import Repositories

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _feed(state: GuildState, batch: Batch) -> None:
    for day in range(3):
        at = T0 + timedelta(days=day)
        state.apply_message(
            batch, MessageRecord(1, 5, 100 + day * 10, at, 10, f"hey <@11> day {day}", None, (11,))
        )
        state.apply_message(
            batch,
            MessageRecord(
                1,
                5,
                101 + day * 10,
                at + timedelta(minutes=1),
                11,
                f"hi back {day}",
                100 + day * 10,
            ),
        )
    state.apply_reaction(
        batch, ReactionRecord(1, 5, 120, 11, "👍", T0 + timedelta(days=2, hours=1))
    )


async def test_batch_is_written_and_state_rebuilt(repos: Repositories) -> None:
    store = repos.tracking
    state = GuildState(1)
    batch = Batch()
    _feed(state, batch)
    rows, _ = await store.write_batch(batch)
    assert rows > 0
    streaks = await store.all_pair_streaks(1)
    assert [(s.a, s.b, s.run.current, s.run.best) for s in streaks] == [(10, 11, 3, 3)]
    assert await store.pair_days_of(1, 10, 11) == [date(2026, 6, d) for d in (1, 2, 3)]
    members = dict(await store.active_members(1))
    assert members == {10: state.reputation[10], 11: state.reputation[11]}
    assert (await store.badges_of_guild(1))[10] == ["streak-3"]

    snapshot = await store.fetch_snapshot(1)
    assert snapshot.newest is not None
    zone = GuildSettings().zone
    recent = await store.fetch_days(1, zone, memory_window_start(snapshot.newest, zone), None)
    fresh = GuildState.restore(1, GuildSettings(), snapshot, recent)
    assert fresh.streaks == state.streaks
    assert dict(fresh.reputation) == dict(state.reputation)
    assert fresh.cooldown == state.cooldown
    assert {k: v for k, v in fresh.allowance.items() if v} == {
        k: v for k, v in state.allowance.items() if v
    }
    assert {k: v for k, v in fresh.pair_cap.items() if v} == {
        k: v for k, v in state.pair_cap.items() if v
    }
    assert fresh.qualified == state.qualified
    assert fresh.badges == state.badges
    assert ("120", 11, 10, "reaction") in fresh.seen_keys


async def test_writing_the_same_batch_twice_adds_no_duplicate_rows(repos: Repositories) -> None:
    store = repos.tracking
    state = GuildState(1)
    batch = Batch()
    _feed(state, batch)
    assert batch.ledger
    await store.write_batch(batch)
    await store.write_batch(batch)
    # ledger rows are keyed (migration 015): the points are there once
    assert await store.window_points(1, *EVER) == {
        10: state.reputation[10],
        11: state.reputation[11],
    }
    # every interaction and qualifying day of the guild, read back through the protocol
    assert len(await store.window_interactions(1, *EVER)) == 7
    assert len(await store.window_pair_days(1, *EVER)) == 3
