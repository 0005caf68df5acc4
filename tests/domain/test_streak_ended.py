"""When an ended streak ended and how long it was (what /streak and the export say)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.streaks import run_days, view_at

D0 = date(2026, 3, 1)


def test_ended_the_day_after_its_last_covered_day() -> None:
    run = run_days([D0 + timedelta(days=i) for i in range(12)], max_freezes=2)  # 12 days, 1 ❄️
    last = D0 + timedelta(days=11)
    assert view_at(run, last + timedelta(days=2)).alive  # one missed day, frozen
    ended = view_at(run, last + timedelta(days=3))
    assert not ended.alive and ended.current == 0
    assert ended.ended_on == last + timedelta(days=3) and ended.length == 12


def test_running_streak_has_no_end() -> None:
    view = view_at(run_days([D0, D0 + timedelta(days=1)], 2), D0 + timedelta(days=2))
    assert view.alive and view.ended_on is None and view.length == 2


@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=40),
    st.integers(0, 90),
    st.integers(0, 3),
)
def test_the_day_before_the_end_it_was_alive_with_that_length(
    offsets: list[int], today_offset: int, max_freezes: int
) -> None:
    run = run_days([D0 + timedelta(days=o) for o in offsets], max_freezes)
    assert run.last is not None
    today = max(run.last, D0 + timedelta(days=today_offset))
    view = view_at(run, today)
    if view.alive:
        assert view.ended_on is None and view.length == view.current
        return
    assert view.ended_on is not None and view.ended_on <= today
    before = view_at(run, view.ended_on - timedelta(days=1))
    assert before.alive and before.current == view.length
    assert not view_at(run, view.ended_on).alive
