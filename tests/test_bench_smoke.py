"""Every benchmark still runs end to end on tiny inputs and prints its machine-readable last
line (the figures themselves are for bench/, not for tests)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BENCHES = {
    "ingest": (
        ["--interactions", "2000", "--members", "50", "--naive-sample", "50"],
        r"^ingest interactions_per_s=\d+ vs_naive=[\d.]+ vs_raw_ceiling=[\d.]+ "
        r"rows_per_interaction=[\d.]+ peak_rss_mb=\d+$",
    ),
    "commands": (
        ["--members", "300", "--pairs", "600", "--samples", "5"],
        r"^commands p50_ms=[\d.]+ p99_ms=[\d.]+ worst=\S+$",
    ),
    "reminders": (
        ["--members", "300", "--pairs", "600", "--guilds", "20"],
        r"^reminders at_risk_ms=\d+ slot_10k_guilds_ms=\d+ max_loop_stall_ms=\d+$",
    ),
    "authenticity": (
        ["--members", "60", "--big-members", "500", "--big-interactions", "2000"],
        r"^authenticity recall_24h=[\d.]+ fp_rate=[\d.]+ ring_over_honest=[\d.]+ pass_ms=\d+$",
    ),
    "scale": (
        ["--guilds", "5,10", "--members", "10", "--per-day", "16", "--days", "1", "--big", "200"],
        r"^scale rss_mb_10k_guilds=\d+ rss_ratio_10k_vs_100=[\d.]+ ingest_ratio_10k_vs_100=[\d.]+ "
        r"first_event_ms_100k=\d+ max_loop_stall_ms=\d+$",
    ),
    "render": (
        ["--cards", "20", "--baseline", "5"],
        r"^render p50_ms=[\d.]+ p95_ms=[\d.]+ max_loop_stall_ms=[\d.]+ png_kb=[\d.]+$",
    ),
}


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_benchmark_prints_its_last_line(name: str) -> None:
    args, pattern = BENCHES[name]
    result = subprocess.run(  # noqa: S603 - our own benchmark, fixed arguments
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    assert re.match(pattern, last), last
