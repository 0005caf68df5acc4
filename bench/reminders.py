"""Reminder benchmark.

    python bench/reminders.py [--members 100000] [--pairs 1000000] [--guilds 10000]

(a) finding at-risk pairs and building the digests for one guild with MEMBERS members and
    PAIRS pairs;
(b) one reminder slot in which GUILDS guilds (100 members each) are due at once, posting done
    by a recording stub: wall time of the slot and the longest event-loop stall while it runs
    (measured by a 10 ms ticker).

Last line: reminders at_risk_ms=… slot_10k_guilds_ms=… max_loop_stall_ms=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from commands import seed  # noqa: E402

from bot.domain.challenges import Challenge, Progress  # noqa: E402
from bot.domain.engine import Batch, MemberInfo  # noqa: E402
from bot.domain.guild_config import GuildConfig  # noqa: E402
from bot.domain.guild_settings import GuildSettings  # noqa: E402
from bot.domain.streaks import StreakRun  # noqa: E402
from bot.reads import BoardPage, Reads  # noqa: E402
from bot.scheduling.jobs import Jobs, ReminderEntry, ReminderMessage  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.guilds import GuildRepository  # noqa: E402
from bot.storage.tracking import TrackingStore  # noqa: E402
from bot.tracking.pipeline import TrackingPipeline  # noqa: E402

NOW = datetime(2026, 6, 30, 18, 0, 30, tzinfo=UTC)


class RecordingPoster:
    def __init__(self) -> None:
        self.messages = 0
        self.entries = 0
        self.dms = 0

    async def post_reminders(
        self, guild: int, channel: int, messages: Sequence[ReminderMessage]
    ) -> None:
        self.messages += len(messages)
        self.entries += sum(len(m.entries) for m in messages)

    async def dm_reminder(self, guild: int, user: int, entries: Sequence[ReminderEntry]) -> bool:
        self.dms += 1
        return True

    async def post_board(
        self, guild: int, channel: int, page: BoardPage, message_id: int | None
    ) -> int | None:
        return message_id

    async def announce_challenge(
        self,
        guild: int,
        channel: int,
        challenge: Challenge,
        phase: str,
        progress: Progress | None,
        board: BoardPage | None,
    ) -> None:
        return None


def make_jobs(db: Database, poster: RecordingPoster) -> Jobs:
    pipeline = TrackingPipeline(db)
    reads = Reads(pipeline)
    return Jobs(Services.create(pipeline, reads), reads, poster, dm_interval=0)


async def bench_one_guild(members: int, pairs: int) -> float:
    with tempfile.TemporaryDirectory(prefix="kindling-rem-") as tmp:
        db = await Database.open(Path(tmp) / "one.db")
        await seed(db, members, pairs, random.Random(5))
        poster = RecordingPoster()
        jobs = make_jobs(db, poster)
        config = GuildConfig(reminder_channel=1)
        start = time.perf_counter()
        reminded = await jobs.remind_guild(1, config, NOW)
        elapsed = (time.perf_counter() - start) * 1000
        print(
            f"(a) one guild: {reminded} at-risk pairs → {poster.messages} digest messages "
            f"in {elapsed:.0f} ms"
        )
        await jobs.services.settings.pipeline.close()
        await db.close()
        return elapsed


async def seed_guilds(db: Database, guilds: int, rnd: random.Random) -> None:
    repo = GuildRepository(db)
    store = TrackingStore(db)
    settings = json.dumps(GuildSettings().to_json_dict(), sort_keys=True)
    config = json.dumps(GuildConfig(reminder_channel=1).model_dump(), sort_keys=True)
    await db.executemany(
        "INSERT INTO guilds (guild_id, settings, config) VALUES (?, ?, ?)",
        [(g, settings, config) for g in range(1, guilds + 1)],
    )
    today = NOW.date()
    batch = Batch()
    for g in range(1, guilds + 1):
        base = g * 1000
        for u in range(100):
            batch.members[(g, base + u)] = MemberInfo()
        for _ in range(30):
            a, b = sorted(rnd.sample(range(base, base + 100), 2))
            last = today - timedelta(days=rnd.choice((0, 1, 1, 2)))
            current = rnd.randint(1, 20)
            batch.streaks[(g, a, b)] = StreakRun(current, current, 0, last, last)
        if g % 1000 == 0:
            await store.write_batch(batch)
            batch = Batch()
    await store.write_batch(batch)
    _ = repo


async def bench_slot(guilds: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="kindling-slot-") as tmp:
        db = await Database.open(Path(tmp) / "slot.db")
        await seed_guilds(db, guilds, random.Random(9))
        poster = RecordingPoster()
        jobs = make_jobs(db, poster)
        stall = 0.0
        running = True

        async def ticker() -> None:
            nonlocal stall
            last = time.perf_counter()
            while running:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                stall = max(stall, now - last - 0.01)
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        start = time.perf_counter()
        done = await jobs.run_slot(NOW)
        elapsed = (time.perf_counter() - start) * 1000
        running = False
        await tick
        print(
            f"(b) slot: {done['reminders']} guilds reminded, {poster.entries} entries in "
            f"{poster.messages} messages, {elapsed:.0f} ms, longest loop stall "
            f"{stall * 1000:.0f} ms"
        )
        await jobs.services.settings.pipeline.close()
        await db.close()
        return elapsed, stall * 1000, done["reminders"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--guilds", type=int, default=10_000)
    args = parser.parse_args()
    at_risk = asyncio.run(bench_one_guild(args.members, args.pairs))
    slot, stall, _ = asyncio.run(bench_slot(args.guilds))
    print(
        f"reminders at_risk_ms={at_risk:.0f} slot_10k_guilds_ms={slot:.0f} "
        f"max_loop_stall_ms={stall:.0f}"
    )


if __name__ == "__main__":
    main()
