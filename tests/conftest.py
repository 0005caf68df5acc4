from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_examples_dir() -> Path:
    """The spec's worked examples live beside the repository in ../shared/examples."""
    candidates = [
        os.environ.get("KINDLING_SHARED_EXAMPLES"),
        str(ROOT.parent / "shared" / "examples"),
        "/work/shared/examples",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise RuntimeError("cannot find ../shared/examples; set KINDLING_SHARED_EXAMPLES to its path")


@pytest.fixture
def examples_dir() -> Path:
    return shared_examples_dir()
