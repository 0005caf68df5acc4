"""A kill -9 between a badge's award and its delivery loses neither its role nor its
announcement (#12 item 3): both are owed in the database and delivered after the restart."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from bot.sandbox import Sandbox
from tests.helpers import sandbox_env


def bot_env(sandbox: Sandbox, db_path: Path, announce_seconds: str) -> dict[str, str]:
    return sandbox_env(
        sandbox,
        database_path=db_path,
        flush_interval_seconds=0.1,
        badge_announce_seconds=announce_seconds,
        backup_keep=0,
    )


async def start(sandbox: Sandbox, db_path: Path, announce: str) -> asyncio.subprocess.Process:
    log = db_path.parent / f"bot-{announce}.log"  # a file, never a pipe that can fill up
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=db_path.parent,
            env=bot_env(sandbox, db_path, announce),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=out,
        )


async def answer(sandbox: Sandbox, who: Any, command: str, options: dict[str, Any]) -> None:
    ctl = sandbox.control
    response = await ctl.wait_for_response(await ctl.invoke(who, command, options), timeout=20)
    if response.type == 5:
        await ctl.wait_for_reply(response.interaction_id, timeout=20)  # type: ignore[attr-defined]


async def test_a_badge_awarded_just_before_a_crash_is_delivered_after_it(tmp_path: Path) -> None:
    sandbox = Sandbox()
    await sandbox.start()
    db_path = tmp_path / "kindling.db"
    ctl = sandbox.control
    proc = await start(sandbox, db_path, "60")  # announcements wait a minute: crash first
    try:
        await ctl.wait_for_commands(ctl.guild.id, names=("mod",), timeout=30)
        alice = await ctl.add_member("alice")
        stars = await ctl.add_role("Stars", position=1)
        owner = ctl.owner
        await answer(sandbox, owner, "settings channels", {"announcements": "#general"})
        await answer(sandbox, owner, "badge link-role", {"badge": "rep-100", "role": stars})
        await answer(
            sandbox, owner, "mod adjust-rep", {"member": alice, "amount": 150, "reason": "x"}
        )
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        assert not ctl.role_changes(alice)  # the crash came before the delivery
        proc = await start(sandbox, db_path, "0")
        change = await ctl.wait_for_role_change(alice, stars, added=True, timeout=30)
        assert change.added
        post = await ctl.wait_for_message(
            "general",
            predicate=lambda m: any("New badges" in (e.get("title") or "") for e in m.embeds),
            timeout=30,
        )
        assert f"<@{alice.id}>" in (post.embeds[0].get("description") or "")
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=30)
        stderr = (db_path.parent / "bot-0.log").read_text(errors="replace")
        assert code == 0, stderr[-2000:]
        assert "Traceback" not in stderr, stderr[-3000:]
        # delivered once: a third start announces nothing more
        proc = await start(sandbox, db_path, "0")
        await ctl.wait_for_commands(ctl.guild.id, names=("mod",), timeout=30)
        await asyncio.sleep(1.0)
        posts = [
            m
            for m in ctl.messages("general")
            if m.author_id == ctl.bot.id
            and any("New badges" in (e.get("title") or "") for e in m.embeds)
        ]
        assert len(posts) == 1, [(m.id, m.embeds) for m in posts]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await sandbox.stop()
