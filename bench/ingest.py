"""Ingest benchmark: synthetic community traffic through the real tracking pipeline.

    python bench/ingest.py [--interactions 200000] [--members 5000] [--naive-sample 3000]
                           [--database postgresql://user@host/db]

Workload: MEMBERS members, each with about ten regular partners, activity skewed (a few
members are far more active), spread over 30 simulated days; every message is a reply to or
a mention of a partner, so each yields exactly one interaction.

Measured in the same run:
  * pipeline  – the real TrackingPipeline (write-behind batches) into a fresh SQLite file,
                in a child process so its peak RSS is the pipeline's own;
  * naive     – the same rules, but one aiosqlite execute + commit per row, on a sample;
  * raw       – plain sqlite3 executemany of exactly the rows the pipeline wrote, in batches
                of 1,000 rows, one commit per batch: the physical ceiling for the schema.

With `--database postgresql://…` the same three run on that PostgreSQL server instead, each
in a scratch database it creates beside the named one and drops afterwards (the user needs
CREATEDB): the pipeline through the PostgreSQL backend, naive as one autocommitted statement
per row, raw as asyncpg executemany of the same rows, 1,000 a transaction.

Last line (machine-readable):
  ingest interactions_per_s=N vs_naive=X vs_raw_ceiling=Y rows_per_interaction=R peak_rss_mb=M
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.engine import Batch, GuildState  # noqa: E402
from bot.domain.interactions import MessageRecord  # noqa: E402
from bot.storage.backends import is_postgres, open_database  # noqa: E402
from bot.storage.database import Database, migrations, split_statements  # noqa: E402
from bot.storage.postgres import PostgresDatabase  # noqa: E402
from bot.storage.protocols import Repositories  # noqa: E402
from bot.storage.sql import to_numbered  # noqa: E402
from bot.storage.tracking import TrackingStore  # noqa: E402
from bot.tracking.pipeline import TrackingPipeline  # noqa: E402

GUILD = 1
START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 30
WORDS = ("review", "deploy", "bug", "idea", "docs", "test", "design", "release", "plan", "fix")


def events(n: int, members: int, seed: int = 7) -> Iterator[MessageRecord]:
    """A deterministic stream of n messages, each one interaction."""
    rnd = random.Random(seed)
    users = list(range(1_000, 1_000 + members))
    partners: dict[int, list[int]] = {u: [] for u in users}
    for u in users:
        while len(partners[u]) < 10:
            v = rnd.choice(users)
            if v != u and v not in partners[u]:
                partners[u].append(v)
                if len(partners[v]) < 14:
                    partners[v].append(u)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(members)]  # skewed activity
    rnd.shuffle(weights)
    step = timedelta(days=DAYS) / n
    last_message: dict[int, int] = {}
    actors = rnd.choices(users, weights=weights, k=n)
    for i, actor in enumerate(actors):
        partner = rnd.choice(partners[actor])
        ts = START + step * i
        mid = 10_000_000 + i
        text = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i % 997}"
        ref = last_message.get(partner)
        if ref is not None and rnd.random() < 0.6:
            yield MessageRecord(GUILD, 5, mid, ts, actor, text, ref, (), reply_author=partner)
        else:
            yield MessageRecord(GUILD, 5, mid, ts, actor, f"{text} <@{partner}>", None, (partner,))
        last_message[actor] = mid


async def run_pipeline(db_path: str, n: int, members: int) -> dict[str, float]:
    db = await open_database(db_path)  # an SQLite file or a PostgreSQL URL
    pipeline = TrackingPipeline(Repositories.of(db), flush_interval=1.0, max_batch=5000)
    await pipeline.start()
    produced = 0
    elapsed = 0.0
    stream = events(n, members)
    while True:
        # generating synthetic events is the source's cost, not Kindling's: done untimed,
        # in chunks so the bench holds few events in memory at once
        chunk = list(itertools.islice(stream, 10_000))
        if not chunk:
            break
        started = time.perf_counter()
        for rec in chunk:
            produced += await pipeline.submit(rec)
        elapsed += time.perf_counter() - started
    started = time.perf_counter()
    await pipeline.close()
    elapsed += time.perf_counter() - started
    await db.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "interactions": produced,
        "seconds": elapsed,
        "rows": pipeline.rows_written,
        "peak_rss_mb": peak_kb / 1024,
    }


async def run_naive(db_path: str, n: int, members: int, sample: int) -> float:
    """Same rules, one execute + commit per row written; returns interactions/s."""
    if is_postgres(db_path):
        return await run_naive_postgres(db_path, n, members, sample)
    db = await Database.open(db_path)
    state = GuildState(GUILD)
    produced = 0
    elapsed = 0.0
    for i, rec in enumerate(events(n, members)):
        if i >= sample:
            break
        batch = Batch()
        produced += state.apply_message(batch, rec)
        plan = TrackingStore.batch_rows(batch)
        t = time.perf_counter()
        for sql, rows in plan:
            for row in rows:
                await db.conn.execute("BEGIN")
                await db.conn.execute(sql, row)
                await db.conn.execute("COMMIT")
        elapsed += time.perf_counter() - t
    await db.close()
    return produced / elapsed


async def run_naive_postgres(url: str, n: int, members: int, sample: int) -> float:
    """PostgreSQL: each row one statement in autocommit (its own transaction)."""
    db = await PostgresDatabase.open(url)
    state = GuildState(GUILD)
    produced = 0
    elapsed = 0.0
    for i, rec in enumerate(events(n, members)):
        if i >= sample:
            break
        batch = Batch()
        produced += state.apply_message(batch, rec)
        plan = TrackingStore.batch_rows(batch)
        t = time.perf_counter()
        for sql, rows in plan:
            for row in rows:
                await db.execute(sql, row)
        elapsed += time.perf_counter() - t
    await db.close()
    return produced / elapsed


async def run_raw_postgres(url: str, n: int, members: int) -> tuple[float, int]:
    """asyncpg executemany of the pipeline's rows, 1,000 a transaction; (seconds, rows)."""
    db = await PostgresDatabase.open(url)  # migrated
    conn = await db.pool.acquire()
    state = GuildState(GUILD)
    batch = Batch()
    elapsed = 0.0
    rows_total = 0

    async def write(b: Batch) -> float:
        nonlocal rows_total
        t = time.perf_counter()
        for sql, rows in TrackingStore.batch_rows(b):
            for k in range(0, len(rows), 1000):
                chunk = rows[k : k + 1000]
                async with conn.transaction():
                    await conn.executemany(to_numbered(sql), chunk)
                rows_total += len(chunk)
        return time.perf_counter() - t

    for rec in events(n, members):
        state.apply_message(batch, rec)
        if batch.count >= 5000:
            elapsed += await write(batch)
            batch = Batch()
    elapsed += await write(batch)
    await db.pool.release(conn)
    await db.close()
    return elapsed, rows_total


@contextlib.contextmanager
def scratch_databases(url: str, names: list[str]) -> Iterator[dict[str, str]]:
    """Fresh databases beside the one `url` names (created, then dropped)."""
    import asyncpg

    parts = urlsplit(url)
    suffix = f"{os.getpid()}"
    urls = {n: urlunsplit(parts._replace(path=f"/kindling_bench_{n}_{suffix}")) for n in names}

    async def admin(statements: list[str]) -> None:
        conn = await asyncpg.connect(url)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    dbs = [f"kindling_bench_{n}_{suffix}" for n in names]
    asyncio.run(admin([f"DROP DATABASE IF EXISTS {d}" for d in dbs]))
    asyncio.run(admin([f"CREATE DATABASE {d}" for d in dbs]))
    try:
        yield urls
    finally:
        asyncio.run(admin([f"DROP DATABASE IF EXISTS {d} WITH (FORCE)" for d in dbs]))


def run_raw(db_path: str, n: int, members: int) -> tuple[float, int]:
    """Raw sqlite3 executemany of the pipeline's rows, 1,000 a batch; returns (seconds, rows)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("BEGIN")
    for _, _, sql in migrations():
        for statement in split_statements(sql):
            conn.execute(statement)
    conn.execute("COMMIT")
    state = GuildState(GUILD)
    batch = Batch()
    elapsed = 0.0
    rows_total = 0

    def write(b: Batch) -> float:
        nonlocal rows_total
        t = time.perf_counter()
        for sql, rows in TrackingStore.batch_rows(b):
            for k in range(0, len(rows), 1000):
                chunk = rows[k : k + 1000]
                conn.execute("BEGIN")
                conn.executemany(sql, chunk)
                conn.execute("COMMIT")
                rows_total += len(chunk)
        return time.perf_counter() - t

    for rec in events(n, members):
        state.apply_message(batch, rec)
        if batch.count >= 5000:  # the same batches the pipeline writes
            elapsed += write(batch)
            batch = Batch()
    elapsed += write(batch)
    conn.close()
    return elapsed, rows_total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--naive-sample", type=int, default=3_000)
    parser.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL server (postgresql://…) to run on instead of SQLite files",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(run_pipeline(args.child, args.interactions, args.members))
        print(json.dumps(result))
        return
    if args.database is not None and not is_postgres(args.database):
        parser.error("--database takes a postgresql:// URL (SQLite runs in temporary files)")
    with contextlib.ExitStack() as stack:
        if args.database:
            targets = stack.enter_context(
                scratch_databases(args.database, ["pipeline", "naive", "raw"])
            )
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="kindling-bench-"))
            targets = {n: f"{tmp}/{n}.db" for n in ("pipeline", "naive", "raw")}
        child = subprocess.run(  # noqa: S603
            [
                sys.executable,
                __file__,
                "--child",
                targets["pipeline"],
                "--interactions",
                str(args.interactions),
                "--members",
                str(args.members),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        pipe = json.loads(child.stdout.strip().splitlines()[-1])
        rate = pipe["interactions"] / pipe["seconds"]
        backend = "PostgreSQL" if args.database else "SQLite"
        print(
            f"pipeline ({backend}): {pipe['interactions']:.0f} interactions in "
            f"{pipe['seconds']:.2f}s = {rate:,.0f}/s, {pipe['rows']:.0f} rows, "
            f"peak RSS {pipe['peak_rss_mb']:.0f} MB"
        )
        naive = asyncio.run(
            run_naive(targets["naive"], args.interactions, args.members, args.naive_sample)
        )
        print(f"naive (execute + commit per row, {args.naive_sample} sample): {naive:,.0f}/s")
        if args.database:
            raw_seconds, raw_rows = asyncio.run(
                run_raw_postgres(targets["raw"], args.interactions, args.members)
            )
            how = "asyncpg executemany"
        else:
            raw_seconds, raw_rows = run_raw(targets["raw"], args.interactions, args.members)
            how = "sqlite3 executemany"
        raw_rate = pipe["interactions"] / raw_seconds
        print(f"raw {how} of {raw_rows} rows: {raw_seconds:.2f}s = {raw_rate:,.0f}/s")
    print(
        f"ingest interactions_per_s={rate:.0f} vs_naive={rate / naive:.2f} "
        f"vs_raw_ceiling={rate / raw_rate:.2f} "
        f"rows_per_interaction={pipe['rows'] / pipe['interactions']:.2f} "
        f"peak_rss_mb={pipe['peak_rss_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
