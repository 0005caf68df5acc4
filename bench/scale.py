"""Scale benchmark: many guilds through the real tracking pipeline, and a restart's first event.

    python bench/scale.py [--guilds 100,1000,10000] [--members 50] [--per-day 40] [--days 3]
                          [--big 1000,100000]

(a) For each guild count G: G guilds of MEMBERS members, about PER_DAY messages a guild a day
    for DAYS days, in conversations (2-4 members, replies and mentions, plain messages,
    reactions), all guilds interleaved in time order, through the real TrackingPipeline into a
    fresh SQLite file, in a child process so that its peak RSS is the pipeline's own. The
    pipeline's idle clock follows the events' time (the traffic of DAYS days is pushed through
    in a minute, so a wall clock would never see a guild idle): guild state is evicted and
    reloaded as it would be in production when the same traffic arrives in real time. The
    events come from a file the parent wrote, read in chunks outside the timed part.
    Reported: interactions/s, peak RSS, guild state loads and evictions.
(b) For each BIG member count N: one guild with N members, N*3 pairs with streaks and
    qualifying days, badges, and a week of interactions (N/2 a day) is stored; then the
    pipeline is "restarted" (a new pipeline on the same file) and one message in that guild is
    submitted: the time until it is applied, then the time until any background loading of
    the rest of the guild is done (none by default: members load on demand, DECISIONS B20),
    and the longest event-loop stall until then (a 5 ms ticker).

Last line:
  scale rss_mb_10k_guilds=… rss_ratio_10k_vs_100=… ingest_ratio_10k_vs_100=…
        first_event_ms_100k=… max_loop_stall_ms=…
(the largest and smallest guild counts and the largest BIG size stand in when others are given)
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.domain.engine import BadgeRow, Batch, MemberInfo, PairDayRow  # noqa: E402
from bot.domain.interactions import MemberRecord, MessageRecord, ReactionRecord  # noqa: E402
from bot.domain.streaks import StreakRun  # noqa: E402
from bot.domain.timeutil import epoch_us, from_epoch_us  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.tracking import TrackingStore  # noqa: E402
from bot.tracking.pipeline import TrackingPipeline  # noqa: E402

START = datetime(2026, 5, 4, tzinfo=UTC)
WORDS = (
    "review deploy bug idea docs test design release plan fix lunch game map build patch song "
    "trail coffee garden bike album movie book puzzle recipe server camera guitar"
).split()
JOINED = datetime(2025, 1, 1, tzinfo=UTC)
DISCORD_EPOCH_MS = 1_420_070_400_000


def guild_id(g: int) -> int:
    return 10_000_000 + g


def user_id(g: int, u: int) -> int:
    return g * 1_000 + u


# -- (a) the many-guild workload --------------------------------------------------------------


def guild_events(g: int, members: int, per_day: int, days: int) -> Iterator[tuple[int, str]]:
    """One guild's events in time order as (ts_us, line); conversations of ~8 messages."""
    rnd = random.Random(g * 7919 + 1)
    gid = guild_id(g)
    per_conversation = 8
    out: list[tuple[int, str]] = []
    seq = 0
    for day in range(days):
        day_start = START + timedelta(days=day)
        n_conv = max(1, round(rnd.gauss(per_day / per_conversation, 1)))
        for _ in range(n_conv):
            t = day_start + timedelta(seconds=rnd.uniform(6 * 3600, 23.5 * 3600))
            people = rnd.sample(range(members), rnd.choice((2, 2, 3, 4)))
            last_by: dict[int, int] = {}
            for _ in range(max(2, round(rnd.gauss(per_conversation, 2)))):
                t += timedelta(seconds=min(900.0, rnd.lognormvariate(4.0, 0.8)))
                author = rnd.choice(people)
                others = [p for p in people if p != author]
                partner = rnd.choice(others)
                # a snowflake, as Discord's ids: the time (ms since Discord's epoch) in the
                # high bits, so a guild's ids grow with time
                seq += 1
                mid = ((int(t.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | (seq & 0x3FFFFF)
                text = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {rnd.randint(0, 999)}"
                roll = rnd.random()
                ref = last_by.get(partner)
                # a reply carries its target's author, as the gateway's resolved reference does
                if roll < 0.55 and ref is not None:
                    reply, to, mention = ref, user_id(g, partner), 0
                elif roll < 0.9:
                    reply, to, mention = 0, 0, user_id(g, partner)
                    text = f"{text} <@{mention}>"
                else:
                    reply, to, mention = 0, 0, 0
                ts = epoch_us(t)
                who = user_id(g, author)
                out.append((ts, f"m\t{gid}\t{ts}\t{who}\t{mid}\t{reply}\t{to}\t{mention}\t{text}"))
                last_by[author] = mid
                if rnd.random() < 0.12:
                    rt = ts + int(rnd.uniform(5, 120) * 1e6)
                    out.append((rt, f"r\t{gid}\t{rt}\t{user_id(g, partner)}\t{mid}"))
    out.sort()
    # the guild's members arrive (member records) just before its first message
    first = out[0][0] - 1 if out else 0
    joins = [(first, f"j\t{gid}\t{first}\t{user_id(g, u)}") for u in range(members)]
    return iter(joins + out)


def write_events(path: Path, guilds: int, members: int, per_day: int, days: int) -> int:
    """All guilds' events merged in time order into a file; returns how many."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        streams = [guild_events(g, members, per_day, days) for g in range(guilds)]
        for _, line in heapq.merge(*streams):
            fh.write(line + "\n")
            n += 1
    return n


def parse(line: str) -> MemberRecord | MessageRecord | ReactionRecord:
    f = line.rstrip("\n").split("\t")
    if f[0] == "j":
        return MemberRecord(int(f[1]), int(f[3]), False, JOINED)
    ts = from_epoch_us(int(f[2]))
    if f[0] == "r":
        return ReactionRecord(int(f[1]), 5, int(f[4]), int(f[3]), "👍", ts)
    reply, to, mention = int(f[5]) or None, int(f[6]) or None, int(f[7])
    mentions = (mention,) if mention else ()
    return MessageRecord(int(f[1]), 5, int(f[4]), ts, int(f[3]), f[8], reply, mentions, False, to)


class EventClock:
    """The pipeline's idle clock in the events' time (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def run_guilds(db_path: str, events_path: str) -> dict[str, float]:
    settings = Settings()
    db = await Database.open(db_path)
    clock = EventClock()
    pipeline = TrackingPipeline(
        db,
        flush_interval=settings.flush_interval_seconds,
        max_batch=settings.flush_max_batch,
        **_cache_options(settings, clock),
    )
    await pipeline.start()
    produced = 0
    elapsed = 0.0
    with open(events_path, encoding="utf-8") as fh:
        while True:
            lines = [line for _, line in zip(range(10_000), fh, strict=False)]
            if not lines:
                break
            chunk = [parse(line) for line in lines]  # the source's cost, untimed
            started = time.perf_counter()
            for rec, line in zip(chunk, lines, strict=True):
                clock.now = int(line.split("\t", 3)[2]) / 1e6
                result = await pipeline.submit(rec)
                if isinstance(rec, MessageRecord):
                    produced += result or 0
                elif result:
                    produced += 1
            elapsed += time.perf_counter() - started
    started = time.perf_counter()
    await pipeline.close()
    elapsed += time.perf_counter() - started
    await db.close()
    return {
        "interactions": produced,
        "seconds": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "loads": float(getattr(pipeline, "loads", 0)),
        "evictions": float(getattr(pipeline, "evictions", 0)),
        "budget_evictions": float(getattr(pipeline, "budget_evictions", 0)),
    }


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux keeps that across
    execve, and a child started by subprocess (vfork) inherits the parent's peak there - the
    parent's event generation, not the pipeline. VmHWM is the high-water mark of this
    process's own memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cache_options(settings: Settings, clock: EventClock) -> dict[str, object]:
    """The pipeline's eviction and loading settings from bot/config.py, idle time on the
    events' clock."""
    options: dict[str, object] = {}
    if hasattr(settings, "guild_idle_seconds"):
        options["idle_seconds"] = settings.guild_idle_seconds
        options["message_cache_bytes"] = int(settings.message_cache_mb * 1024 * 1024)
        options["clock"] = clock
    if hasattr(settings, "guild_state_bytes"):
        options["state_bytes"] = settings.guild_state_bytes
    if hasattr(settings, "lazy_load_members"):
        options["lazy_members"] = settings.lazy_load_members
    return options


# -- (b) a restart's first event in a big guild -------------------------------------------------

BIG_GUILD = 77


async def seed_big(db_path: str, members: int) -> datetime:
    """A big guild stored as after weeks of use; returns the time of the next event."""
    rnd = random.Random(members)
    db = await Database.open(db_path)
    store = TrackingStore(db)
    today = (START + timedelta(days=30)).date()
    batch = Batch()
    for u in range(1, members + 1):
        batch.members[(BIG_GUILD, u)] = MemberInfo(joined_at=JOINED)
        batch.reputation[(BIG_GUILD, u)] = int(rnd.paretovariate(1.2) * 20)
        batch.active.add((BIG_GUILD, u))
    await store.write_batch(batch)
    seen: set[tuple[int, int]] = set()
    batch = Batch()
    while len(seen) < members * 3:
        a, b = rnd.randint(1, members), rnd.randint(1, members)
        key = (min(a, b), max(a, b))
        if a == b or key in seen:
            continue
        seen.add(key)
        current = rnd.randint(1, 20)
        last = today - timedelta(days=rnd.choice((0, 1, 1, 2, 5)))
        batch.streaks[(BIG_GUILD, *key)] = StreakRun(current, current, 0, last, last)
        for d in range(min(current, 3)):
            day = (last - timedelta(days=d)).isoformat()
            batch.pair_days.append(PairDayRow(BIG_GUILD, key[0], key[1], day, 0))
        if current >= 3:
            batch.badges.append(BadgeRow(BIG_GUILD, key[0], "streak-3", 0))
        if len(batch.streaks) >= 50_000:
            await store.write_batch(batch)
            batch = Batch()
    await store.write_batch(batch)
    await db.close()
    # a week of interactions through the real pipeline (rows with their rule flags)
    db = await Database.open(db_path)
    # (set-up: the whole guild in memory, so seeding does not load member by member)
    pipeline = TrackingPipeline(db, lazy_members=None)
    first = datetime.combine(today - timedelta(days=6), datetime.min.time(), tzinfo=UTC)
    per_day = max(50, members // 2)
    n = per_day * 7
    step = timedelta(days=7) / n
    mid = 1
    for i in range(n):
        a = rnd.randint(1, members)
        b = rnd.randint(1, members)
        if a == b:
            continue
        mid += 1
        text = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}"
        await pipeline.submit(
            MessageRecord(BIG_GUILD, 5, mid, first + step * i, a, f"{text} <@{b}>", None, (b,))
        )
    await pipeline.close()
    await db.close()
    return first + step * n + timedelta(seconds=30)


async def first_event(db_path: str, at: datetime, members: int) -> tuple[float, float, float]:
    """After a restart: ms until one message in the big guild is applied, the longest
    stall until the whole guild is loaded, and the seconds until then."""
    db = await Database.open(db_path)
    pipeline = TrackingPipeline(db)
    stall = 0.0
    running = True

    async def ticker() -> None:
        nonlocal stall
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            stall = max(stall, now - last - 0.005)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    stall = 0.0
    rec = MessageRecord(BIG_GUILD, 5, 10**12, at, 1, "hello there <@2>", None, (2,))
    started = time.perf_counter()
    produced = await pipeline.submit(rec)
    elapsed = (time.perf_counter() - started) * 1000
    await asyncio.sleep(0.02)
    # the rest of the guild is then loaded in the background, a step at a time between
    # events: the stall is measured until it is whole too
    warming = list(getattr(pipeline, "_warming", {}).values())
    if warming:
        await asyncio.gather(*warming)
    whole = time.perf_counter() - started
    running = False
    await tick
    assert produced == 1, produced  # noqa: S101
    await pipeline.close()
    await db.close()
    return elapsed, stall * 1000, whole


async def run_big(db_path: str, members: int) -> dict[str, float]:
    at = await seed_big(db_path, members)
    ms, stall, whole = await first_event(db_path, at, members)
    return {"first_event_ms": ms, "stall_ms": stall, "whole_s": whole}


# -- driver -----------------------------------------------------------------------------------


def child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guilds", default="100,1000,10000")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--big", default="1000,100000")
    parser.add_argument("--child-guilds", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-big", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_guilds:
        print(json.dumps(asyncio.run(run_guilds(*args.child_guilds))))
        return
    if args.child_big:
        print(json.dumps(asyncio.run(run_big(args.child_big[0], int(args.child_big[1])))))
        return
    counts = sorted(int(x) for x in args.guilds.split(","))
    bigs = sorted(int(x) for x in args.big.split(","))
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kindling-scale-") as tmp:
        for g in counts:
            events = Path(tmp) / f"events-{g}.tsv"
            n = write_events(events, g, args.members, args.per_day, args.days)
            r = child(["--child-guilds", f"{tmp}/g{g}.db", str(events)])
            events.unlink()
            results[g] = r
            rate = r["interactions"] / r["seconds"]
            print(
                f"(a) {g} guilds: {n} events, {r['interactions']:.0f} interactions in "
                f"{r['seconds']:.2f}s = {rate:,.0f}/s, peak RSS {r['peak_rss_mb']:.0f} MB, "
                f"{r['loads']:.0f} state loads, {r['evictions']:.0f} evictions "
                f"({r.get('budget_evictions', 0):.0f} over the memory bound)"
            )
        big: dict[int, dict[str, float]] = {}
        for m in bigs:
            big[m] = child(["--child-big", f"{tmp}/big{m}.db", str(m)])
            print(
                f"(b) {m} members: first event after a restart {big[m]['first_event_ms']:.0f} ms, "
                f"background loading done after {big[m]['whole_s']:.1f} s, "
                f"longest loop stall until then {big[m]['stall_ms']:.0f} ms"
            )
    lo, hi = results[counts[0]], results[counts[-1]]
    rate_lo = lo["interactions"] / lo["seconds"]
    rate_hi = hi["interactions"] / hi["seconds"]
    stall = max(b["stall_ms"] for b in big.values())
    print(
        f"scale rss_mb_10k_guilds={hi['peak_rss_mb']:.0f} "
        f"rss_ratio_10k_vs_100={hi['peak_rss_mb'] / lo['peak_rss_mb']:.2f} "
        f"ingest_ratio_10k_vs_100={rate_hi / rate_lo:.2f} "
        f"first_event_ms_100k={big[bigs[-1]]['first_event_ms']:.0f} "
        f"max_loop_stall_ms={stall:.0f}"
    )


if __name__ == "__main__":
    main()
