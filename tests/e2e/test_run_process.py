"""`python -m bot run` as an operator starts it, pointed at the sandbox by environment
(SPEC §8): commands synced globally and to DEV_GUILD_ID, tracking works, SIGTERM exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.replay import state_json
from bot.sandbox import Sandbox
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from tests.helpers import run_bot_cli, sandbox_env


async def test_run_against_the_sandbox_and_stop_with_sigterm(tmp_path: Path) -> None:
    sandbox = Sandbox()
    await sandbox.start()
    db_path = tmp_path / "kindling.db"
    env = sandbox_env(sandbox, database_path=db_path, flush_interval_seconds=0.1)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ctl = sandbox.control
        await ctl.wait_for_commands("global", names=("streak", "leaderboard"), timeout=30)
        await ctl.wait_for_commands(ctl.guild.id, names=("streak",), timeout=30)
        alice = await ctl.add_member("alice")
        bob = await ctl.add_member("bob")
        first = await ctl.send_message(alice, f"can you review this <@{bob.id}>")
        await ctl.send_message(bob, "on it, looks good", reply_to=first)
        inter = await ctl.invoke(alice, "thanks", {"member": bob})
        try:
            response = await ctl.wait_for_response(inter, timeout=15)
        except TimeoutError:
            proc.kill()
            err = (await proc.stderr.read()).decode() if proc.stderr else ""
            raise AssertionError(err[-3000:]) from None
        assert not response.ephemeral
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=30)
        stderr = (await proc.stderr.read()).decode() if proc.stderr else ""
        assert code == 0, stderr[-2000:]
        assert "Traceback" not in stderr
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await sandbox.stop()
    db = await Database.open(db_path)
    try:
        state = await state_json(TrackingPipeline(db), [ctl.guild.id], ctl.world.now())
    finally:
        await db.close()
    reputation = {m["user"]: m["reputation"] for m in state["guilds"][0]["members"]}
    assert reputation == {alice.id: 1 + 5, bob.id: 3 + 5 + 10}
    assert state["guilds"][0]["pairs"][0]["current"] == 1


def test_no_route_to_discord_is_one_line(tmp_path: Path) -> None:
    """Discord unreachable at start (here: a closed port) is said in one line naming where,
    and the bot exits 1 without a traceback."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": "x",
        "DISCORD_API_BASE": "http://127.0.0.1:1/api/v10",
        "DATABASE_PATH": str(tmp_path / "k.db"),
    }
    result = run_bot_cli(tmp_path, env)
    assert result.returncode == 1, result.stderr
    assert "cannot reach Discord at http://127.0.0.1:1/api/v10" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
