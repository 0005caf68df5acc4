"""Command read benchmark: the database work behind /streaks, /profile and /leaderboard.

    python bench/commands.py [--members 100000] [--pairs 1000000] [--samples 200]

Seeds a store with MEMBERS members and PAIRS pair streaks (through the project's own batch
writer), then times the reads each command does, for random members and for leaderboard
page 1 and page 500. Last line:

    commands p50_ms=… p99_ms=… worst=<command>
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.engine import Batch, LedgerRow, MemberInfo  # noqa: E402
from bot.domain.streaks import StreakRun  # noqa: E402
from bot.reads import Reads  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.tracking import TrackingStore  # noqa: E402
from bot.tracking.pipeline import TrackingPipeline  # noqa: E402

GUILD = 1
NOW = datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


async def seed(db: Database, members: int, pairs: int, rnd: random.Random) -> None:
    store = TrackingStore(db)
    batch = Batch()
    for user in range(1, members + 1):
        batch.members[(GUILD, user)] = MemberInfo()
        batch.reputation[(GUILD, user)] = int(rnd.paretovariate(1.2) * 20)
    await store.write_batch(batch)
    seen: set[tuple[int, int]] = set()
    batch = Batch()
    while len(seen) < pairs:
        a, b = rnd.randint(1, members), rnd.randint(1, members)
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        best = rnd.randint(1, 60)
        current = rnd.randint(1, best)
        last = TODAY - timedelta(days=rnd.choice((0, 0, 1, 1, 2, 5, 30)))
        batch.streaks[(GUILD, *key)] = StreakRun(
            current, best, rnd.randint(0, 2), last, last - timedelta(days=current - 1)
        )
        if len(batch.streaks) >= 50_000:
            await store.write_batch(batch)
            batch = Batch()
    # a recent ledger so weekly boards and profile activity have rows to read
    for i in range(200_000):
        user = rnd.randint(1, members)
        at = NOW - timedelta(minutes=rnd.randint(0, 60 * 24 * 10))
        batch.ledger.append(
            LedgerRow(
                GUILD,
                user,
                3,
                "reply",
                f"s{i}",
                int(at.timestamp() * 1e6),
                at.date().isoformat(),
                None,
                1,
            )
        )
    await store.write_batch(batch)
    await db.execute("ANALYZE")


async def timed(results: dict[str, list[float]], name: str, coro: object) -> None:
    start = time.perf_counter()
    await coro  # type: ignore[misc]
    results.setdefault(name, []).append((time.perf_counter() - start) * 1000)


async def profile_reads(services: Services, reads: Reads, user: int) -> None:
    """What /profile reads."""
    row = await reads.member(GUILD, user)
    await reads.reputation_rank(GUILD, row.reputation)
    await services.badges.held(GUILD, user)
    await reads.member_streaks(GUILD, user, NOW)
    await reads.activity(GUILD, user, NOW - timedelta(days=15))


async def run(members: int, pairs: int, samples: int) -> None:
    rnd = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="kindling-cmd-bench-") as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        t = time.perf_counter()
        await seed(db, members, pairs, rnd)
        print(f"seeded {members} members and {pairs} pairs in {time.perf_counter() - t:.1f}s")
        pipeline = TrackingPipeline(db)
        reads = Reads(pipeline)
        services = Services.create(pipeline, reads)
        results: dict[str, list[float]] = {}
        for _ in range(samples):
            user = rnd.randint(1, members)
            await timed(results, "streaks", reads.member_streaks(GUILD, user, NOW))
            await timed(results, "profile", profile_reads(services, reads, user))
        for board in ("reputation", "best", "weekly", "streaks"):
            for page in (0, 499):
                for _ in range(max(3, samples // 20)):
                    await timed(
                        results,
                        f"leaderboard-{board}-p{page + 1}",
                        reads.board(GUILD, board, page, NOW),
                    )
        await pipeline.close()
        await db.close()
    everything = [v for values in results.values() for v in values]
    for name, values in sorted(results.items()):
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"{name:28s} p50 {statistics.median(values):8.2f} ms  p99 {q[98]:8.2f} ms")
    p99s = {
        name: (statistics.quantiles(v, n=100)[98] if len(v) > 1 else v[0])
        for name, v in results.items()
    }
    worst = max(p99s, key=lambda k: p99s[k])
    overall = statistics.quantiles(everything, n=100)
    print(
        f"commands p50_ms={statistics.median(everything):.2f} p99_ms={overall[98]:.2f} "
        f"worst={worst}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.members, args.pairs, args.samples))


if __name__ == "__main__":
    main()
