"""After /privacy optout a member's new messages leave nothing behind (#12 item 8): no
stored text, no interaction, yet replies to them still count for nobody and the channel's
backfill cursor still moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.interactions import MessageRecord
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import svc

G = 1
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def msg(
    mid: int,
    author: int,
    text: str,
    at: datetime,
    reply_to: int | None = None,
    mentions: tuple[int, ...] = (),
) -> MessageRecord:
    return MessageRecord(G, 5, mid, at, author, text, reply_to, mentions, advance_cursor=True)


async def count(pipeline: TrackingPipeline, sql: str, *args: object) -> int:
    row = await pipeline.repos.db.fetchone(sql, args)  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


async def test_new_messages_of_an_opted_out_member_are_not_stored(
    pipeline: TrackingPipeline,
) -> None:
    await pipeline.submit(msg(1, 10, "hello there <@11>", T0, mentions=(11,)))
    await pipeline.flush()
    await svc(pipeline).privacy.opt_out(G, 10, T0)
    later = T0 + timedelta(hours=1)
    await pipeline.submit(msg(2, 10, "my secret plans, <@11>", later, mentions=(11,)))
    await pipeline.submit(msg(3, 11, "replying to the opted-out one", later, reply_to=2))
    await pipeline.flush()
    # the old message's text was erased by the opt-out; the new one is not stored at all
    assert await count(pipeline, "SELECT COUNT(*) FROM messages WHERE message_id = 2") == 0
    assert (
        await count(pipeline, "SELECT COUNT(*) FROM messages WHERE norm != '' AND author_id = 10")
        == 0
    )
    assert await count(pipeline, "SELECT COUNT(*) FROM messages WHERE norm LIKE '%secret%'") == 0
    assert (
        await count(
            pipeline,
            "SELECT COUNT(*) FROM interactions WHERE actor_id = 10 OR target_id = 10",
        )
        == 0
    )
    assert await count(pipeline, "SELECT COUNT(*) FROM ledger WHERE user_id = 10") == 0
    # the channel's backfill cursor moved past the skipped message
    assert (await pipeline.cursors(G))[5] == 3
    # opting back in: new messages count again
    await svc(pipeline).privacy.opt_in(G, 10)
    await pipeline.submit(
        msg(4, 10, "back again <@11>", later + timedelta(hours=1), mentions=(11,))
    )
    await pipeline.flush()
    assert await count(pipeline, "SELECT COUNT(*) FROM messages WHERE message_id = 4") == 1
