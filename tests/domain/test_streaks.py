from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.streaks import StreakRun, evaluate_streak, local_day, run_days, view_at

D0 = date(2026, 3, 1)


def days(*offsets: int) -> list[date]:
    return [D0 + timedelta(days=o) for o in offsets]


def reference(qualifying: list[date], today: date, max_freezes: int) -> tuple[int, int, int, bool]:
    """The spec's algorithm, verbatim, as an independent check."""
    current = best = freezes = 0
    last = None
    for q in sorted(set(qualifying)):
        if last is None or current == 0:
            current = 1
        else:
            gap = (q - last).days - 1
            if gap == 0:
                current += 1
            elif gap <= freezes:
                freezes -= gap
                current += 1
            else:
                current = 1
                freezes = 0
        last = q
        best = max(best, current)
        if current % 7 == 0 and freezes < max_freezes:
            freezes += 1
    if last is None:
        return 0, best, 0, False
    gap = (today - last).days - 1
    alive = gap <= freezes
    return (
        current if alive else 0,
        best,
        freezes - max(gap, 0) if alive else 0,
        alive and last < today,
    )


def test_consecutive_days_grow_the_streak() -> None:
    view = evaluate_streak(days(0, 1, 2), D0 + timedelta(days=2), 2)
    assert (view.current, view.best, view.freezes, view.at_risk) == (3, 3, 0, False)


def test_next_day_is_at_risk_and_day_after_breaks_without_freeze() -> None:
    qual = days(0, 1, 2)
    assert evaluate_streak(qual, D0 + timedelta(days=3), 2).at_risk
    broken = evaluate_streak(qual, D0 + timedelta(days=4), 2)
    assert (broken.current, broken.best, broken.at_risk) == (0, 3, False)


def test_seven_days_earn_a_freeze_that_covers_one_missed_day() -> None:
    qual = days(*range(7), 8)
    view = evaluate_streak(qual, D0 + timedelta(days=9), 2)
    assert (view.current, view.best, view.freezes, view.at_risk) == (8, 8, 0, True)


def test_freezes_never_exceed_max() -> None:
    run = run_days(days(*range(70)), 2)
    assert run.freezes == 2
    assert run_days(days(*range(70)), 0).freezes == 0


def test_freeze_left_at_day_d_after_covering_missed_days() -> None:
    run = run_days(days(*range(14)), 2)  # two freezes
    assert view_at(run, D0 + timedelta(days=15)).freezes == 1  # one missed day covered
    assert view_at(run, D0 + timedelta(days=16)).freezes == 0
    assert view_at(run, D0 + timedelta(days=17)).current == 0


def test_gap_larger_than_freezes_restarts_run() -> None:
    run = StreakRun()
    for d in days(0, 1, 2, 5):
        run.add_day(d, 2)
    assert (run.current, run.best, run.run_start) == (1, 3, D0 + timedelta(days=5))


def test_no_days() -> None:
    view = evaluate_streak([], D0, 2)
    assert (view.current, view.best, view.last_day, view.at_risk) == (0, 0, None, False)


def test_local_day_across_dst_amsterdam() -> None:
    ams = ZoneInfo("Europe/Amsterdam")
    # 29 March 2026: clocks go 02:00 → 03:00; 22:30Z is 00:30 next day in summer time
    assert local_day(datetime(2026, 3, 29, 22, 30, tzinfo=ZoneInfo("UTC")), ams) == date(
        2026, 3, 30
    )
    assert local_day(datetime(2026, 3, 28, 22, 30, tzinfo=ZoneInfo("UTC")), ams) == date(
        2026, 3, 28
    )


def test_local_day_across_dst_new_york() -> None:
    ny = ZoneInfo("America/New_York")
    # 1 November 2026: clocks go back at 06:00Z; 04:30Z is still 31 Oct (EDT, UTC-4)
    assert local_day(datetime(2026, 11, 1, 3, 30, tzinfo=ZoneInfo("UTC")), ny) == date(2026, 10, 31)
    assert local_day(datetime(2026, 11, 2, 4, 30, tzinfo=ZoneInfo("UTC")), ny) == date(2026, 11, 1)


day_sets = st.lists(st.integers(min_value=0, max_value=120), max_size=60)


@given(day_sets, st.integers(min_value=0, max_value=130), st.integers(min_value=0, max_value=4))
def test_matches_reference_algorithm(offsets: list[int], today: int, max_freezes: int) -> None:
    qual = days(*offsets)
    d = D0 + timedelta(days=today)
    view = evaluate_streak(qual, d, max_freezes)
    assert (view.current, view.best, view.freezes, view.at_risk) == reference(qual, d, max_freezes)


@given(day_sets, st.integers(min_value=0, max_value=130), st.integers(min_value=0, max_value=4))
def test_best_at_least_current_and_freezes_bounded(
    offsets: list[int], today: int, max_freezes: int
) -> None:
    view = evaluate_streak(days(*offsets), D0 + timedelta(days=today), max_freezes)
    assert view.best >= view.current >= 0
    assert 0 <= view.freezes <= max_freezes


@given(day_sets, st.integers(min_value=0, max_value=4), st.randoms())
def test_order_and_repeats_do_not_matter(offsets: list[int], max_freezes: int, rnd) -> None:
    qual = days(*offsets)
    shuffled = qual + qual[: len(qual) // 2]
    rnd.shuffle(shuffled)
    today = D0 + timedelta(days=125)
    assert evaluate_streak(qual, today, max_freezes) == evaluate_streak(
        shuffled, today, max_freezes
    )


@given(day_sets, st.integers(min_value=0, max_value=4))
def test_incremental_run_equals_batch(offsets: list[int], max_freezes: int) -> None:
    run = StreakRun()
    for d in sorted(set(days(*offsets))):
        run.add_day(d, max_freezes)
    assert run == run_days(days(*offsets), max_freezes)
