"""The whole pipeline and `replay` on PostgreSQL (#13 item 2): the output is byte for byte
the same as on SQLite for the spec's worked examples, our golden files, the oracle's edge
cases and a sample of the oracle's generated streams; `--db postgresql://…` on the real
command line applies events to the server, and applying them again changes nothing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import ROOT
from tests.oracle.edge_cases import EDGE_CASES
from tests.oracle.engine import dump_lines, run_engine_file
from tests.oracle.test_against_model import streams
from tests.postgres import PostgresServer
from tests.test_replay_cli import GOLDEN, cases, expected_of, now_of

EXAMPLES = Path(__file__).parent / "examples"


def on_both(server: PostgresServer, path: Path, now: str) -> tuple[str, str]:
    """stdout of the replay on a fresh SQLite file and on a fresh PostgreSQL database."""
    code, sqlite_out, err = run_engine_file(path, now)
    assert code == 0, err
    url = asyncio.run(server.new_database(migrated=False))
    try:
        code, pg_out, err = run_engine_file(path, now, url)
    finally:
        asyncio.run(server.drop_database(url))
    assert code == 0, err
    return sqlite_out, pg_out


def all_files() -> list[Path]:
    return cases(EXAMPLES) + cases(GOLDEN)


@pytest.mark.parametrize("case", all_files(), ids=lambda p: p.stem)
def test_examples_and_golden_files_are_identical_on_postgres(
    postgres_server: PostgresServer, case: Path
) -> None:
    sqlite_out, pg_out = on_both(postgres_server, case, now_of(case))
    assert pg_out == sqlite_out
    assert json.loads(pg_out) == expected_of(case)


def write_stream(folder: Path, events: list[dict[str, Any]]) -> Path:
    path = folder / "events.jsonl"
    path.write_text(dump_lines(events), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_oracle_edge_cases_are_identical_on_postgres(
    postgres_server: PostgresServer, name: str, tmp_path: Path
) -> None:
    events, now = EDGE_CASES[name]
    sqlite_out, pg_out = on_both(postgres_server, write_stream(tmp_path, events), now)
    assert pg_out == sqlite_out


@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(stream=streams())
def test_oracle_streams_are_identical_on_postgres(
    postgres_server: PostgresServer, stream: tuple[list[dict[str, Any]], str]
) -> None:
    events, now = stream
    with tempfile.TemporaryDirectory(prefix="kindling-pg-replay-") as tmp:
        sqlite_out, pg_out = on_both(postgres_server, write_stream(Path(tmp), events), now)
    assert pg_out == sqlite_out, f"--now {now}\n{dump_lines(events)}"


def test_replay_cli_applies_to_postgres_once(postgres_server: PostgresServer) -> None:
    """The real command line: `--db postgresql://…` seeds the server; the same file again
    changes nothing; a server that is not there is one line and exit code 2."""
    case = cases(EXAMPLES)[0]
    url = asyncio.run(postgres_server.new_database(migrated=False))
    try:
        cmd = [sys.executable, "-m", "bot", "replay", str(case), "--now", now_of(case)]
        first = subprocess.run(  # noqa: S603
            [*cmd, "--db", url], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
        )
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout) == expected_of(case)
        again = subprocess.run(  # noqa: S603
            [*cmd, "--db", url], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
        )
        assert again.returncode == 0, again.stderr
        assert again.stdout == first.stdout
    finally:
        asyncio.run(postgres_server.drop_database(url))
    gone = "postgresql://postgres:secret@127.0.0.1:1/nothing"
    code, out, err = run_engine_file(case, now_of(case), gone)
    assert (code, out) == (2, "")
    assert err.startswith("DATABASE_URL 'postgresql://postgres:***@127.0.0.1:1/nothing'")
    assert "secret" not in err and "\n" not in err


def test_text_with_nul_is_stored_on_postgres_too(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """PostgreSQL text cannot hold NUL (SQLite's can): message text is kept with U+FFFD in
    its place on both backends, so no row is set aside and a reply to it still counts after
    a restart."""
    import asyncpg

    case = cases(EXAMPLES)[0]
    lines = case.read_text(encoding="utf-8").replace("yes, let", "yes\\u0000 let")
    assert "\\u0000" in lines
    events = tmp_path / "nul.jsonl"
    events.write_text(lines, encoding="utf-8")
    code, sqlite_out, err = run_engine_file(events, now_of(case))
    assert code == 0, err
    url = asyncio.run(postgres_server.new_database())

    async def stored() -> tuple[int, int, int]:
        conn = await asyncpg.connect(url)
        try:
            return (
                int(await conn.fetchval("SELECT COUNT(*) FROM quarantine")),
                int(await conn.fetchval("SELECT COUNT(*) FROM messages")),
                int(await conn.fetchval("SELECT COUNT(*) FROM messages WHERE norm LIKE '%�%'")),
            )
        finally:
            await conn.close()

    try:
        code, pg_out, err = run_engine_file(events, now_of(case), url)
        assert code == 0, err
        assert pg_out == sqlite_out
        quarantined, messages, replaced = asyncio.run(stored())
        assert quarantined == 0
        assert messages == sum(1 for line in lines.splitlines() if '"message"' in line)
        assert replaced > 0
    finally:
        asyncio.run(postgres_server.drop_database(url))
