from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import calendar_start, member_calendar, replay_pair
from bot.domain.streaks import evaluate_streak

D0 = date(2026, 3, 2)  # a Monday


def days(*offsets: int) -> list[date]:
    return [D0 + timedelta(days=o) for o in offsets]


def test_calendar_starts_on_the_monday_eleven_weeks_before_todays_week() -> None:
    today = date(2026, 6, 10)  # a Wednesday
    first = calendar_start(today)
    assert first.weekday() == 0
    assert first == date(2026, 3, 23)
    assert (today - first).days == 7 * 11 + 2


def test_a_gap_bridged_by_a_freeze_is_covered_and_a_broken_one_is_not() -> None:
    # 7 days running earn a freeze; one missed day (offset 7) is covered, the run goes on
    qualifying = days(*range(7), 8, 9)
    out = replay_pair(qualifying, D0 + timedelta(days=9), max_freezes=2)
    assert out.covered == {D0 + timedelta(days=7)}
    assert min(out.run) == D0 and max(out.run) == D0 + timedelta(days=9)
    # no freeze earned yet: a missed day breaks the run, nothing covered
    broken = replay_pair(days(0, 1, 3), D0 + timedelta(days=3), max_freezes=2)
    assert broken.covered == frozenset()
    assert broken.run == {D0 + timedelta(days=3)}


def test_yesterday_missed_is_covered_while_the_streak_is_alive_today() -> None:
    qualifying = days(*range(7))  # 7 days: one freeze
    today = D0 + timedelta(days=8)  # day 7 missed, today not yet talked
    out = replay_pair(qualifying, today, max_freezes=2)
    assert out.covered == {D0 + timedelta(days=7)}
    assert D0 + timedelta(days=7) in out.run and today not in out.run
    # two missed days with one freeze: over, nothing of it running
    over = replay_pair(qualifying, D0 + timedelta(days=9), max_freezes=2)
    assert over.run == frozenset()


def test_member_calendar_counts_pairs_per_day_and_marks_freezes_only_on_empty_days() -> None:
    today = D0 + timedelta(days=9)
    cal = member_calendar(
        {(1, 2): days(*range(7), 8, 9), (1, 3): days(7, 9)}, today, max_freezes=2, weeks=2
    )
    assert cal.first == D0 and len(cal.counts) == 14
    assert cal.counts[:10] == (1, 1, 1, 1, 1, 1, 1, 1, 1, 2)
    assert cal.counts[10:] == (0, 0, 0, 0)  # after today
    assert not any(cal.frozen)  # day 7 was bridged for (1, 2), but (1, 3) qualified on it
    lone = member_calendar({(1, 2): days(*range(7), 8, 9)}, today, max_freezes=2, weeks=2)
    assert lone.frozen[7] and lone.counts[7] == 0
    assert all(lone.run[:10]) and not any(lone.run[10:])


def test_no_days_is_an_empty_calendar() -> None:
    cal = member_calendar({}, date(2026, 6, 10), max_freezes=2)
    assert len(cal.counts) == 84 and not any(cal.counts) and not any(cal.frozen)


@given(
    st.sets(st.integers(min_value=0, max_value=120), max_size=80),
    st.integers(min_value=0, max_value=130),
    st.integers(min_value=0, max_value=4),
)
def test_replay_agrees_with_the_reference_streak(
    offsets: set[int], today_offset: int, max_freezes: int
) -> None:
    qualifying = days(*offsets)
    today = D0 + timedelta(days=today_offset)
    out = replay_pair(qualifying, today, max_freezes)
    seen = {d for d in qualifying if d <= today}
    assert not (out.covered & seen)  # a covered day is a missed day
    assert all(d < today for d in out.covered)
    view = evaluate_streak(seen, today, max_freezes)
    if view.alive:
        # the running streak's qualifying days are its current length
        assert len(out.run & seen) == view.current
    else:
        assert out.run == frozenset()
