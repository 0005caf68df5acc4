"""Run the project's engine through its public CLI (`python -m bot replay`) in a subprocess,
and a small command-line helper to diff the engine against the oracle model:

    .venv/bin/python -m tests.oracle.engine FILE.jsonl NOW
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def dump_lines(events: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(ev, ensure_ascii=False) + "\n" for ev in events)


def run_engine_file(path: str | Path, now: str) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", "replay", str(path), "--now", now],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def run_engine(events: list[dict[str, Any]], now: str) -> tuple[int, Any, str]:
    with tempfile.TemporaryDirectory(prefix="kindling-oracle-") as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_text(dump_lines(events), encoding="utf-8")
        code, out, err = run_engine_file(path, now)
    parsed = json.loads(out) if code == 0 and out.strip() else None
    return code, parsed, err


def _main(argv: list[str]) -> int:
    from tests.oracle.model import replay_lines

    file, now = argv[0], argv[1]
    lines = Path(file).read_text(encoding="utf-8").splitlines()
    code, out, err = run_engine_file(file, now)
    engine = json.loads(out) if code == 0 else None
    model = replay_lines(lines, now)
    shown = json.dumps(engine, sort_keys=True, ensure_ascii=False) if engine else err
    sys.stdout.write(f"engine: {shown}\n")
    sys.stdout.write(f"model:  {json.dumps(model, sort_keys=True, ensure_ascii=False)}\n")
    sys.stdout.write("EQUAL\n" if engine == model else "DIFFERENT\n")
    return 0 if engine == model else 1


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
