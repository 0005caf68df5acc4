from datetime import UTC, datetime, timedelta

from bot.domain.points import (
    cooldown_passes,
    earner_of,
    is_duplicate,
    is_new_member,
    multiply,
    truncate_to_caps,
)

T = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def test_earner_of() -> None:
    assert earner_of("reply", 1, 2) == (1, 2)
    assert earner_of("mention", 1, 2) == (1, 2)
    assert earner_of("reaction", 1, 2) == (2, 1)
    assert earner_of("kudos", 1, 2) == (2, 1)


def test_new_member() -> None:
    assert not is_new_member(T, T, 0)
    assert is_new_member(T, T + timedelta(days=2, hours=23), 3)
    assert not is_new_member(T, T + timedelta(days=3), 3)
    assert not is_new_member(None, T, 3)


def test_cooldown_boundary_is_inclusive() -> None:
    assert cooldown_passes(None, T, 60)
    assert not cooldown_passes(T, T + timedelta(seconds=59), 60)
    assert cooldown_passes(T, T + timedelta(seconds=60), 60)


def test_duplicate_window_is_600_seconds_inclusive() -> None:
    earlier = [(T, "looks good")]
    assert is_duplicate("looks good", T + timedelta(seconds=600), earlier)
    assert not is_duplicate("looks good", T + timedelta(seconds=601), earlier)
    assert not is_duplicate("looks fine", T + timedelta(seconds=5), earlier)
    assert is_duplicate("looks good", T, earlier)


def test_multiply_rounds_down_exactly() -> None:
    assert multiply(3, 1.5) == 4
    assert multiply(100, 1.15) == 115  # float maths would give 114
    assert multiply(7, 1.0) == 7
    assert multiply(5, 2.0) == 10


def test_truncate_to_caps() -> None:
    assert truncate_to_caps(10, 25, 30, 0, 200) == 5
    assert truncate_to_caps(10, 0, 30, 195, 200) == 5
    assert truncate_to_caps(10, 40, 30, 0, 200) == 0
    assert truncate_to_caps(10, 0, 30, 0, 200) == 10
