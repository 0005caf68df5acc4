"""history_days (SPEC §8): a guild setting from 0 (no import) to 365 days."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidSetting
from bot.domain.guild_config import MAX_HISTORY_DAYS, GuildConfig


def test_default_is_30_days() -> None:
    assert GuildConfig().history_days == 30
    assert GuildConfig.from_dict({}).history_days == 30


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_whole_days_from_0_to_365_and_nothing_else(days: int) -> None:
    if 0 <= days <= MAX_HISTORY_DAYS:
        assert GuildConfig().changed(history_days=days).history_days == days
    else:
        with pytest.raises(InvalidSetting, match="0 \\(no import\\) to 365"):
            GuildConfig().changed(history_days=days)


@given(st.one_of(st.text(), st.floats(), st.booleans(), st.none(), st.lists(st.integers())))
def test_anything_but_a_whole_number_is_refused_clearly(value: Any) -> None:
    with pytest.raises(InvalidSetting) as info:
        GuildConfig().changed(history_days=value)
    assert str(info.value) == "history_days: a whole number of days from 0 (no import) to 365"
