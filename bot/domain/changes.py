"""What a change replaced: the old values of the names a settings change gives, so the audit
log can say `reminder hour 18:00 → 20:00`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def previous_values(old: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The values in `old` that `changes` replaces, in the shape of `changes` (nested sections
    such as `points` and `limits` recursed; a name `old` lacks maps to None)."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        current = old.get(key, old.get(str(key)))
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[str(key)] = previous_values(current, value)
        else:
            out[str(key)] = current
    return out


def with_before(changes: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """An audit row's details: the changes, and under `before` what they replaced."""
    return {**changes, "before": previous_values(old, changes)}
