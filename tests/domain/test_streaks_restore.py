"""Restoring a broken streak joins the runs either side of the missed days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.streaks import evaluate_streak, plan_restore, run_days, view_at

D0 = date(2026, 6, 1)


def days(*offsets: int) -> list[date]:
    return [D0 + timedelta(days=o) for o in offsets]


def test_never_qualified_is_none() -> None:
    assert plan_restore([], D0, 2) is None


def test_running_streak_has_nothing_to_restore() -> None:
    plan = plan_restore(days(0, 1, 2), D0 + timedelta(days=3), 2)
    assert plan is not None and plan.missed == [] and plan.before == 3


def test_a_streak_that_is_over_fills_up_to_yesterday() -> None:
    today = D0 + timedelta(days=6)
    plan = plan_restore(days(0, 1, 2), today, 0)
    assert plan is not None
    assert plan.missed == days(3, 4, 5)
    assert plan.before == 0 and plan.length == 6 and plan.paid_up_to == 3
    assert evaluate_streak(days(0, 1, 2) + plan.missed, today, 0).current == 6


def test_the_usual_case_a_missed_day_then_they_kept_talking() -> None:
    # 5 days, one missed (no freezes yet), 4 more days: today they are on a 4-day run
    qualified = days(0, 1, 2, 3, 4, 6, 7, 8, 9)
    today = D0 + timedelta(days=10)
    assert evaluate_streak(qualified, today, 0).current == 4
    plan = plan_restore(qualified, today, 0)
    assert plan is not None
    assert plan.missed == days(5)
    assert plan.before == 4
    assert plan.run_start == D0 and plan.length == 10
    assert plan.paid_up_to == 5  # the milestones of the two runs (up to 5 days) were paid
    assert evaluate_streak(qualified + plan.missed, today, 0).current == 10


def test_only_the_latest_break_is_restored() -> None:
    qualified = days(0, 1, 3, 4, 6, 7)
    plan = plan_restore(qualified, D0 + timedelta(days=8), 0)
    assert plan is not None and plan.missed == days(5)
    assert plan.run_start == D0 + timedelta(days=3) and plan.length == 5


@given(
    st.sets(st.integers(0, 60), min_size=1, max_size=40),
    st.integers(0, 10),
    st.integers(0, 4),
)
def test_after_a_restore_the_joined_run_is_alive_and_longer(
    offsets: set[int], after: int, max_freezes: int
) -> None:
    qualified = days(*offsets)
    today = max(qualified) + timedelta(days=1 + after)
    plan = plan_restore(qualified, today, max_freezes)
    assert plan is not None
    run = run_days(qualified + plan.missed, max_freezes)
    view = view_at(run, today)
    if plan.missed:
        assert view.alive and view.current == plan.length >= plan.before
        assert plan.length > plan.paid_up_to  # the joined run is longer than any it joins
        assert all(d < today for d in plan.missed)
        assert not set(plan.missed) & set(qualified)
    else:
        assert view_at(run_days(qualified, max_freezes), today).alive
