"""Profile card rendering benchmark.

    python bench/render.py [--cards 1000] [--workers N] [--baseline 100]

CARDS distinct profile cards (names of every kind: long, right-to-left, emoji; calendars
from empty to a full 365-day streak; half with an avatar picture) are drawn through the
bot's Renderer (worker processes, as many as cores unless --workers), WORKERS at a time as
the bot would under load, while a 5 ms ticker measures the longest event-loop stall.

Baseline, in the same run: the same cards drawn directly on the loop's thread (what the
bot would do without the pool), so the pool's per-card latency and throughput read as
ratios of it. Then the latest 256 cards again: every one a cache hit.

Targets (2-core machine): p95 ≤ 40 ms per card, no loop stall over 20 ms, PNG ≤ 200 KB.
Last line: render p50_ms=… p95_ms=… max_loop_stall_ms=… png_kb=…
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bot.images import render  # noqa: E402
from bot.images.cards import Calendar, ProfileCard, StreakLine  # noqa: E402
from bot.images.renderer import Renderer, cores  # noqa: E402

TODAY = date(2026, 6, 10)
NAMES = (
    "Ana",
    "Bartholomew Featherstonehaugh-Smythe",  # longer than the card
    "W" * 32,
    "محمد علي",
    "עִבְרִית",
    "🔥 fire 🔥",
    "👩‍💻",
    "Zoë 日本",
    "x",
)


def avatar(rnd: random.Random) -> bytes:
    img = Image.new("RGB", (128, 128), tuple(rnd.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((128, 128), 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(img, noise, 0.4).save(out, format="PNG")
    return out.getvalue()


def make_cards(n: int, seed: int = 11) -> list[ProfileCard]:
    rnd = random.Random(seed)
    first = TODAY - timedelta(days=TODAY.weekday() + 77)
    avatars = [avatar(rnd) for _ in range(16)]
    cards = []
    for i in range(n):
        density = rnd.choice((0.0, 0.2, 0.6, 1.0))
        counts = tuple(
            (rnd.randint(1, 4) if rnd.random() < density else 0) if k <= 79 else 0
            for k in range(84)
        )
        frozen = tuple(c == 0 and rnd.random() < 0.05 for c in counts)
        streaks = tuple(
            StreakLine(rnd.choice(NAMES), rnd.choice((0, 3, 12, 365)), 365, rnd.randint(0, 2))
            for _ in range(rnd.randint(0, 3))
        )
        badges = tuple(f"Badge {k}" for k in range(rnd.randint(0, 8)))
        cards.append(
            ProfileCard(
                name=f"{rnd.choice(NAMES)} {i}",
                reputation=rnd.randint(0, 99_999),
                rank=rnd.choice((None, rnd.randint(1, 5000))),
                calendar=Calendar(first, TODAY, counts, frozen),
                badges=badges,
                streaks=streaks,
                avatar=avatars[i % 16] if i % 2 else None,
            )
        )
    return cards


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(cards: list[ProfileCard], workers: int, baseline_n: int) -> dict[str, float]:
    # the baseline: drawn directly on this thread (the loop would stall for each card)
    render.warm_up()
    direct = []
    for card in cards[:baseline_n]:
        start = time.perf_counter()
        render.render_profile(card)
        direct.append((time.perf_counter() - start) * 1000)
    direct_p50 = statistics.median(direct)
    print(
        f"baseline: {len(direct)} cards drawn on the loop's thread, p50 {direct_p50:.1f} ms, "
        f"p95 {pct(direct, 0.95):.1f} ms (each a loop stall of that length)"
    )

    renderer = Renderer(workers=workers)
    loop = asyncio.get_running_loop()
    stall = 0.0
    running = True

    # the machine's own noise: the same ticker with nothing drawing, for 2 s
    idle = 0.0
    last = loop.time()
    until = last + 2.0
    while loop.time() < until:
        await asyncio.sleep(0.005)
        now = loop.time()
        idle = max(idle, now - last - 0.005)
        last = now
    print(f"idle loop: longest stall {idle * 1000:.1f} ms with nothing drawing")

    async def ticker() -> None:
        nonlocal stall
        last = loop.time()
        while running:
            await asyncio.sleep(0.005)
            now = loop.time()
            stall = max(stall, now - last - 0.005)
            last = now

    try:
        started_workers = await renderer.start()  # every worker up before measuring
        print(f"pool: {started_workers} worker processes started")
        tick = asyncio.create_task(ticker())
        latencies: list[float] = []
        sizes: list[int] = []
        queue = iter(cards)

        async def client() -> None:
            for card in queue:
                start = time.perf_counter()
                png = await renderer.profile(card)
                latencies.append((time.perf_counter() - start) * 1000)
                sizes.append(len(png))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(workers)))
        wall = time.perf_counter() - started
        running = False
        await tick

        hits_before = renderer.hits
        recent = cards[-min(len(cards), 256) :]  # well within the cache's entries
        again = time.perf_counter()
        for card in recent:
            await renderer.profile(card)
        cached_ms = (time.perf_counter() - again) * 1000 / len(recent)
        if renderer.hits - hits_before != len(recent):
            raise SystemExit("a repeated card was drawn again: the cache missed")
    finally:
        await renderer.close()

    p50, p95 = pct(latencies, 0.5), pct(latencies, 0.95)
    throughput = len(cards) / wall
    print(
        f"pool: {len(cards)} cards, {workers} workers, {workers} at a time: p50 {p50:.1f} ms "
        f"({p50 / direct_p50:.2f}x direct), p95 {p95:.1f} ms, {throughput:.0f} cards/s "
        f"({throughput * direct_p50 / 1000:.2f}x direct), longest loop stall "
        f"{stall * 1000:.1f} ms"
    )
    print(
        f"png: median {statistics.median(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB; "
        f"cached repeat {cached_ms:.3f} ms per card"
    )
    return {"p50": p50, "p95": p95, "stall": stall * 1000, "png_kb": max(sizes) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=cores())
    parser.add_argument("--baseline", type=int, default=100)
    args = parser.parse_args()
    cards = make_cards(args.cards)
    out = asyncio.run(bench(cards, args.workers, min(args.baseline, args.cards)))
    print(
        f"render p50_ms={out['p50']:.1f} p95_ms={out['p95']:.1f} "
        f"max_loop_stall_ms={out['stall']:.1f} png_kb={out['png_kb']:.1f}"
    )


if __name__ == "__main__":
    main()
