"""Run the project's engine on a replay stream, and a small command-line helper to diff the
engine against the oracle model:

    .venv/bin/python -m tests.oracle.engine FILE.jsonl NOW

The engine runs in this process through ``bot.__main__.replay_command``, the body of
``python -m bot replay FILE --now NOW`` (parse --now, ``run_replay`` on a fresh temporary
database, the JSON exactly as printed), so stdout is byte for byte what the CLI prints without
paying for a Python start-up per case. tests/test_replay_cli.py keeps real subprocess runs.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.__main__ import replay_command


def dump_lines(events: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(ev, ensure_ascii=False) + "\n" for ev in events)


def run_engine_file(
    path: str | Path, now: str, db: str | Path | None = None
) -> tuple[int, str, str]:
    """(exit code, stdout, error message) of ``python -m bot replay PATH --now NOW [--db DB]``."""
    return replay_command(Path(path), now, None if db is None else str(db))


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
