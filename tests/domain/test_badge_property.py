"""Property: no badge is ever awarded twice, whatever the event stream."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.engine import Batch, GuildState
from bot.domain.interactions import KudosRecord, MessageRecord

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
users = st.integers(min_value=1, max_value=5)
events = st.lists(
    st.tuples(st.integers(min_value=0, max_value=60), users, users, st.booleans()),
    min_size=1,
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(events, st.integers(min_value=0, max_value=3))
def test_no_badge_twice(stream: list[tuple[int, int, int, bool]], max_freezes: int) -> None:
    state = GuildState(1)
    state.settings = state.settings.apply_changes(
        {"limits": {"max_freezes": max_freezes, "cooldown_seconds": 0}, "points": {"kudos": 40}}
    )
    batch = Batch()
    for i, (day, a, b, kudos) in enumerate(sorted(stream)):
        at = T0 + timedelta(days=day, seconds=i)
        if kudos:
            state.apply_kudos(batch, KudosRecord(1, a, b, at))
        else:
            state.apply_message(
                batch, MessageRecord(1, 5, i + 1, at, a, f"note {i} <@{b}>", None, (b,))
            )
    awarded = [(row[1], row[2]) for row in batch.badges]
    assert len(awarded) == len(set(awarded))
    for user, badge in awarded:
        assert badge in state.badges[user]
    assert all(b.startswith(("streak-", "rep-", "connector-")) for _, b in awarded)
