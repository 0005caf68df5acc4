"""Authenticity review (SPEC §10): who looks coordinated or automated.

A pure pass over one guild's recent interactions and messages: inputs in, flags with
reasons and evidence out, `now` passed in. Each signal is documented with what it catches
and what it cannot; a flag needs at least `MIN_SIGNALS` different signals, because any one
of them also describes some honest members (a tight friend group is a closed cluster; a new
member is a new account; friends thank each other).

Signals (the §10 vocabulary):
- `shared_text`: a large share of a member's longer messages are near-identical to messages
  of a *few* other authors (canned text passed around a ring). Texts shared by many authors
  ("gm", "thanks!", "good morning everyone") are community phrases and never count, and
  short texts are ignored. Near-identical = the same normalised text, or the same first or
  last four words of a longer message (templates with a changing slot).
- `regular_timing`: the gaps between a member's own messages and reactions inside active
  sessions are machine-regular (low coefficient of variation), or never shorter than the
  guild's cooldown while regular (a script pacing itself to the cooldown). People are bursty:
  a lively conversation has many gaps of a few seconds and a few of many minutes.
- `closed_cluster`: the member and their significant partners form a small group (3–12)
  whose interactions stay inside it (conductance below `MAX_CONDUCTANCE`): a farming ring
  has almost no contact with the rest of the community.
- `new_accounts`: the member joined the guild recently (and, in the live bot, the account
  itself is recent).
- `kudos_ring`: the member is in a small circle of kudos (a strongly connected group of 3–12
  in the kudos graph), gives and receives their kudos mostly inside it, and thanking is a
  large share of what they do; one round is enough when the kudos are relayed (each thanks
  exactly one other).

What it cannot catch: a slow ring that mimics honest volume, writes its own text, keeps human
timing and talks to enough honest members looks like a friend group — the volume rules of
§3 already cap what it earns, and moderators can still exclude its members.
"""

from __future__ import annotations

import gc
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

REASONS: tuple[str, ...] = (
    "shared_text",
    "regular_timing",
    "closed_cluster",
    "new_accounts",
    "kudos_ring",
    "other",
)
MIN_SIGNALS = 2
# small, ordinary exchanges are not evidence: a member is only judged once they have acted
# this often inside the window
MIN_ACTIVITY = 4
# ...and only in a community: with fewer active members in the window there is no "rest" a
# group could be closed off from, and a handful of people talking is not a ring
MIN_COMMUNITY = 12

# shared_text
MIN_TEXT_TOKENS = 2  # one-word messages ("gm", "thanks!", "lol") are never evidence
MIN_TEXT_CHARS = 8
SKELETON_TOKENS = 4  # the first / last words that make a template's skeleton
MAX_SHARING_AUTHORS = 8  # a text used by more authors than this is a community phrase
MIN_LONG_MESSAGES = 10
MIN_SHARED_SHARE = 0.5

# regular_timing
SESSION_GAP_SECONDS = 30 * 60
MIN_GAPS = 20
MAX_REGULAR_CV = 0.35
MAX_PACED_CV = 0.6
MAX_FAST_SHARE = 0.02  # people in a conversation answer within the cooldown now and then

# closed_cluster
MIN_CLUSTER = 3
MAX_CLUSTER = 12
SIGNIFICANT_PARTNER_SHARE = 0.05
MIN_CLUSTER_VOLUME = 6
MAX_CONDUCTANCE = 0.15
# a cluster is only closed off from "the rest" when there is a rest: at least this many other
# active members (twice the cluster's size when that is more)
MIN_OUTSIDE_MEMBERS = 10

# new_accounts
NEW_ACCOUNT_DAYS = 14

# kudos_ring
MIN_RING = 3
MAX_RING = 12  # a circle, not a whole community thanking each other
MIN_RING_KUDOS = 2
MIN_INSIDE_SHARE = 0.8
# ...and thanking is a large part of what they do (friends who also thank each other mostly
# talk: their kudos are a few among many replies)
MIN_KUDOS_SHARE = 0.2


class ReviewInteraction(NamedTuple):
    actor: int
    target: int
    kind: str  # reply | mention | reaction | kudos
    ts: datetime


class ReviewMessage(NamedTuple):
    author: int
    ts: datetime
    text: str  # normalised (lower-case, whitespace folded)


@dataclass(frozen=True, slots=True)
class ReviewInput:
    interactions: Sequence[ReviewInteraction]
    messages: Sequence[ReviewMessage]
    joined: Mapping[int, datetime | None]  # members' joined_at (None: long ago)
    now: datetime
    window_days: int = 7
    cooldown_seconds: int = 60
    # member → when a moderator last decided on them: their evidence before it is not reused
    settled: Mapping[int, datetime] = field(default_factory=dict)
    # member → account creation time (live bot: the snowflake's time); replay has none
    created: Mapping[int, datetime] = field(default_factory=dict)
    bots: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Flag:
    user: int
    reasons: frozenset[str]
    evidence: dict[str, Any]


def window_start(now: datetime, window_days: int) -> datetime:
    return now - timedelta(days=window_days)


# ASCII punctuation and digits → space, on the UTF-8 bytes (bytes.translate is a plain table
# lookup): mentions (<@123>) and numbers do not make canned texts different
_STRIP = bytes(
    32 if chr(b) in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~0123456789" else b for b in range(256)
)


def review_pass(inp: ReviewInput) -> dict[int, Flag]:
    """Flags of the members whose activity in the window looks coordinated or automated.

    A pass builds millions of small objects that hold no cycles: the cyclic garbage collector
    is paused while it runs (it would otherwise walk them again and again)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _review(inp)
    finally:
        if paused:
            gc.enable()


def _review(inp: ReviewInput) -> dict[int, Flag]:
    start = window_start(inp.now, inp.window_days)
    settled = inp.settled
    bots = inp.bots

    def counts(user: int, ts: datetime) -> bool:
        if user in bots:
            return False
        since = settled.get(user)
        return since is None or ts >= since

    now = inp.now
    if settled or bots:
        interactions = [
            i
            for i in inp.interactions
            if start <= i.ts < now and counts(i.actor, i.ts) and counts(i.target, i.ts)
        ]
        messages = [m for m in inp.messages if start <= m.ts < now and counts(m.author, m.ts)]
    else:
        interactions = [i for i in inp.interactions if start <= i.ts < now]
        messages = [m for m in inp.messages if start <= m.ts < now]
    signals: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for user, ev in _shared_text(messages).items():
        signals[user]["shared_text"] = ev
    for user, ev in _regular_timing(interactions, messages, inp.cooldown_seconds).items():
        signals[user]["regular_timing"] = ev
    # who acted towards whom how often: shared by the cluster and kudos signals
    directed = Counter((i.actor, i.target) for i in interactions)
    acted: dict[int, int] = defaultdict(int)
    active: set[int] = set()
    for (a, b), n in directed.items():
        acted[a] += n
        active.add(a)
        active.add(b)
    for user, ev in _clusters_from(directed).items():
        signals[user]["closed_cluster"] = ev
    for user, ev in _new_accounts(active, inp).items():
        signals[user]["new_accounts"] = ev
    kudos = [i for i in interactions if i.kind == "kudos"]
    for user, ev in _kudos_from(kudos, directed, acted).items():
        signals[user]["kudos_ring"] = ev
    flags: dict[int, Flag] = {}
    if len(active) < MIN_COMMUNITY:
        return flags
    for user, found in signals.items():
        if len(found) >= MIN_SIGNALS and acted[user] >= MIN_ACTIVITY:
            flags[user] = Flag(user, frozenset(found), dict(sorted(found.items())))
    return flags


# -- shared_text ----------------------------------------------------------------------------
def _shared_text(messages: Sequence[ReviewMessage]) -> dict[int, dict[str, Any]]:
    # keys are hashes of the whole text and of its first and last words; most keys belong to
    # one author only, so authors are kept as one int until a second author shares the key
    keyed: list[tuple[int, str, tuple[int, ...]]] = []
    first: dict[int, int] = {}
    several: dict[int, set[int]] = {}
    long_count: dict[int, int] = defaultdict(int)
    for author, _ts, text in messages:
        if len(text) < MIN_TEXT_CHARS:
            continue
        tokens = text.encode().translate(_STRIP).split()
        if len(tokens) < MIN_TEXT_TOKENS:
            continue
        long_count[author] += 1
        if len(tokens) > SKELETON_TOKENS + 1:
            keys: tuple[int, ...] = (
                hash(tuple(tokens)),
                hash((1, *tokens[:SKELETON_TOKENS])),
                hash((2, *tokens[-SKELETON_TOKENS:])),
            )
        else:
            keys = (hash(tuple(tokens)),)
        for key in keys:
            seen = first.setdefault(key, author)
            if seen != author:
                group = several.get(key)
                if group is None:
                    several[key] = {seen, author}
                elif len(group) <= MAX_SHARING_AUTHORS:
                    group.add(author)
        keyed.append((author, text, keys))
    shared: dict[int, int] = defaultdict(int)
    partners: dict[int, set[int]] = defaultdict(set)
    samples: dict[int, list[str]] = defaultdict(list)
    for author, text, keys in keyed:
        hit = False
        for key in keys:
            group = several.get(key)
            if group is not None and len(group) <= MAX_SHARING_AUTHORS:
                hit = True
                partners[author] |= group
        if hit:
            shared[author] += 1
            if len(samples[author]) < 3 and text[:80] not in samples[author]:
                samples[author].append(text[:80])
    out: dict[int, dict[str, Any]] = {}
    for author, n in shared.items():
        total = long_count[author]
        if total >= MIN_LONG_MESSAGES and n / total >= MIN_SHARED_SHARE:
            out[author] = {
                "shared": n,
                "messages": total,
                "with": sorted(partners[author] - {author})[:10],
                "samples": samples[author],
            }
    return out


# -- regular_timing -------------------------------------------------------------------------
def _regular_timing(
    interactions: Sequence[ReviewInteraction],
    messages: Sequence[ReviewMessage],
    cooldown: int,
) -> dict[int, dict[str, Any]]:
    times: dict[int, list[float]] = defaultdict(list)
    for m in messages:
        times[m.author].append(m.ts.timestamp())
    for i in interactions:
        if i.kind == "reaction":
            times[i.actor].append(i.ts.timestamp())
    out: dict[int, dict[str, Any]] = {}
    for user, stamps in times.items():
        if len(stamps) <= MIN_GAPS:
            continue
        stamps.sort()
        gaps = [b - a for a, b in itertools.pairwise(stamps) if 0 < b - a < SESSION_GAP_SECONDS]
        if len(gaps) < MIN_GAPS:
            continue
        mean = sum(gaps) / len(gaps)
        cv = math.sqrt(sum((g - mean) ** 2 for g in gaps) / len(gaps)) / mean
        fast = sum(1 for g in gaps if g < cooldown) / len(gaps) if cooldown else 1.0
        if cv <= MAX_REGULAR_CV or (cv <= MAX_PACED_CV and fast <= MAX_FAST_SHARE):
            ordered = sorted(gaps)
            out[user] = {
                "gaps": len(gaps),
                "median_gap_s": round(ordered[len(ordered) // 2], 1),
                "cv": round(cv, 3),
                "under_cooldown": round(fast, 3),
            }
    return out


# -- closed_cluster -------------------------------------------------------------------------
def _directed(
    interactions: Sequence[ReviewInteraction],
) -> tuple[Counter[tuple[int, int]], dict[int, int]]:
    directed = Counter((i.actor, i.target) for i in interactions)
    acted: dict[int, int] = defaultdict(int)
    for (a, _b), n in directed.items():
        acted[a] += n
    return directed, acted


def _closed_clusters(interactions: Sequence[ReviewInteraction]) -> dict[int, dict[str, Any]]:
    return _clusters_from(_directed(interactions)[0])


def _clusters_from(directed: Mapping[tuple[int, int], int]) -> dict[int, dict[str, Any]]:
    weight: dict[int, dict[int, int]] = defaultdict(dict)
    for (a, b), n in directed.items():
        if a == b:
            continue
        row = weight[a]
        row[b] = row.get(b, 0) + n
        row = weight[b]
        row[a] = row.get(a, 0) + n
    degree = {u: sum(ws.values()) for u, ws in weight.items()}
    significant: dict[int, set[int]] = {}
    out: dict[int, dict[str, Any]] = {}
    for user, ws in weight.items():
        total = degree[user]
        if total < MIN_CLUSTER_VOLUME:
            continue
        group = _cluster_of(user, weight, degree, significant)
        if group is None or len(group) < MIN_CLUSTER:
            continue
        if len(weight) - len(group) < max(MIN_OUTSIDE_MEMBERS, 2 * len(group)):
            continue
        volume = sum(degree[v] for v in group)
        inside = sum(w for v in group for x, w in weight[v].items() if x in group)
        cut = volume - inside
        conductance = cut / volume if volume else 1.0
        if conductance < MAX_CONDUCTANCE:
            out[user] = {
                "members": sorted(group),
                "conductance": round(conductance, 3),
                "partners": sorted(ws.items(), key=lambda kv: (-kv[1], kv[0]))[:5],
            }
    return out


def _significant(
    user: int, weight: Mapping[int, Mapping[int, int]], degree: Mapping[int, int]
) -> set[int]:
    least = degree[user] * SIGNIFICANT_PARTNER_SHARE
    return {v for v, w in weight[user].items() if w >= least}


def _cluster_of(
    user: int,
    weight: Mapping[int, Mapping[int, int]],
    degree: Mapping[int, int],
    significant: dict[int, set[int]],
) -> set[int] | None:
    """The member, their significant partners and those partners' significant partners (two
    hops, so a ring where each alt talks to the next one is seen whole); None when that grows
    past MAX_CLUSTER (a member of the wider community)."""
    group = {user}
    frontier = {user}
    for _ in range(2):
        nxt: set[int] = set()
        for v in frontier:
            partners = significant.get(v)
            if partners is None:
                partners = significant[v] = _significant(v, weight, degree)
            if len(partners) > MAX_CLUSTER:
                return None
            nxt |= partners
        nxt -= group
        group |= nxt
        if len(group) > MAX_CLUSTER:
            return None
        frontier = nxt
    return group


# -- new_accounts ---------------------------------------------------------------------------
def _new_accounts(active: set[int], inp: ReviewInput) -> dict[int, dict[str, Any]]:
    recent = inp.now - timedelta(days=NEW_ACCOUNT_DAYS)
    out: dict[int, dict[str, Any]] = {}
    for user in active:
        joined = inp.joined.get(user)
        created = inp.created.get(user)
        if (joined is not None and joined >= recent) or (created is not None and created >= recent):
            ev: dict[str, Any] = {}
            if joined is not None:
                ev["joined"] = joined.isoformat()
            if created is not None:
                ev["created"] = created.isoformat()
            out[user] = ev
    return out


# -- kudos_ring -----------------------------------------------------------------------------
def _kudos_rings(interactions: Sequence[ReviewInteraction]) -> dict[int, dict[str, Any]]:
    directed, acted = _directed(interactions)
    return _kudos_from([i for i in interactions if i.kind == "kudos"], directed, acted)


def _kudos_from(
    kudos: Sequence[ReviewInteraction],
    directed: Mapping[tuple[int, int], int],
    acted: Mapping[int, int],
) -> dict[int, dict[str, Any]]:
    given: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for i in kudos:
        if i.kind == "kudos" and i.actor != i.target:
            given[i.actor][i.target] += 1
    if not given:
        return {}
    received: dict[int, int] = defaultdict(int)
    for targets in given.values():
        for target, n in targets.items():
            received[target] += n
    out: dict[int, dict[str, Any]] = {}
    for component in _strongly_connected({g: set(t) for g, t in given.items()}):
        if not MIN_RING <= len(component) <= MAX_RING:
            continue
        # passed around: inside the circle each member thanks exactly one other and is thanked
        # by exactly one (friends thank in every direction); then one round is evidence enough
        inside = {u: [t for t in given[u] if t in component] for u in component}
        relay = all(len(targets) == 1 for targets in inside.values()) and len(
            {t for targets in inside.values() for t in targets}
        ) == len(component)
        for user in component:
            # one relayed round is enough only from members who also mostly talk inside it
            talk_in = sum(directed.get((user, t), 0) for t in component)
            least = 1 if relay and talk_in >= MIN_INSIDE_SHARE * acted[user] else MIN_RING_KUDOS
            out_all = sum(given[user].values())
            out_in = sum(n for t, n in given[user].items() if t in component)
            in_in = sum(given[g].get(user, 0) for g in component)
            if (
                out_all >= least
                and out_all / acted[user] >= MIN_KUDOS_SHARE
                and out_in / out_all >= MIN_INSIDE_SHARE
                and received[user]
                and in_in / received[user] >= MIN_INSIDE_SHARE
            ):
                out[user] = {
                    "circle": sorted(component),
                    "given": out_in,
                    "received": in_in,
                    "relay": relay,
                }
    return out


def _strongly_connected(graph: Mapping[int, set[int]]) -> list[set[int]]:
    """Tarjan's algorithm, iterative (no recursion limit on large graphs)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[set[int]] = []
    counter = 0
    nodes = set(graph) | {v for vs in graph.values() for v in vs}
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[int, list[int]]] = [(root, sorted(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            if children:
                child = children.pop()
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[int] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                out.append(component)
    return out


def day_end(ts: datetime, zone: Any) -> datetime:
    """The end of `ts`'s local day (the next local midnight), as an aware time in `zone`."""
    local = ts.astimezone(zone)
    following = local.date() + timedelta(days=1)
    return datetime(following.year, following.month, following.day, tzinfo=zone)
