"""The oracle model must reproduce the spec's worked examples exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES_DIR
from tests.oracle.model import replay_lines

EXAMPLES = sorted(p.name[: -len(".jsonl")] for p in EXAMPLES_DIR.glob("*.jsonl"))


def test_all_four_examples_are_present() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("name", EXAMPLES)
def test_model_reproduces_worked_example(name: str) -> None:
    base = EXAMPLES_DIR / name
    lines = Path(f"{base}.jsonl").read_text(encoding="utf-8").splitlines()
    now = Path(f"{base}.now").read_text(encoding="utf-8").strip()
    expected = json.loads(Path(f"{base}.expected.json").read_text(encoding="utf-8"))
    assert replay_lines(lines, now) == expected
