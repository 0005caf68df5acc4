"""The old values a settings change replaced, for the audit log's `before → after`."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.changes import previous_values, with_before
from bot.domain.guild_config import GuildConfig
from bot.domain.guild_settings import GuildSettings


def test_flat_and_nested_settings() -> None:
    old = GuildSettings().to_json_dict()
    changes = {"timezone": "Europe/Amsterdam", "points": {"reply": 5, "milestones": {3: 20}}}
    assert previous_values(old, changes) == {
        "timezone": "UTC",
        "points": {"reply": 3, "milestones": {"3": 10}},
    }
    config = GuildConfig().model_dump()
    assert previous_values(config, {"reminder_hour": 20, "channel_allow": [5]}) == {
        "reminder_hour": 18,
        "channel_allow": None,
    }
    assert with_before({"reminder_hour": 20}, config) == {
        "reminder_hour": 20,
        "before": {"reminder_hour": 18},
    }
    assert previous_values({}, {"unknown": 1}) == {"unknown": None}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10,
)


@given(
    st.dictionaries(st.text(max_size=5), JSON, max_size=5),
    st.dictionaries(st.text(max_size=5), JSON, max_size=5),
)
def test_the_shape_follows_the_changes(old: dict[str, Any], changes: dict[str, Any]) -> None:
    before = previous_values(old, changes)
    assert set(before) == set(changes)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(old.get(key), dict):
            assert set(before[key]) == set(value)
        else:
            assert before[key] == old.get(key)
