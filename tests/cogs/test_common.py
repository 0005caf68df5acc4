"""Small UI helpers: nothing a member's data holds can break them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cogs._common import sparkline


def test_negative_days_are_drawn_empty() -> None:
    assert sparkline([0, -5, 3, -1_000_000, 6]) == "▁▁▅▁█"
    assert sparkline([-3, -1]) == "▁▁"
    assert sparkline([]) == ""


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=30))
def test_sparkline_never_raises_and_keeps_its_length(counts: list[int]) -> None:
    line = sparkline(counts)
    assert len(line) == len(counts)
    assert set(line) <= set("▁▂▃▄▅▆▇█")
