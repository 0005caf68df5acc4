"""Retention never prunes raw interactions younger than MIN_RAW_DAYS, whatever RETENTION_DAYS
says: the cooldown clocks a guild's state is rebuilt from (after a restart or an eviction)
come from them (found in review: RETENTION_DAYS=1 with a 7-day cooldown)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.domain.guild_settings import MIN_RAW_DAYS
from tests.tracking.test_history import NOW, entry, opened, svc


def stored_days(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT ts FROM interactions ORDER BY ts").fetchall()
    finally:
        conn.close()
    now_us = int(NOW.timestamp() * 1_000_000)
    return sorted({(now_us - ts) // 86_400_000_000 for (ts,) in rows}, reverse=True)


async def test_a_short_retention_keeps_the_longest_cooldowns_window(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    ages = (30, MIN_RAW_DAYS + 1, MIN_RAW_DAYS - 1, 3, 1)
    async with opened(path) as p:
        for n, days in enumerate(ages):
            talk = entry(10, NOW - timedelta(days=days, minutes=1), 1, 2, n)
            assert talk.record is not None
            await p.submit(talk.record)
        await p.flush()
        assert stored_days(path) == list(ages)
        await svc(p).privacy.prune(NOW, 1)  # RETENTION_DAYS=1
    assert stored_days(path) == [MIN_RAW_DAYS - 1, 3, 1]
    async with opened(path) as p:
        await svc(p).privacy.prune(NOW, 2)
    assert stored_days(path) == [MIN_RAW_DAYS - 1, 3, 1]
