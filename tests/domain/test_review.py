"""The authenticity review pass (SPEC §10): each signal alone, the hard negatives, and the
rules that combine them (two signals, enough activity, settled evidence, bots, the window)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.domain import review as R
from bot.domain.review import (
    MAX_CONDUCTANCE,
    MAX_REGULAR_CV,
    MAX_SHARING_AUTHORS,
    MIN_ACTIVITY,
    MIN_GAPS,
    MIN_LONG_MESSAGES,
    MIN_OUTSIDE_MEMBERS,
    MIN_SHARED_SHARE,
    MIN_SIGNALS,
    MIN_TEXT_CHARS,
    MIN_TEXT_TOKENS,
    NEW_ACCOUNT_DAYS,
    REASONS,
    Flag,
    ReviewInput,
    ReviewInteraction,
    ReviewMessage,
    review_pass,
)
from tests.domain.review_scenarios import (
    CANNED,
    LONG_AGO,
    NOW,
    RECENT,
    VOCAB,
    WEEK_AGO,
    Community,
    at,
    conversation,
    honest_community,
    human_gaps,
    ring,
    stamps,
    varied_text,
)

HONEST = list(range(100, 136))  # 36 established members
RING = [500, 501, 502, 503, 504]
LONG = MIN_LONG_MESSAGES + 2  # enough longer messages to be judged on text

# the evidence each signal documents (a signal may add more)
EVIDENCE_KEYS = {
    "shared_text": {"shared", "messages", "with", "samples"},
    "regular_timing": {"gaps", "median_gap_s", "cv", "under_cooldown"},
    "closed_cluster": {"members", "conductance", "partners"},
    "kudos_ring": {"circle", "given", "received"},
}


def community(seed: int = 1, *, kudos: float = 0.0) -> Community:
    c = Community()
    honest_community(c, HONEST, random.Random(seed), kudos=kudos)
    return c


def signals_of(inp: ReviewInput) -> dict[int, set[str]]:
    """Every signal each member shows, by the helpers, on events that are all in the window."""
    active = {i.actor for i in inp.interactions} | {i.target for i in inp.interactions}
    found: dict[int, set[str]] = defaultdict(set)
    for name, hits in (
        ("shared_text", R._shared_text(inp.messages)),
        ("regular_timing", R._regular_timing(inp.interactions, inp.messages, inp.cooldown_seconds)),
        ("closed_cluster", R._closed_clusters(inp.interactions)),
        ("new_accounts", R._new_accounts(active, inp)),
        ("kudos_ring", R._kudos_rings(inp.interactions)),
    ):
        for user in hits:
            found[user].add(name)
    return found


def timed(author: int, times: list[datetime], text: str = "x") -> list[ReviewMessage]:
    return [ReviewMessage(author, t, text) for t in times]


def check_flag(flag: Flag) -> None:
    assert len(flag.reasons) >= MIN_SIGNALS
    assert flag.reasons <= set(REASONS)
    assert set(flag.evidence) == flag.reasons
    for reason, ev in flag.evidence.items():
        if reason == "new_accounts":
            assert set(ev) and set(ev) <= {"joined", "created"}
        else:
            assert EVIDENCE_KEYS[reason] <= set(ev)


# -- the honest baseline ---------------------------------------------------------------------
def test_honest_community_shows_no_text_timing_or_cluster_signal() -> None:
    c = community()
    inp = c.input()
    assert len(c.messages) > 2000
    found = signals_of(inp)
    assert not any(found.values())
    assert review_pass(inp) == {}


# -- shared_text -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [4, 5])
def test_shared_text_canned_ring_fires(size: int) -> None:
    c = community()
    members = RING[:size]
    rng = random.Random(3)
    for i, m in enumerate(members):
        for k in range(LONG):
            c.say(m, at(3600 + 600 * k + i), rng.choice(CANNED))
    found = R._shared_text(c.messages)
    assert set(found) == set(members)
    for m in members:
        ev = found[m]
        assert ev["shared"] == ev["messages"] == LONG
        assert set(ev["with"]) <= set(members) - {m}
        assert ev["with"]
        assert 1 <= len(ev["samples"]) <= 3


@pytest.mark.parametrize(
    "template",
    [
        "thanks for the stream {} really loved the music",  # both skeletons fixed
        "thanks for the stream {} {} {}",  # only the first four words fixed
        "{} {} {} really loved the music",  # only the last four words fixed
    ],
)
def test_shared_text_template_with_changing_words_fires(template: str) -> None:
    c = community()
    rng = random.Random(4)
    slots = template.count("{}")
    words = iter(rng.sample(VOCAB, 4 * LONG * slots))
    texts = set()
    for i, m in enumerate(RING[:4]):
        for k in range(LONG):
            text = template.format(*(next(words) for _ in range(slots)))
            texts.add(text)
            c.say(m, at(7200 + 300 * k + i), text)
    assert len(texts) == 4 * LONG  # no two messages are the same: only the skeleton is shared
    assert set(R._shared_text(c.messages)) == set(RING[:4])


def test_shared_text_five_word_message_has_no_skeleton() -> None:
    # a message of exactly SKELETON_TOKENS + 1 words is judged by its whole text only
    c = Community()
    rng = random.Random(5)
    for i, m in enumerate(RING[:4]):
        for k in range(LONG):
            c.say(m, at(600 * k + i), f"see you all later {varied_text(rng, 1, 1)}")
    assert R._shared_text(c.messages) == {}


PHRASES = (
    "gm",
    "thanks!",
    "lol",
    "good morning everyone",
    "good morning everyone, have a great day",
)


@pytest.mark.parametrize(
    ("authors", "fires"),
    [(MAX_SHARING_AUTHORS, True), (MAX_SHARING_AUTHORS + 1, False), (20, False)],
)
def test_community_phrases_never_fire(authors: int, fires: bool) -> None:
    # members who say little else than the guild's greetings, every day
    c = community()
    users = list(range(700, 700 + authors))
    for u in users:
        for day in range(7):
            for k, phrase in enumerate(PHRASES):
                c.say(u, WEEK_AGO + timedelta(days=day, hours=8, seconds=k * 40 + u), phrase)
    found = R._shared_text(c.messages)
    if fires:
        # used by only a few authors, greetings are indistinguishable from canned text
        assert set(users) <= set(found)
    else:
        assert found == {}
    # whatever the count, one-word texts are never evidence
    one_word = [m for m in c.messages if len(m.text.split()) == 1]
    assert len(one_word) == 7 * 3 * authors
    assert R._shared_text(one_word) == {}


def test_short_texts_are_ignored() -> None:
    c = Community()
    rng = random.Random(7)
    few_words = " ".join(["congratulations", "everyone", "tonight", "folks"][: MIN_TEXT_TOKENS - 1])
    few_chars = " ".join(["ok"] * MIN_TEXT_TOKENS)
    short = ("gm", "thanks!", "lol", few_words, few_chars, "+1")
    assert len(few_words) >= MIN_TEXT_CHARS
    assert len(few_chars) < MIN_TEXT_CHARS
    for i, m in enumerate(RING):
        for k in range(5 * LONG):
            c.say(m, at(60 * k + i), short[k % len(short)])
        for k in range(LONG):
            c.say(m, at(50_000 + 60 * k + i), varied_text(rng))
    assert R._shared_text(c.messages) == {}


def test_a_couple_of_shared_messages_among_many_varied_do_not_fire() -> None:
    c = community()
    rng = random.Random(8)
    casual = 999
    for i, m in enumerate(RING):
        for k in range(LONG):
            c.say(m, at(3600 + 600 * k + i), CANNED[(i + k) % len(CANNED)])
    c.say(casual, at(100), CANNED[0])
    c.say(casual, at(200), CANNED[1])
    for k in range(3 * LONG):
        c.say(casual, at(400 + 100 * k), varied_text(rng))
    found = R._shared_text(c.messages)
    assert set(found) == set(RING)
    assert casual not in found
    assert casual in found[RING[0]]["with"]  # the texts really are shared with the ring


@pytest.mark.parametrize(
    ("count", "fires"), [(MIN_LONG_MESSAGES - 1, False), (MIN_LONG_MESSAGES, True)]
)
def test_shared_text_needs_enough_long_messages(count: int, fires: bool) -> None:
    c = Community()
    for k in range(count):
        for i, m in enumerate(RING[:3]):
            c.say(m, at(600 * k + i), CANNED[k % len(CANNED)])
    assert (set(R._shared_text(c.messages)) == set(RING[:3])) is fires


def test_shared_text_needs_a_large_share() -> None:
    rng = random.Random(9)
    total = 4 * LONG
    below = int(total * MIN_SHARED_SHARE) - 1
    c = Community()
    for i, m in enumerate(RING[:3]):
        for k in range(total):
            text = CANNED[k % len(CANNED)] if k < below or m != RING[0] else varied_text(rng)
            c.say(m, at(600 * k + i), text)
    found = R._shared_text(c.messages)
    assert RING[0] not in found
    assert found[RING[1]]["shared"] == total


# -- regular_timing --------------------------------------------------------------------------
def test_every_61_seconds_fires() -> None:
    found = R._regular_timing([], timed(1, stamps(at(0), [61.0] * 40)), 60)
    assert found == {1: {"gaps": 40, "median_gap_s": 61.0, "cv": 0.0, "under_cooldown": 0.0}}


def test_reactions_count_as_actions_and_other_kinds_do_not() -> None:
    times = stamps(at(0), [61.0] * 40)
    reactions = [ReviewInteraction(1, 2, "reaction", t) for t in times]
    assert set(R._regular_timing(reactions, [], 60)) == {1}
    replies = [ReviewInteraction(1, 2, kind, t) for t in times for kind in ("reply", "kudos")]
    assert R._regular_timing(replies, [], 60) == {}


@pytest.mark.parametrize(("stamps_n", "fires"), [(MIN_GAPS, False), (MIN_GAPS + 1, True)])
def test_regular_timing_needs_enough_gaps(stamps_n: int, fires: bool) -> None:
    found = R._regular_timing([], timed(1, stamps(at(0), [61.0] * (stamps_n - 1))), 60)
    assert bool(found) is fires


def test_uniform_jitter_61_to_150_seconds_fires() -> None:
    for seed in range(10):
        rng = random.Random(seed)
        gaps = [rng.uniform(61, 150) for _ in range(40)]
        found = R._regular_timing([], timed(1, stamps(at(0), gaps)), 60)
        assert set(found) == {1}
        assert found[1]["under_cooldown"] == 0.0


def test_paced_jitter_fires_only_while_no_gap_is_under_the_cooldown() -> None:
    rng = random.Random(11)
    gaps = [rng.uniform(61, 500) for _ in range(40)]
    msgs = timed(1, stamps(at(0), gaps))
    found = R._regular_timing([], msgs, 60)
    assert set(found) == {1}
    assert found[1]["cv"] > MAX_REGULAR_CV  # not regular: caught because it paces itself
    assert found[1]["under_cooldown"] == 0.0
    # the same times against a longer cooldown, or none: many gaps are "fast", not paced
    assert R._regular_timing([], msgs, 300) == {}
    assert R._regular_timing([], msgs, 0) == {}
    # and a few quick answers among them are human enough
    quick = [*gaps[:36], 5.0, 9.0, 20.0, 30.0]
    assert R._regular_timing([], timed(1, stamps(at(0), quick)), 60) == {}


def test_exponential_human_gaps_do_not_fire() -> None:
    for seed in range(30):
        rng = random.Random(seed)
        gaps = human_gaps(rng, 60, mean=180)
        assert sum(g < 60 for g in gaps) >= 8  # many answers within the cooldown
        assert R._regular_timing([], timed(1, stamps(at(0), gaps)), 60) == {}


def test_daily_poster_at_the_same_minute_does_not_fire() -> None:
    first = datetime(2024, 5, 11, 9, 0, tzinfo=UTC)
    times = [first + timedelta(days=d) for d in range(30)]
    assert times[-1] < NOW
    msgs = timed(1, times, "good morning, here is the daily word puzzle")
    # every gap is exactly a day (cv 0), but no gap is inside a session
    assert R._regular_timing([], msgs, 60) == {}
    assert set(R._regular_timing([], timed(1, stamps(at(0), [600.0] * 29)), 60)) == {1}
    # through the pass too, with a 30-day window, in a community
    c = community()
    for k, m in enumerate(msgs):
        c.say(m.author, m.ts, m.text, HONEST[k])
    inp = c.input(window_days=30)
    assert "regular_timing" not in signals_of(inp).get(1, set())
    assert review_pass(inp) == {}


def test_long_two_person_conversation_does_not_fire() -> None:
    c = community()
    a, b = 900, 901
    conversation(c, a, b, random.Random(12), messages=300)
    assert sum(m.author == a for m in c.messages) > 100
    assert R._regular_timing(c.interactions, c.messages, 60) == {}
    # two new members who talk a lot with each other are still only new
    c.join([a, b], RECENT)
    assert signals_of(c.input())[a] == {"new_accounts"}
    assert review_pass(c.input()) == {}


# -- closed_cluster --------------------------------------------------------------------------
def test_closed_ring_inside_an_active_community_fires() -> None:
    c = community()
    ring(c, RING, kudos_days=0)
    found = R._closed_clusters(c.interactions)
    assert set(found) == set(RING)
    for m in RING:
        assert found[m]["members"] == RING
        assert found[m]["conductance"] == 0.0
        assert {p for p, _ in found[m]["partners"]} == set(RING) - {m}


def test_connector_with_twenty_partners_does_not_fire() -> None:
    c = community()
    connector = 999
    for k, p in enumerate(HONEST[:20]):
        for j in range(3):
            c.act(connector, p, "reply", at(3600 + 200 * k + 50 * j))
    found = R._closed_clusters(c.interactions)
    assert found == {}
    # the connector's partners are all significant: the "cluster" is too big to be a ring
    only = [i for i in c.interactions if connector in (i.actor, i.target)]
    assert R._closed_clusters(only) == {}


@pytest.mark.parametrize(
    ("size", "others", "fires"),
    [
        (5, MIN_OUTSIDE_MEMBERS - 1, False),
        (5, MIN_OUTSIDE_MEMBERS, True),
        (6, 2 * 6 - 1, False),  # twice the cluster's size when that is more
        (6, 2 * 6, True),
        (5, 0, False),
    ],
)
def test_a_ring_with_no_rest_of_the_community_does_not_fire(
    size: int, others: int, fires: bool
) -> None:
    c = Community()
    members = list(range(500, 500 + size))
    if others:
        honest_community(c, HONEST[:others], random.Random(13), days=2)
    ring(c, members, kudos_days=0)
    found = R._closed_clusters(c.interactions)
    assert (set(members) <= set(found)) is fires
    assert not set(members) & set(found) or fires


@pytest.mark.parametrize(("share", "fires"), [(0.05, True), (0.30, False)])
def test_a_ring_with_some_outside_contact(share: float, fires: bool) -> None:
    c = community()
    ring(c, RING, outside=HONEST, outside_share=share, rng=random.Random(14), count=60)
    # the share of the ring's contact (each interaction counted at both ends) that is outside
    cut = sum(1 for i in c.interactions if (i.actor in RING) != (i.target in RING))
    inside = sum(1 for i in c.interactions if i.actor in RING and i.target in RING)
    assert cut / (cut + 2 * inside) == pytest.approx(share, abs=0.04)
    found = R._closed_clusters(c.interactions)
    if fires:
        assert set(found) == set(RING)
        assert all(0 < found[m]["conductance"] < MAX_CONDUCTANCE for m in RING)
    else:
        assert not set(found) & set(RING)


# -- new_accounts ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("joined", "created", "fires"),
    [
        (NOW - timedelta(days=1), None, True),
        (NOW - timedelta(days=NEW_ACCOUNT_DAYS), None, True),
        (NOW - timedelta(days=NEW_ACCOUNT_DAYS, seconds=1), None, False),
        (LONG_AGO, None, False),
        (None, None, False),
        (None, NOW - timedelta(days=2), True),  # a recent account, in a guild long ago
        (LONG_AGO, NOW - timedelta(days=2), True),
        (LONG_AGO, LONG_AGO, False),
    ],
)
def test_new_accounts(joined: datetime | None, created: datetime | None, fires: bool) -> None:
    inp = ReviewInput(
        [ReviewInteraction(1, 2, "reply", at(10))],
        [],
        {1: joined},
        NOW,
        created={1: created} if created else {},
    )
    found = R._new_accounts({1}, inp)
    assert (1 in found) is fires
    if fires:
        ev = found[1]
        assert ev.get("joined") == (joined.isoformat() if joined else None)
        assert ev.get("created") == (created.isoformat() if created else None)


def test_new_accounts_only_judges_active_members() -> None:
    c = community()
    c.join([900, 901, 902], RECENT)
    c.say(900, at(100), varied_text(random.Random(1)))  # a message, no interaction
    c.act(HONEST[0], 901, "reply", at(200))  # only answered
    found = signals_of(c.input())
    assert "new_accounts" not in found.get(900, set())
    assert "new_accounts" in found[901]
    assert 902 not in found


# -- kudos_ring ------------------------------------------------------------------------------
def kudos(pairs: list[tuple[int, int]], days: int = 7) -> list[ReviewInteraction]:
    return [
        ReviewInteraction(a, b, "kudos", WEEK_AGO + timedelta(days=d, hours=3, seconds=k))
        for d in range(days)
        for k, (a, b) in enumerate(pairs)
    ]


def test_daily_kudos_circle_of_three_fires_for_all() -> None:
    found = R._kudos_rings(kudos([(1, 2), (2, 3), (3, 1)]))
    assert set(found) == {1, 2, 3}
    for u in (1, 2, 3):
        assert EVIDENCE_KEYS["kudos_ring"] <= set(found[u])
        assert (found[u]["circle"], found[u]["given"], found[u]["received"]) == ([1, 2, 3], 7, 7)


def test_mutual_thanks_between_two_does_not_fire() -> None:
    assert R._kudos_rings(kudos([(1, 2), (2, 1)])) == {}


def test_circle_whose_members_give_most_kudos_outside_does_not_fire() -> None:
    inside = kudos([(1, 2), (2, 3), (3, 1)], days=1)
    outside = [
        ReviewInteraction(u, 100 + 10 * u + k, "kudos", at(7200 + k))
        for u in (1, 2, 3)
        for k in range(4)
    ]
    assert R._kudos_rings(inside + outside) == {}
    # four of five inside is still a circle
    one_out = [ReviewInteraction(u, 100 + u, "kudos", at(9000)) for u in (1, 2, 3)]
    assert set(R._kudos_rings(kudos([(1, 2), (2, 3), (3, 1)], days=4) + one_out)) == {1, 2, 3}


def test_circle_whose_members_receive_most_kudos_from_outside_does_not_fire() -> None:
    inside = kudos([(1, 2), (2, 3), (3, 1)], days=2)
    fans = [
        ReviewInteraction(200 + k, u, "kudos", at(7200 + k)) for u in (1, 2, 3) for k in range(3)
    ]
    assert R._kudos_rings(inside + fans) == {}


def test_a_single_kudos_in_a_circle_is_not_enough() -> None:
    # 1 and 3 thank in both directions; 2 gave one kudos only
    found = R._kudos_rings(kudos([(1, 2), (2, 3), (3, 1), (1, 3), (3, 2)], days=1))
    assert set(found) == {1, 3}
    assert found[1]["circle"] == [1, 2, 3]


def test_one_relayed_round_is_a_circle() -> None:
    # each thanks exactly the next one: passed around, one round is evidence enough
    found = R._kudos_rings(kudos([(1, 2), (2, 3), (3, 4), (4, 1)], days=1))
    assert set(found) == {1, 2, 3, 4}
    assert found[1]["circle"] == [1, 2, 3, 4]


@pytest.mark.parametrize(("chatter", "fires"), [(20, True), (60, False)])
def test_kudos_must_be_a_large_share_of_what_the_circle_does(chatter: int, fires: bool) -> None:
    circle = kudos([(1, 2), (2, 3), (3, 1)])  # 7 each
    talk = [
        ReviewInteraction(u, 100 + k % 9, "reply", at(600 * k + u))
        for u in (1, 2, 3)
        for k in range(chatter)
    ]
    share = 7 / (7 + chatter)
    assert (share >= R.MIN_KUDOS_SHARE) is fires
    assert set(R._kudos_rings(circle + talk)) == ({1, 2, 3} if fires else set())


def test_kudos_self_and_other_kinds_are_ignored() -> None:
    replies = [i._replace(kind="reply") for i in kudos([(1, 2), (2, 3), (3, 1)])]
    selfish = kudos([(1, 1), (2, 2), (3, 3)])
    assert R._kudos_rings(replies + selfish) == {}


def kudos_graph(c: Community) -> dict[int, set[int]]:
    graph: dict[int, set[int]] = defaultdict(set)
    for i in c.interactions:
        if i.kind == "kudos":
            graph[i.actor].add(i.target)
    return graph


def components(graph: dict[int, set[int]]) -> set[frozenset[int]]:
    return {frozenset(c) for c in R._strongly_connected(graph)}


def test_strongly_connected_known_example() -> None:
    graph = {
        1: {2},
        2: {3},
        3: {1},
        4: {2, 3, 5},
        5: {4, 6},
        6: {3, 7},
        7: {6},
        8: {5, 7, 8},
        9: {10},  # 10 only appears as a target
    }
    assert components(graph) == {
        frozenset({1, 2, 3}),
        frozenset({4, 5}),
        frozenset({6, 7}),
        frozenset({8}),
        frozenset({9}),
        frozenset({10}),
    }
    assert components({}) == set()


def test_strongly_connected_long_chain_and_cycle() -> None:
    n = 5000
    chain = {i: {i + 1} for i in range(n - 1)}
    found = R._strongly_connected(chain)
    assert len(found) == n
    assert all(len(c) == 1 for c in found)
    cycle = {i: {(i + 1) % n} for i in range(n)}
    assert components(cycle) == {frozenset(range(n))}
    # a chain of two-cycles: each pair is its own component
    pairs = {i: {i + 1} if i % 2 == 0 else {i - 1, i + 1} for i in range(n)}
    got = components(pairs)
    assert frozenset({0, 1}) in got
    assert sum(len(c) for c in got) == n + 1  # n (the last target) is a singleton


# -- combination -----------------------------------------------------------------------------
def full_ring_community() -> Community:
    c = community()
    c.join(RING, RECENT)
    ring(c, RING)
    return c


def test_a_farming_ring_is_flagged_with_every_reason_and_evidence() -> None:
    c = full_ring_community()
    flags = review_pass(c.input())
    assert set(flags) == set(RING)
    for m in RING:
        flag = flags[m]
        assert flag.user == m
        assert flag.reasons == set(REASONS) - {"other"}
        check_flag(flag)
        assert list(flag.evidence) == sorted(flag.evidence)
        assert flag.evidence["new_accounts"] == {"joined": RECENT.isoformat()}
        assert flag.evidence["closed_cluster"]["members"] == RING
        assert flag.evidence["kudos_ring"]["circle"] == RING
        assert flag.evidence["regular_timing"]["median_gap_s"] == 61.0
        assert set(flag.evidence["shared_text"]["with"]) <= set(RING)


def test_the_ring_without_new_accounts_is_still_flagged() -> None:
    c = community()
    ring(c, RING)
    flags = review_pass(c.input())
    assert set(flags) == set(RING)
    assert all("new_accounts" not in f.reasons for f in flags.values())


def one_signal_scenarios() -> dict[str, tuple[Community, set[int], str]]:
    out: dict[str, tuple[Community, set[int], str]] = {}
    rng = random.Random(21)

    friends = [200, 201, 202, 203, 204]
    c = community()
    honest_community(c, friends, rng, partners=friends)
    out["tight friend group"] = (c, set(friends), "closed_cluster")

    c = community()
    newbie = 900
    c.join([newbie], RECENT)
    t = RECENT + timedelta(hours=2)
    for k, e in enumerate(HONEST[:12]):
        c.say(newbie, t + timedelta(minutes=9 * k), varied_text(rng), e)
        c.say(e, t + timedelta(minutes=9 * k, seconds=45), varied_text(rng), newbie)
    out["enthusiastic new member"] = (c, {newbie}, "new_accounts")

    c = community()
    gm = 901
    c.join([gm], RECENT)
    for day in range(7):
        base = WEEK_AGO + timedelta(days=day, hours=8)
        for k, u in enumerate([gm, *HONEST[:12]]):
            to = HONEST[(k + day) % 30 + 1]
            c.say(u, base + timedelta(seconds=30 * k), "gm everyone", to)
            c.say(u, base + timedelta(seconds=30 * k + 5), PHRASES[-1], to)
    out["gm everyone"] = (c, {gm}, "new_accounts")

    c = community()
    metronome = 902
    for k, t in enumerate(stamps(at(3600), [61.0] * 60)):
        c.say(metronome, t, varied_text(rng), HONEST[k % len(HONEST)])
    out["punctual old member"] = (c, {metronome}, "regular_timing")

    c = community()
    announcers = [903, 904, 905]
    for i, a in enumerate(announcers):
        for k in range(LONG):
            t = at(4000 + 3000 * k + 17 * i) + timedelta(seconds=rng.uniform(0, 900))
            c.say(
                a, t, f"reminder: the weekly event starts at {k + 5} pm", HONEST[(3 * k + i) % 36]
            )
            c.act(a, HONEST[(3 * k + i + 7) % 36], "reaction", t + timedelta(seconds=30))
    out["announcers sharing a template"] = (c, set(announcers), "shared_text")

    c = community()
    trio = [906, 907, 908]
    for i, f in enumerate(trio):
        for k, t in enumerate(stamps(at(5000 + 900 * i), human_gaps(rng, 20, 400))):
            c.say(f, t, varied_text(rng), HONEST[(k * 5 + i) % 36])
        for day in range(7):
            c.act(f, trio[(i + 1) % 3], "kudos", WEEK_AGO + timedelta(days=day, hours=20))
    out["friends thanking each other"] = (c, set(trio), "kudos_ring")
    return out


@pytest.mark.parametrize("name", list(one_signal_scenarios()))
def test_one_signal_alone_never_flags(name: str) -> None:
    c, subjects, signal = one_signal_scenarios()[name]
    inp = c.input()
    found = signals_of(inp)
    acted: dict[int, int] = defaultdict(int)
    for i in inp.interactions:
        acted[i.actor] += 1
    showing = {u for u in subjects if found.get(u) == {signal}}
    assert showing  # the scenario really shows that one signal, and nothing else
    assert all(acted[u] >= MIN_ACTIVITY for u in showing)
    assert not set(review_pass(inp)) & subjects


def test_enthusiastic_new_member_who_gives_kudos_is_not_flagged() -> None:
    # In a community where kudos flow both ways, the whole giving community is one strongly
    # connected component, inside which every member gives and receives all their kudos: it
    # must not count as a "circle" (ecc8af9 flagged this newcomer new_accounts + kudos_ring).
    c = community(kudos=0.05)
    assert len(max(R._strongly_connected(kudos_graph(c)), key=len)) > 20
    rng = random.Random(22)
    newbie = 900
    c.join([newbie], RECENT)
    t = RECENT + timedelta(hours=2)
    for k, e in enumerate(HONEST[:10]):
        c.say(newbie, t + timedelta(minutes=7 * k), varied_text(rng), e)
        c.say(e, t + timedelta(minutes=7 * k, seconds=40), varied_text(rng), newbie)
    for e in HONEST[:5]:
        c.act(newbie, e, "kudos", t + timedelta(hours=1))
    for e in HONEST[5:8]:
        c.act(e, newbie, "kudos", t + timedelta(hours=1))
    assert newbie not in review_pass(c.input())


@pytest.mark.parametrize(
    "per_day",
    # twice a day is about 16% of what they do: under MIN_KUDOS_SHARE, so the circle alone
    # of a closed group that mostly talks is not a kudos ring
    [1, 2],
)
def test_tight_friend_group_that_thanks_each_other_is_not_flagged(per_day: int) -> None:
    friends = [200, 201, 202, 203, 204]
    c = community()
    honest_community(c, friends, random.Random(23), partners=friends)
    for day in range(7):
        for i, f in enumerate(friends):
            for j in range(1, per_day + 1):
                to = friends[(i + j) % 5]
                c.act(f, to, "kudos", WEEK_AGO + timedelta(days=day, hours=21, seconds=j))
    inp = c.input()
    assert all("closed_cluster" in signals_of(inp)[f] for f in friends)
    assert not set(review_pass(inp)) & set(friends)


@pytest.mark.parametrize(
    "replies",
    # with 3 replies the one relayed kudos is a quarter of what they do, but they talk with
    # the community, not inside the circle: one round is not evidence for them
    [14, 3],
)
def test_new_friends_who_each_thank_one_another_once_are_not_flagged(replies: int) -> None:
    # three friends who joined together, talk with the whole community at a human pace and,
    # over the week, each gave one kudos: to the next of the three
    c = community()
    rng = random.Random(5)
    trio = [906, 907, 908]
    c.join(trio, RECENT)
    for i, f in enumerate(trio):
        times = stamps(RECENT + timedelta(hours=i), human_gaps(rng, replies - 1, 300))
        for k, t in enumerate(times):
            c.say(f, t, varied_text(rng), HONEST[(k * 5 + i) % 36])
        c.act(f, trio[(i + 1) % 3], "kudos", RECENT + timedelta(hours=10 + i))
    assert not set(review_pass(c.input())) & set(trio)


def punctual_newcomer(
    c: Community, user: int, replies: int, *, n: int = 40, last: bool = False
) -> list[datetime]:
    """A new member posting every 61 s, the first (or `last`) `replies` of the posts answering
    someone."""
    c.join([user], RECENT)
    rng = random.Random(user)
    times = stamps(RECENT + timedelta(hours=1), [61.0] * (n - 1))
    answering = set(range(n - replies, n) if last else range(replies))
    for k, t in enumerate(times):
        c.say(user, t, varied_text(rng), HONEST[k % 36] if k in answering else None)
    return times


def test_two_signals_flag_with_both_reasons_and_evidence() -> None:
    c = community()
    punctual_newcomer(c, 900, 40)
    flags = review_pass(c.input())
    assert set(flags) == {900}
    flag = flags[900]
    assert flag.reasons == {"new_accounts", "regular_timing"}
    check_flag(flag)
    assert flag.evidence["regular_timing"]["gaps"] == 39
    assert flag.evidence["new_accounts"] == {"joined": RECENT.isoformat()}


def test_new_member_passing_canned_text_is_flagged() -> None:
    c = community()
    pals = [900, 901, 902]
    c.join(pals, RECENT)
    rng = random.Random(24)
    for i, p in enumerate(pals):
        for k in range(10):
            t = RECENT + timedelta(hours=k, seconds=rng.uniform(0, 3000))
            c.say(p, t, CANNED[k % len(CANNED)], HONEST[(k * 3 + i) % 36])
    flags = review_pass(c.input())
    assert set(flags) == set(pals)
    for p in pals:
        assert flags[p].reasons == {"new_accounts", "shared_text"}
        check_flag(flags[p])


@pytest.mark.parametrize(("replies", "flagged"), [(MIN_ACTIVITY - 1, False), (MIN_ACTIVITY, True)])
def test_min_activity(replies: int, flagged: bool) -> None:
    c = community()
    punctual_newcomer(c, 900, replies)
    inp = c.input()
    assert signals_of(inp)[900] == {"new_accounts", "regular_timing"}
    assert (900 in review_pass(inp)) is flagged


def test_settled_evidence_is_not_reused() -> None:
    c = full_ring_community()
    assert set(review_pass(c.input())) == set(RING)
    # approved at NOW: an hour later, the same evidence flags nobody
    later = NOW + timedelta(hours=1)
    assert review_pass(c.input(now=later, settled=dict.fromkeys(RING, NOW))) == {}
    # one member approved: the others still form a ring, the approved one is left alone
    flags = review_pass(c.input(settled={RING[0]: NOW}))
    assert set(flags) == set(RING[1:])
    assert all(f.evidence["closed_cluster"]["members"] == RING[1:] for f in flags.values())


def test_new_evidence_after_settling_can_flag_again() -> None:
    c = full_ring_community()
    settled_at = NOW
    ring(c, RING, start=settled_at + timedelta(minutes=10), count=30, kudos_days=3)
    later = NOW + timedelta(days=3)
    flags = review_pass(c.input(now=later, settled=dict.fromkeys(RING, settled_at)))
    assert set(flags) == set(RING)
    for f in flags.values():
        check_flag(f)
        assert f.evidence["shared_text"]["messages"] == 30  # only what came after
        assert f.evidence["regular_timing"]["gaps"] == 29
        # the 6 kudos are under MIN_KUDOS_SHARE of 36 actions: no kudos_ring this time
        assert "kudos_ring" not in f.evidence


def test_settled_at_an_earlier_time_keeps_the_later_evidence() -> None:
    c = full_ring_community()
    flags = review_pass(c.input(settled=dict.fromkeys(RING, WEEK_AGO - timedelta(days=1))))
    assert set(flags) == set(RING)


def test_bots_are_ignored() -> None:
    c = community()
    bot = 950
    punctual_newcomer(c, bot, 40)
    assert set(review_pass(c.input())) == {bot}
    assert review_pass(c.input(bots=frozenset({bot}))) == {}
    # a ring of bots: nothing (their interactions with each other do not count either)
    c = full_ring_community()
    assert review_pass(c.input(bots=frozenset(RING))) == {}
    # members whose only partners are bots have no activity left
    flags = review_pass(c.input(bots=frozenset(RING[1:])))
    assert RING[0] not in flags


def test_events_outside_the_window_are_ignored() -> None:
    c = full_ring_community()
    assert set(review_pass(c.input())) == set(RING)
    # a pass eight days on sees none of it; a longer window does
    much_later = NOW + timedelta(days=8)
    assert review_pass(c.input(now=much_later)) == {}
    assert set(review_pass(c.input(now=much_later, window_days=30))) == set(RING)
    # a pass before the ring started sees none of it
    first = min(m.ts for m in c.messages if m.author in RING)
    assert not set(review_pass(c.input(now=first))) & set(RING)


def test_window_bounds_start_inclusive_now_exclusive() -> None:
    tick = timedelta(microseconds=1)
    c = community()
    times = punctual_newcomer(c, 900, MIN_ACTIVITY, last=True)
    # the last reply exactly at `now` is not counted: one action short
    assert 900 not in review_pass(c.input(now=times[-1]))
    assert 900 in review_pass(c.input(now=times[-1] + tick))
    # the first reply exactly at the window start is counted
    c = community()
    times = punctual_newcomer(c, 900, MIN_ACTIVITY)
    now = times[0] + timedelta(days=7)
    assert 900 in review_pass(c.input(now=now))
    assert 900 not in review_pass(c.input(now=now + tick))


# -- properties ------------------------------------------------------------------------------
DAY0 = NOW - timedelta(days=1)
MEMBERS = range(1, 13)
users = st.sampled_from(MEMBERS)
seconds = st.floats(min_value=0, max_value=86_399, allow_nan=False)
kinds = st.sampled_from(["reply", "mention", "reaction", "kudos", "kudos"])
words = ["gm", "thanks!", "lol", "nice", "one", "good", "morning", "everyone", "see", "you",
         "later", "great", "point", "totally", "agree", "with", "this"]  # fmt: skip
short_texts = st.lists(st.sampled_from(words), min_size=1, max_size=8).map(" ".join)
interactions_st = st.lists(st.tuples(users, users, kinds, seconds), min_size=24, max_size=80)
messages_st = st.lists(st.tuples(users, seconds, short_texts), max_size=60)
joined_st = st.dictionaries(
    users, st.one_of(st.none(), st.integers(min_value=0, max_value=20)), min_size=4, max_size=12
)


def build(
    inters: list[tuple[int, int, str, float]],
    msgs: list[tuple[int, float, str]],
    joined: dict[int, int | None],
    window_days: int,
    cooldown: int = 60,
    *,
    settled: dict[int, float] | None = None,
    bots: frozenset[int] = frozenset(),
) -> ReviewInput:
    """A day of random activity among 12 members, each of whom answers the next once."""
    everyone = [(u, u % 12 + 1, "reply", 60.0 * u) for u in MEMBERS]
    return ReviewInput(
        [
            ReviewInteraction(a, b, k, DAY0 + timedelta(seconds=s))
            for a, b, k, s in [*everyone, *inters]
        ],
        [ReviewMessage(a, DAY0 + timedelta(seconds=s), text) for a, s, text in msgs],
        {u: None if d is None else NOW - timedelta(days=d) for u, d in joined.items()},
        NOW,
        window_days=window_days,
        cooldown_seconds=cooldown,
        settled={u: DAY0 + timedelta(seconds=s) for u, s in (settled or {}).items()},
        bots=bots,
    )


@settings(max_examples=200, deadline=None)
@given(
    interactions_st,
    messages_st,
    joined_st,
    st.integers(min_value=1, max_value=7),
    st.sampled_from([0, 30, 60]),
    st.dictionaries(users, seconds, max_size=3),
    st.frozensets(users, max_size=2),
)
def test_random_small_communities(
    inters: list[tuple[int, int, str, float]],
    msgs: list[tuple[int, float, str]],
    joined: dict[int, int | None],
    window_days: int,
    cooldown: int,
    settled: dict[int, float],
    bots: frozenset[int],
) -> None:
    inp = build(inters, msgs, joined, window_days, cooldown, settled=settled, bots=bots)
    flags = review_pass(inp)
    if flags:
        event("flagged")
    for user, flag in flags.items():
        assert flag.user == user
        assert user not in bots
        check_flag(flag)
        since = inp.settled.get(user, DAY0)
        assert sum(1 for i in inp.interactions if i.actor == user and i.ts >= since) >= MIN_ACTIVITY


outside_times = st.one_of(
    st.floats(min_value=1e-3, max_value=40 * 86_400, allow_nan=False).map(lambda s: -s),
    st.floats(min_value=0, max_value=5 * 86_400, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(
    interactions_st,
    messages_st,
    joined_st,
    st.integers(min_value=1, max_value=7),
    st.sampled_from([*MEMBERS, 13]),
    st.lists(st.tuples(users, kinds, outside_times, st.booleans()), min_size=1, max_size=40),
    st.lists(st.tuples(outside_times, short_texts), max_size=20),
)
def test_events_outside_the_window_never_change_the_result(
    inters: list[tuple[int, int, str, float]],
    msgs: list[tuple[int, float, str]],
    joined: dict[int, int | None],
    window_days: int,
    member: int,
    extra: list[tuple[int, str, float, bool]],
    extra_msgs: list[tuple[float, str]],
) -> None:
    base = build(inters, msgs, {**joined, 13: 1}, window_days)
    start = NOW - timedelta(days=window_days)

    def outside(offset: float) -> datetime:
        # negative: that long before the window start; otherwise at or after `now`
        return start + timedelta(seconds=offset) if offset < 0 else NOW + timedelta(seconds=offset)

    more_inters = [
        ReviewInteraction(member, other, kind, outside(o))
        if forward
        else ReviewInteraction(other, member, kind, outside(o))
        for other, kind, o, forward in extra
    ]
    more_msgs = [ReviewMessage(member, outside(o), text) for o, text in extra_msgs]
    times = [e.ts for e in more_inters] + [m.ts for m in more_msgs]
    assert not any(start <= t < NOW for t in times)
    half = len(more_inters) // 2
    mixed = ReviewInput(
        [*more_inters[:half], *base.interactions, *more_inters[half:]],
        [*more_msgs, *base.messages],
        base.joined,
        NOW,
        window_days=window_days,
    )
    expected = review_pass(base)
    if expected:
        event("flagged")
    assert review_pass(mixed) == expected
