"""History import progress through the HistoryStore protocol (`repos.history`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.engine import Batch, LedgerRow
from bot.domain.timeutil import epoch_us
from bot.storage.history import HistoryImport, HistoryStep
from bot.storage.protocols import Repositories

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)


def imp(channel: int, guild: int = 1, **kw: object) -> HistoryImport:
    fields: dict[str, object] = {
        "guild": guild,
        "channel": channel,
        "since": SINCE,
        "started_at": NOW,
        "after_id": 100,
        "until_id": 900,
    }
    fields.update(kw)
    return HistoryImport(**fields)  # type: ignore[arg-type]


async def test_begin_stores_imports_of_a_guild_only(repos: Repositories) -> None:
    assert await repos.history.of_guild(1) == []
    assert await repos.history.begin([imp(20), imp(10), imp(10, guild=2)]) == 3
    assert [i.channel for i in await repos.history.of_guild(1)] == [10, 20]
    stored = (await repos.history.of_guild(2))[0]
    assert stored == imp(10, guild=2)
    assert stored.since.tzinfo is not None and stored.since == SINCE


async def test_begin_keeps_an_existing_import_as_it_is(repos: Repositories) -> None:
    await repos.history.begin([imp(10)])
    await repos.history.advance(1, [HistoryStep(10, SINCE, 500, 40, False)])
    # started again (say after a restart): the progress made is not reset
    assert await repos.history.begin([imp(10, started_at=NOW + timedelta(hours=1))]) == 0
    (row,) = await repos.history.of_guild(1)
    assert (row.after_id, row.messages_seen, row.done, row.started_at) == (500, 40, False, NOW)


async def test_an_older_stretch_of_the_same_channel_is_a_second_import(
    repos: Repositories,
) -> None:
    await repos.history.begin([imp(10)])
    older = imp(10, since=SINCE - timedelta(days=60), until_id=100, after_id=5)
    assert await repos.history.begin([older]) == 1
    rows = await repos.history.of_guild(1)
    assert [r.since for r in rows] == [older.since, SINCE]


async def test_progress_never_moves_back_and_done_stays_done(repos: Repositories) -> None:
    await repos.history.begin([imp(10), imp(20)])
    await repos.history.advance(
        1, [HistoryStep(10, SINCE, 700, 120, True), HistoryStep(20, SINCE, 300, 9, False)]
    )
    await repos.history.advance(1, [HistoryStep(10, SINCE, 200, 3, False)])
    rows = {r.channel: r for r in await repos.history.of_guild(1)}
    assert (rows[10].after_id, rows[10].messages_seen, rows[10].done) == (700, 120, True)
    assert (rows[20].after_id, rows[20].messages_seen, rows[20].done) == (300, 9, False)


async def test_advance_touches_only_the_named_guild_and_stretch(repos: Repositories) -> None:
    await repos.history.begin([imp(10), imp(10, guild=2)])
    await repos.history.advance(2, [HistoryStep(10, SINCE, 800, 50, True)])
    await repos.history.advance(1, [HistoryStep(10, SINCE - timedelta(days=1), 800, 50, True)])
    (row,) = await repos.history.of_guild(1)
    assert (row.after_id, row.done) == (100, False)
    assert (await repos.history.of_guild(2))[0].done


async def test_oldest_counted_is_the_guilds_first_ledger_row(repos: Repositories) -> None:
    assert await repos.history.oldest_counted(1) is None
    batch = Batch()
    for guild, days in ((1, 40), (1, 3), (2, 90)):
        at = NOW - timedelta(days=days)
        batch.ledger.append(
            LedgerRow(
                guild, 10, 1, "mention", f"m{days}", epoch_us(at), at.date().isoformat(), 11, 0
            )
        )
    await repos.tracking.write_batch(batch)
    assert await repos.history.oldest_counted(1) == NOW - timedelta(days=40)
    assert await repos.history.oldest_counted(2) == NOW - timedelta(days=90)
