"""Authenticity review benchmark (SPEC §10): farming rings in a simulated community.

    python bench/authenticity.py [--seed 1] [--members 200] [--big-members 100000]
                                 [--big-interactions 1000000]

1. A seeded community (bench/_community.py: honest members with daily rhythms, bursty
   conversations, a social graph with connectors, shared short phrases, reactions and kudos;
   honest hard cases - a tight friend group, a daily "gm everyone" at the same minute, ten
   enthusiastic newcomers, a 6.5-hour two-person conversation; and five rings of alt accounts
   from Tuesday 10:00) is written as replay JSONL and run through the real
   `python -m bot replay` in a subprocess, twice:
     * up to RING_START + 24 h, with --now = RING_START + 24 h  -> recall_24h
     * the whole week, with --now = the end of the week           -> fp_rate, ring_over_honest
   recall_24h counts rings a-d; the slow ring (e) is reported apart.
2. One review pass (bot.domain.review.review_pass, in-process) over a synthetic guild of
   BIG_MEMBERS members with a week of BIG_INTERACTIONS interactions and about as many
   messages -> pass_ms; run once more through asyncio.to_thread while a 10 ms ticker measures
   the longest event-loop stall.

Last line (machine-readable):
  authenticity recall_24h=R fp_rate=F ring_over_honest=X pass_ms=T
Targets: recall_24h >= 0.95, fp_rate <= 0.01, ring_over_honest <= 0.10, pass_ms <= 5000.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _community as community  # noqa: E402

FAST_RINGS = ("a", "b", "c", "d")


# ------------------------------------------------------------------------------ replay


def start_replay(path: Path, now: int) -> subprocess.Popen[str]:
    """`python -m bot replay PATH --now NOW`, as a user runs it."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bot", "replay", str(path), "--now", community.iso(now)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_replay(proc: subprocess.Popen[str], what: str) -> dict[str, Any]:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"replay ({what}) failed with exit {proc.returncode}: {err.strip()}")
    guilds = json.loads(out)["guilds"]
    guild: dict[str, Any] = next(g for g in guilds if g["guild"] == community.GUILD)
    return guild


def write_lines(path: Path, lines: Any) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
            n += 1
    return n


def flagged(guild: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {entry["user"]: entry for entry in guild.get("review", [])}


def reputations(guild: dict[str, Any]) -> dict[int, int]:
    return {m["user"]: m["reputation"] for m in guild["members"]}


def reason_counts(users: list[int], flags: dict[int, dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r for u in users if u in flags for r in flags[u]["reasons"])
    return dict(sorted(counts.items()))


def mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


# ------------------------------------------------------------------------------ big pass


def big_input(members: int, interactions: int, seed: int) -> tuple[Any, dict[str, int], set[int]]:
    """A week of traffic for a large guild: skewed activity, 3-16 partners each, one message
    per reply or mention plus plain messages up to as many messages as interactions (text from
    a small vocabulary); 20 planted rings of 5 new accounts reply to each other every 61 s with
    their own canned text (about 7 % of the interactions)."""
    from bot.domain.review import ReviewInput, ReviewInteraction, ReviewMessage

    rnd = random.Random(seed)
    now = datetime(2026, 3, 9, tzinfo=UTC)
    start = now - timedelta(days=7)
    week = 7 * 86400
    base = 1_000_000
    organic = members - 100  # the last 100 ids are the planted rings' accounts
    users = list(range(base, base + members))
    partners = [
        [base + rnd.randrange(organic) for _ in range(rnd.randint(3, 16))] for _ in range(organic)
    ]
    weights = [1.0 / (i + 1) ** 0.7 for i in range(organic)]
    rnd.shuffle(weights)
    seconds = [start + timedelta(seconds=s) for s in range(week)]
    vocab = [
        *community.NOUN,
        *community.ADJ,
        *community.VERB,
        *community.VERB_BASE,
        "the",
        "a",
        "and",
        "is",
        "to",
    ]
    # 20 planted rings of 5 dedicated new accounts, each ring with its own canned text
    rings = [users[organic + 5 * r : organic + 5 * r + 5] for r in range(20)]
    ring_share = 0
    out_i: list[Any] = []
    out_m: list[Any] = []
    kinds = ("reply",) * 55 + ("mention",) * 15 + ("reaction",) * 27 + ("kudos",) * 3
    # each ring member replies to the next every 61 s for 4 hours on three days
    for ring in rings:
        tag = f"{rnd.choice(community.ADJ)} {rnd.choice(community.NOUN)}"
        canned = [f"{text} {tag}" for text in community.CANNED]
        for day in (2, 3, 4):
            t0 = day * 86400 + 9 * 3600 + rnd.randrange(3600)
            for step in range(4 * 3600 // 61):
                for k, actor in enumerate(ring):
                    t = t0 + step * 61 + k * 7
                    ts = seconds[t]
                    out_i.append(ReviewInteraction(actor, ring[(k + 1) % 5], "reply", ts))
                    out_m.append(ReviewMessage(actor, ts, rnd.choice(canned)))
                    ring_share += 1
    users = users[:organic]
    n = max(0, interactions - len(out_i))
    actors = rnd.choices(users, weights=weights, k=n)
    times = sorted(rnd.randrange(week) for _ in range(n))
    randrange = rnd.randrange
    choice = rnd.choice
    for actor, t in zip(actors, times, strict=True):
        plist = partners[actor - base]
        target = plist[randrange(len(plist))]
        if target == actor:
            target = base + (actor - base + 1) % organic
        kind = choice(kinds)
        ts = seconds[t]
        out_i.append(ReviewInteraction(actor, target, kind, ts))
        if kind in ("reply", "mention"):
            out_m.append(ReviewMessage(actor, ts, " ".join(rnd.choices(vocab, k=randrange(3, 10)))))
    plain = max(0, interactions - len(out_m))
    for actor, t in zip(
        rnd.choices(users, weights=weights, k=plain),
        sorted(rnd.randrange(week) for _ in range(plain)),
        strict=True,
    ):
        out_m.append(ReviewMessage(actor, seconds[t], " ".join(rnd.choices(vocab, k=4))))
    out_i.sort(key=lambda i: i.ts)
    out_m.sort(key=lambda m: m.ts)
    joined: dict[int, datetime | None] = {}
    for ring in rings:
        for u in ring:
            joined[u] = start + timedelta(days=rnd.uniform(0, 2))
    for u in users:
        r = rnd.random()
        if r < 0.03:
            joined[u] = start + timedelta(seconds=rnd.randrange(week))
        elif r < 0.5:
            joined[u] = start - timedelta(days=rnd.randint(30, 1500))
        else:
            joined[u] = None
    inp = ReviewInput(interactions=out_i, messages=out_m, joined=joined, now=now)
    stats = {
        "members": members,
        "interactions": len(out_i),
        "messages": len(out_m),
        "ring_interactions": ring_share,
        "ring_members": sum(len(r) for r in rings),
    }
    return inp, stats, {u for ring in rings for u in ring}


async def threaded_pass(inp: Any) -> tuple[float, float, int]:
    """review_pass in a worker thread while a 10 ms ticker watches the event loop."""
    from bot.domain.review import review_pass

    done = False
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        while not done:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - t - 0.01)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    t0 = time.perf_counter()
    flags = await asyncio.to_thread(review_pass, inp)
    wall = time.perf_counter() - t0
    done = True
    await task
    return wall * 1000, worst * 1000, len(flags)


# ------------------------------------------------------------------------------ main


def describe(com: community.Community) -> None:
    counts = Counter(type(e).__name__ for e in com.events)
    roles = Counter(p.role for p in com.people.values())
    honest_msgs = Counter(
        e.author for e in com.events if isinstance(e, community.Msg) and e.author in com.people
    )
    per_member = sorted((honest_msgs[u] for u in com.people), reverse=True)
    print(
        f"community seed={com.seed}: {len(com.people)} honest members "
        f"({', '.join(f'{r} {n}' for r, n in sorted(roles.items()))}), "
        f"{sum(len(r) for r in com.rings.values())} ring accounts; "
        f"{counts['Msg']} messages ({sum(per_member)} honest), {counts['React']} reactions, "
        f"{counts['Kudos']} kudos; honest messages per member: max {per_member[0]}, "
        f"median {per_member[len(per_member) // 2]}, min {per_member[-1]}"
    )
    for kind in community.RING_KINDS:
        ring = com.rings[kind]
        msgs = sum(1 for e in com.events if isinstance(e, community.Msg) and e.author in ring)
        declared = "declared new" if ring[0] in com.ring_joined else "undeclared"
        print(
            f"  ring {kind} {community.RING_NAMES[kind]}: {len(ring)} accounts, {declared}, "
            f"{msgs} messages"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--big-members", type=int, default=100_000)
    parser.add_argument("--big-interactions", type=int, default=1_000_000)
    args = parser.parse_args()

    t_total = time.perf_counter()
    com = community.build(args.seed, args.members)
    describe(com)
    honest = com.honest
    ring_members = {kind: com.rings[kind] for kind in community.RING_KINDS}
    fast = [u for kind in FAST_RINGS for u in ring_members[kind]]

    with tempfile.TemporaryDirectory(prefix="kindling-authenticity-") as tmp:
        cut_path = Path(tmp) / "first-24h.jsonl"
        week_path = Path(tmp) / "week.jsonl"
        n_cut = write_lines(cut_path, com.lines(community.CUT_S))
        n_week = write_lines(week_path, com.lines(community.WEEK_END_S - 1))
        print(
            f"replay files: {n_cut} lines up to ring start + 24 h "
            f"({community.iso(community.CUT_S)}), {n_week} lines for the week "
            f"(--now {community.iso(community.WEEK_END_S)})"
        )
        t_replay = time.perf_counter()
        cut_proc = start_replay(cut_path, community.CUT_S)
        week_proc = start_replay(week_path, community.WEEK_END_S)
        cut = finish_replay(cut_proc, "first 24 h")
        week = finish_replay(week_proc, "week")
        replay_s = time.perf_counter() - t_replay

    flags_cut, flags_week = flagged(cut), flagged(week)
    print(f"replays (two, in parallel): {replay_s:.1f} s")
    for kind in community.RING_KINDS:
        ring = ring_members[kind]
        r24 = sum(u in flags_cut for u in ring) / len(ring)
        rw = sum(u in flags_week for u in ring) / len(ring)
        apart = "  (reported apart, not in recall_24h)" if kind not in FAST_RINGS else ""
        print(
            f"ring {kind} {community.RING_NAMES[kind]}: recall 24h {r24:.2f}, week {rw:.2f}; "
            f"reasons 24h {reason_counts(ring, flags_cut)}, week {reason_counts(ring, flags_week)}"
            f"{apart}"
        )
    recall_24h = sum(u in flags_cut for u in fast) / len(fast)

    honest_flagged = [u for u in honest if u in flags_week]
    honest_flagged_cut = [u for u in honest if u in flags_cut]
    fp_rate = len(honest_flagged) / len(honest)
    print(
        f"honest flagged: {len(honest_flagged)} of {len(honest)} at the end of the week, "
        f"{len(honest_flagged_cut)} at ring start + 24 h"
    )
    for u in sorted(set(honest_flagged) | set(honest_flagged_cut)):
        entry = flags_week.get(u) or flags_cut[u]
        when = "week" if u in flags_week else "24h only"
        print(
            f"  honest {u} ({com.role(u)}, {when}): reasons {entry['reasons']}, "
            f"held {entry['held']}"
        )

    rep = reputations(week)
    ring_rep = mean([rep.get(u, 0) for u in fast])
    honest_rep = mean([rep.get(u, 0) for u in honest])
    held_rings = sum(flags_week[u]["held"] for u in fast if u in flags_week)
    ring_over_honest = ring_rep / honest_rep if honest_rep else float("inf")
    print(
        f"reputation at the end of the week: rings a-d mean {ring_rep:.1f} "
        f"(held {held_rings} points in all), honest mean {honest_rep:.1f}, "
        f"slow ring mean {mean([rep.get(u, 0) for u in ring_members['e']]):.1f}"
    )

    from bot.domain.review import review_pass

    del com, cut, week
    t_gen = time.perf_counter()
    inp, stats, planted_set = big_input(args.big_members, args.big_interactions, args.seed)
    gen_s = time.perf_counter() - t_gen
    gc.collect()
    t0 = time.perf_counter()
    big_flags = review_pass(inp)
    pass_ms = (time.perf_counter() - t0) * 1000
    planted = stats["ring_members"]
    print(
        f"big pass: {stats['members']} members, {stats['interactions']} interactions, "
        f"{stats['messages']} messages (generated in {gen_s:.1f} s; {planted} planted ring "
        f"members): {pass_ms:.0f} ms, {len(big_flags)} flags "
        f"({len(planted_set & set(big_flags))} of them planted)"
    )
    wall_ms, stall_ms, n_flags = asyncio.run(threaded_pass(inp))
    print(
        f"big pass in asyncio.to_thread: {wall_ms:.0f} ms, {n_flags} flags, "
        f"max_loop_stall_ms={stall_ms:.1f}"
    )
    print(f"total bench time {time.perf_counter() - t_total:.0f} s")
    print(
        f"authenticity recall_24h={recall_24h:.3f} fp_rate={fp_rate:.3f} "
        f"ring_over_honest={ring_over_honest:.3f} pass_ms={pass_ms:.0f}"
    )


if __name__ == "__main__":
    main()
