"""Storage for image cards: a member's pair days from either side, the cards preference."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.engine import Batch, PairDayRow
from bot.domain.timeutil import epoch_us
from bot.storage.protocols import Repositories

G, H = 7, 8
T0 = epoch_us(datetime(2026, 6, 1, 12, tzinfo=UTC))


async def test_days_of_member_from_both_sides_of_each_pair(repos: Repositories) -> None:
    rows = [
        PairDayRow(G, 1, 5, "2026-06-02", T0),
        PairDayRow(G, 1, 5, "2026-06-01", T0),
        PairDayRow(G, 3, 5, "2026-06-01", T0),  # 5 is the higher id: the b side
        PairDayRow(G, 3, 4, "2026-06-01", T0),  # not 5's
        PairDayRow(H, 1, 5, "2026-06-03", T0),  # another guild
    ]
    await repos.tracking.write_batch(Batch(pair_days=rows))
    got = await repos.streaks.days_of_member(G, 5)
    assert got == {
        (1, 5): [date(2026, 6, 1), date(2026, 6, 2)],
        (3, 5): [date(2026, 6, 1)],
    }
    assert await repos.streaks.days_of_member(G, 9) == {}


async def test_cards_preference_defaults_to_image_and_is_kept(repos: Repositories) -> None:
    assert await repos.members.card_style(G, 1) == "image"
    await repos.members.set_preference(G, 1, "cards", "text")
    assert await repos.members.card_style(G, 1) == "text"
    assert await repos.members.card_style(H, 1) == "image"
    member = await repos.members.member(G, 1)  # the other preferences are untouched
    assert member.notify == "channel" and member.visibility == "public"
