from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
"""The spec's worked examples (SPEC §9), copied into the repository so a clone tests alone."""


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES_DIR
