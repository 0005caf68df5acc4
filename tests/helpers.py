"""Shared test helpers: the services of a pipeline, built once per pipeline; the environment
of a real bot process pointed at a sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from weakref import WeakKeyDictionary

from bot.reads import Reads
from bot.sandbox import Sandbox
from bot.services import Services
from bot.tracking.pipeline import TrackingPipeline

ROOT = Path(__file__).resolve().parent.parent


def run_bot_cli(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` in a child with exactly `env` (plus this checkout on PYTHONPATH),
    its output captured; for start-up errors that end it within a minute."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), **env},
        timeout=60,
        check=False,
    )


def sandbox_env(sandbox: Sandbox, **settings: object) -> dict[str, str]:
    """The environment of `python -m bot run` against `sandbox` (its token, API, gateway and
    guild), nothing else inherited but PATH; `settings` add to it (`database_path=…` sets
    DATABASE_PATH)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": sandbox.token,
        "DISCORD_API_BASE": sandbox.api_base,
        "DISCORD_GATEWAY_URL": sandbox.gateway_url,
        "DEV_GUILD_ID": str(sandbox.control.guild.id),
        **{name.upper(): str(value) for name, value in settings.items()},
    }


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_services: WeakKeyDictionary[TrackingPipeline, Services] = WeakKeyDictionary()


def svc(pipeline: TrackingPipeline) -> Services:
    """The services (and read models) wired to `pipeline`, as the bot wires them."""
    found = _services.get(pipeline)
    if found is None:
        found = Services.create(pipeline, Reads(pipeline))
        _services[pipeline] = found
    return found
