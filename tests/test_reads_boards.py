"""Period boards (SPEC §7): weekly from Monday 00:00, monthly from the 1st 00:00 local; ties
share a rank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.interactions import MessageRecord
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import EPOCH, svc

G = 1


async def test_monthly_and_weekly_boards_and_ties(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    pipeline = TrackingPipeline(db)
    try:
        services = svc(pipeline)
        await services.settings.change_settings(G, {"timezone": "Europe/Amsterdam"}, None, EPOCH)
        # Wed 29 April (last month), Fri 1 May and Mon 4 May, local
        days = [
            datetime(2026, 4, 29, 10, tzinfo=UTC),
            datetime(2026, 5, 1, 10, tzinfo=UTC),
            datetime(2026, 5, 4, 10, tzinfo=UTC),
        ]
        mid = 1
        for at in days:
            for author, target in ((10, 11), (12, 13)):  # two mentions: 1 point each
                await pipeline.submit(
                    MessageRecord(
                        G, 5, mid, at, author, f"hello there {mid} <@{target}>", None, (target,)
                    )
                )
                mid += 1
        await pipeline.flush()
        reads = services.challenges.reads
        now = datetime(2026, 5, 4, 12, tzinfo=UTC)
        monthly = await reads.board(G, "monthly", 0, now)
        assert monthly.title == "This month (since 2026-05-01)"
        assert [(e.rank, e.users, e.value) for e in monthly.entries] == [
            (1, (10,), 2),
            (1, (12,), 2),  # a tie shares the rank
        ]
        weekly = await reads.board(G, "weekly", 0, now)
        assert weekly.title == "This week (since 2026-05-04)"
        assert [(e.rank, e.value) for e in weekly.entries] == [(1, 1), (1, 1)]
        assert await reads.rank_of(G, "monthly", 12, now) == (1, 2)
        assert await reads.rank_of(G, "weekly", 13, now) is None
        # the month before is not part of this month's board
        late = now + timedelta(days=30)
        assert (await reads.board(G, "monthly", 0, late)).entries == []
    finally:
        await pipeline.close()
        await db.close()
