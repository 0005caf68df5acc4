"""A full disk (#12 item 7): /thanks while writes fail says the kudos is queued, not stored
yet; once the disk has room again the next flush stores it, nothing lost."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from bot.storage.tracking import TrackingStore
from tests.e2e.conftest import Harness
from tests.e2e.test_commands_e2e import run, text_of


async def test_thanks_while_the_disk_is_full_is_queued(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    ctl = h.ctl
    ana = await ctl.add_member("ana")
    ben = await ctl.add_member("ben")
    await h.settle()
    real = TrackingStore.write_batch
    full = True

    async def disk_full(self: TrackingStore, *args: Any, **kwargs: Any) -> Any:
        if full:
            raise sqlite3.OperationalError("database or disk is full")
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(TrackingStore, "write_batch", disk_full)
    await ctl.send_message(ana, f"a first hello <@{ben.id}>")
    await h.sandbox.flush()
    await asyncio.sleep(0.1)  # the bot has applied it in memory
    assert h.bot is not None
    with pytest.raises(sqlite3.OperationalError):
        await h.bot.pipeline.flush()  # the write-behind batch cannot be stored
    reply = await run(h, ana, "thanks", {"member": ben, "reason": "unblocked me"})
    assert "+10 reputation" in (reply.content or "")
    assert "Queued" in text_of(reply)
    full = False  # room again
    await h.bot.pipeline.flush()
    assert not h.bot.pipeline.write_failing
    member = await h.bot.reads.member(ctl.guild.id, ben.id)
    assert member.reputation >= 10
    later = await run(h, ben, "thanks", {"member": ana})
    assert "Queued" not in text_of(later)
