from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# a real PostgreSQL server for the tests that need one (fixtures postgres_server, postgres_url)
pytest_plugins = ["tests.postgres"]

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
"""The spec's worked examples (SPEC §9), copied into the repository so a clone tests alone."""


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES_DIR


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chaos-kills",
        type=int,
        default=None,
        help="SIGKILLs in tests/e2e/test_chaos.py (default 10, or KINDLING_CHAOS_KILLS)",
    )
