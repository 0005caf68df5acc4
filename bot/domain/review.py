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
- `kudos_ring`: the member is in a circle of kudos (a strongly connected group of 3 or more
  in the kudos graph) and gives and receives their kudos mostly inside it.

What it cannot catch: a slow ring that mimics honest volume, writes its own text, keeps human
timing and talks to enough honest members looks like a friend group — the volume rules of
§3 already cap what it earns, and moderators can still exclude its members.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
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
MIN_ACTIVITY = 8

# shared_text
MIN_TEXT_TOKENS = 4  # shorter messages ("gm", "thanks!", "lol", "+1 nice") are never evidence
MIN_TEXT_CHARS = 12
SKELETON_TOKENS = 4  # the first / last words that make a template's skeleton
MAX_SHARING_AUTHORS = 8  # a text used by more authors than this is a community phrase
MIN_LONG_MESSAGES = 6
MIN_SHARED_SHARE = 0.3

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
MIN_CLUSTER_VOLUME = 12
MAX_CONDUCTANCE = 0.15
# a cluster is only closed off from "the rest" when there is a rest: at least this many other
# active members (twice the cluster's size when that is more)
MIN_OUTSIDE_MEMBERS = 10

# new_accounts
NEW_ACCOUNT_DAYS = 14

# kudos_ring
MIN_RING = 3
MIN_RING_KUDOS = 2
MIN_INSIDE_SHARE = 0.8


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


_STRIP = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})


def _tokens(text: str) -> list[str]:
    return text.translate(_STRIP).split()


def review_pass(inp: ReviewInput) -> dict[int, Flag]:
    """Flags of the members whose activity in the window looks coordinated or automated."""
    start = window_start(inp.now, inp.window_days)
    settled = inp.settled
    bots = inp.bots

    def counts(user: int, ts: datetime) -> bool:
        if user in bots:
            return False
        since = settled.get(user)
        return since is None or ts >= since

    interactions = [
        i
        for i in inp.interactions
        if start <= i.ts < inp.now and counts(i.actor, i.ts) and counts(i.target, i.ts)
    ]
    messages = [m for m in inp.messages if start <= m.ts < inp.now and counts(m.author, m.ts)]
    signals: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for user, ev in _shared_text(messages).items():
        signals[user]["shared_text"] = ev
    for user, ev in _regular_timing(interactions, messages, inp.cooldown_seconds).items():
        signals[user]["regular_timing"] = ev
    for user, ev in _closed_clusters(interactions).items():
        signals[user]["closed_cluster"] = ev
    active = {i.actor for i in interactions} | {i.target for i in interactions}
    for user, ev in _new_accounts(active, inp).items():
        signals[user]["new_accounts"] = ev
    for user, ev in _kudos_rings(interactions).items():
        signals[user]["kudos_ring"] = ev
    acted: dict[int, int] = defaultdict(int)
    for i in interactions:
        acted[i.actor] += 1
    flags: dict[int, Flag] = {}
    for user, found in signals.items():
        if len(found) >= MIN_SIGNALS and acted[user] >= MIN_ACTIVITY:
            flags[user] = Flag(user, frozenset(found), dict(sorted(found.items())))
    return flags


# -- shared_text ----------------------------------------------------------------------------
def _shared_text(messages: Sequence[ReviewMessage]) -> dict[int, dict[str, Any]]:
    keys_of: list[tuple[int, str, tuple[str, ...]]] = []
    authors_of: dict[str, set[int]] = defaultdict(set)
    long_count: dict[int, int] = defaultdict(int)
    for m in messages:
        if len(m.text) < MIN_TEXT_CHARS:
            continue
        tokens = _tokens(m.text)
        if len(tokens) < MIN_TEXT_TOKENS:
            continue
        long_count[m.author] += 1
        keys = ["t:" + " ".join(tokens)]
        if len(tokens) > SKELETON_TOKENS + 1:
            keys.append("p:" + " ".join(tokens[:SKELETON_TOKENS]))
            keys.append("s:" + " ".join(tokens[-SKELETON_TOKENS:]))
        for key in keys:
            authors_of[key].add(m.author)
        keys_of.append((m.author, m.text, tuple(keys)))
    shared: dict[int, int] = defaultdict(int)
    partners: dict[int, set[int]] = defaultdict(set)
    samples: dict[int, list[str]] = defaultdict(list)
    for author, text, message_keys in keys_of:
        hit = False
        for key in message_keys:
            group = authors_of[key]
            if 2 <= len(group) <= MAX_SHARING_AUTHORS:
                hit = True
                partners[author] |= group
        if hit:
            shared[author] += 1
            if len(samples[author]) < 3 and text not in samples[author]:
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
        gaps = [
            b - a
            for a, b in itertools.pairwise(stamps)
            if 0 < b - a < SESSION_GAP_SECONDS
        ]
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
def _closed_clusters(interactions: Sequence[ReviewInteraction]) -> dict[int, dict[str, Any]]:
    weight: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for i in interactions:
        a, b = i.actor, i.target
        if a == b:
            continue
        weight[a][b] += 1
        weight[b][a] += 1
    degree = {u: sum(ws.values()) for u, ws in weight.items()}
    out: dict[int, dict[str, Any]] = {}
    for user, ws in weight.items():
        total = degree[user]
        if total < MIN_CLUSTER_VOLUME:
            continue
        least = total * SIGNIFICANT_PARTNER_SHARE
        group = {v for v, w in ws.items() if w >= least}
        group.add(user)
        if not MIN_CLUSTER <= len(group) <= MAX_CLUSTER:
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
    given: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for i in interactions:
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
        if len(component) < MIN_RING:
            continue
        for user in component:
            out_all = sum(given[user].values())
            out_in = sum(n for t, n in given[user].items() if t in component)
            in_in = sum(given[g].get(user, 0) for g in component)
            if (
                out_all >= MIN_RING_KUDOS
                and out_in / out_all >= MIN_INSIDE_SHARE
                and received[user]
                and in_in / received[user] >= MIN_INSIDE_SHARE
            ):
                out[user] = {"circle": sorted(component), "given": out_in, "received": in_in}
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
