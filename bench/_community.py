"""A seeded simulated community for the authenticity benchmark (bench/authenticity.py).

One guild (Europe/Berlin), one week of traffic (Monday 00:00 local to the next Monday).

Honest members (``members`` of them, default 200):
  * skewed activity: how many conversations a member starts is Pareto-distributed; a few
    connectors have 20-40 partners, most members 3-12;
  * daily rhythm: every member has waking hours (a few night owls), skips some days, talks more
    at the weekend;
  * conversations of 2-4 friends with log-normal gaps (median ~40 s, two thirds under 60 s, a
    heavy tail of minutes), replies to the latest or an older message, mentions, plain
    messages, reactions a little later, now and then a /thanks;
  * text: sentences from word lists (rarely the same twice across authors) and short phrases
    many people use ("gm", "thanks!", "lol", "gm everyone", "+1", "nice", ...).
Hard cases, all honest:
  * ``friends``  - a tight group of 5 established members who mostly talk among themselves
                   (human timing, varied text, the odd /thanks between them);
  * ``gm``       - a member who posts "gm everyone" at 07:42 local every morning;
  * ``new``      - 10 enthusiastic newcomers (``member`` lines, joined inside the week) who talk
                   with many established members;
  * ``marathon`` - two members replying to each other for about 6.5 hours on Saturday.

Rings (alt accounts), from RING_START (Tuesday 10:00 local) to the end of the week:
  * ``a`` naive     - 5 accounts, canned text, each replies every 61 s, 8 hours a day;
  * ``b`` jittered  - 5 accounts, gaps uniform 61-150 s, text from templates, 8 h a day;
  * ``c`` sprinkled - 6 accounts like ``b``, ~10 % of messages reply to/mention honest members;
  * ``d`` kudos     - 4 accounts pass /thanks around a circle daily (i -> i+1, i -> i+2), plus
                      light chatting among themselves;
  * ``e`` slow      - 5 accounts that mimic honest volume (a handful of messages a day in one
                      or two sessions, human gaps, only with each other, templated text).
Accounts of ``a``-``c`` have ``member`` lines joined 6-36 h before RING_START; ``d`` and ``e``
are undeclared (members of long standing, as far as replay knows).
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

GUILD = 1
TIMEZONE = "Europe/Berlin"
ZONE = ZoneInfo(TIMEZONE)
WEEK_START = datetime(2026, 3, 2, tzinfo=ZONE)  # a Monday, no DST change in the week
DAYS = 7
RING_DAY = 1  # Tuesday
RING_HOUR = 10
CHANNELS = (100, 101, 102, 103, 104)
RING_KINDS = ("a", "b", "c", "d", "e")
RING_SIZES = {"a": 5, "b": 5, "c": 6, "d": 4, "e": 5}
RING_NAMES = {
    "a": "naive (61 s, canned text)",
    "b": "jittered (61-150 s, templates)",
    "c": "sprinkled (~10% honest contact)",
    "d": "kudos circle",
    "e": "slow (honest-like volume)",
}


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def day_start(day: int) -> int:
    """Epoch seconds of local midnight starting week day `day` (0 = Monday)."""
    return _epoch(
        datetime.combine(WEEK_START.date() + timedelta(days=day), datetime.min.time(), tzinfo=ZONE)
    )


WEEK_START_S = day_start(0)
WEEK_END_S = day_start(DAYS)
RING_START_S = day_start(RING_DAY) + RING_HOUR * 3600
CUT_S = RING_START_S + 24 * 3600


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------ text

SHORT = (
    "gm",
    "gm everyone",
    "thanks!",
    "lol",
    "+1",
    "nice",
    "nice!",
    "haha",
    "lol same",
    "ty",
    "agreed",
    "same",
    "oh no",
    "omg",
    "true",
    "yes!",
    "wow",
    "thank you!",
    "good night",
    "brb",
    "ok",
    "sounds good",
    "congrats!",
    "lmao",
    "fair",
    "yep",
    "gn all",
)
GREETINGS = ("gm", "gm everyone", "good morning!", "morning all", "gm gm", "gm :)", "morning!")
VERB = (
    "tried broke fixed liked hated found lost rewrote painted cooked watched read finished "
    "started ordered returned shipped tested moved cleaned planned skipped borrowed built "
    "sold bought missed loved recorded measured uploaded deleted played joined compared "
    "debugged printed renamed sketched tuned fried baked grabbed dropped fed walked hiked "
    "repaired sanded glued framed wrapped packed unpacked washed ironed tasted rated ranked "
    "streamed edited mixed planted watered pruned swapped traded restored scanned coded "
    "drafted signed booked cancelled rescheduled carried organised updated installed"
).split()
VERB_BASE = (
    "try fix see build read watch check cook play test ship share explain ask join clean "
    "order compare draw plant review move record print finish get buy find pick fry bake "
    "grab walk hike repair sand glue frame wrap pack wash taste rate rank stream edit mix "
    "water prune swap trade restore scan code draft book cancel carry organise update "
    "install borrow paint sell rent learn teach sketch tune replace upgrade"
).split()
NOUN = (
    "bread sourdough keyboard garden bike album movie book patch release game map puzzle "
    "recipe plant server script camera lens guitar song trail coffee tea sofa laptop "
    "monitor chair desk bug feature docs test design logo poster painting poem podcast "
    "episode race match team league tournament deck build mod level boss quest raid dungeon "
    "cake soup curry pasta jacket shoes tent backpack ticket train flight bus city village "
    "lake mountain beach forest river bridge market shop library museum concert festival "
    "exam essay thesis lecture class job meeting deadline budget invoice contract printer "
    "router phone charger cable battery drone telescope sweater scarf"
).split()
ADJ = (
    "great weird tiny huge old new cheap expensive slow fast broken shiny quiet loud funny "
    "sad cozy spicy bitter sweet fresh stale blue green red dusty clean messy lovely awful "
    "decent solid wobbly strange perfect rough smooth tricky simple fancy"
).split()
ADV = (
    "yesterday",
    "today",
    "last night",
    "this morning",
    "again",
    "finally",
    "at last",
    "twice",
    "by accident",
    "on purpose",
    "for hours",
    "after work",
    "before lunch",
    "over the weekend",
    "in the rain",
    "with my sister",
    "for the first time",
)
EMOJI = (" :)", " :D", " 😂", " 🙃", " 🔥", " 👀", " ❤️", " 🎉", "!", "?", "!!", "...", "")
KUDOS_REASONS = (
    None,
    "thanks for the help",
    "great explanation",
    "you saved my day",
    "for the recipe",
    "helped me debug",
    "for the tip",
    "awesome advice",
    "for organising",
    None,
    None,
)
REACTIONS = ("👍", "😂", "❤️", "🔥", "🎉", "👀", "🙌", "💯", "😮", "⭐")  # ⭐ is the kudos emoji
REACTION_WEIGHTS = (20, 14, 12, 9, 6, 8, 5, 4, 4, 3)


OPENERS = (
    "ok",
    "tbh",
    "honestly",
    "wait",
    "lol",
    "hmm",
    "ngl",
    "btw",
    "fun fact:",
    "update:",
    "ugh",
    "yay",
    "so",
    "well",
    "oh",
    "also",
    "anyway",
    "imo",
    "fwiw",
    "ah",
    "right",
    "yeah",
    "nah",
    "ooh",
    "heh",
    "omg",
    "welp",
    "ok so",
    "quick question:",
    "random thought:",
    "psa:",
    "hey",
    "guys",
    "real talk",
    "not gonna lie",
    "funny thing,",
    "to be fair",
    "hot take:",
)
RELATIVES = (
    "friend",
    "sister",
    "brother",
    "cat",
    "dog",
    "neighbour",
    "boss",
    "roommate",
    "mom",
    "dad",
    "partner",
    "kid",
    "coworker",
    "teacher",
    "cousin",
    "landlord",
    "flatmate",
    "grandma",
)
NAMES = ("anna", "tom", "li", "sam", "jo", "max", "eva", "noor", "ben", "mia", "kai", "lea")
INTENS = ("so", "really", "kinda", "super", "pretty", "way too", "a bit", "very", "quite", "")
THINK = (
    "i think",
    "i guess",
    "i feel like",
    "i bet",
    "pretty sure",
    "i heard",
    "turns out",
    "i swear",
    "i hope",
    "apparently",
)
TAILS = (
    "lol",
    "haha",
    "tbh",
    "imo",
    "for real",
    "i guess",
    "idk",
    "though",
    "as usual",
    "i think",
    "rn",
    "apparently",
    "somehow",
    "again",
    "no idea why",
    "send help",
    "10/10",
    "would recommend",
    "not sure",
    "just saying",
    "anyway",
    "if that makes sense",
    "or something",
    "right?",
)
CONJ = ("and", "but", "so", "because", "although", "and then", "while", "until", "except")
SEEM = ("is", "looks", "seems", "feels", "sounds", "was", "got", "turned out")
QUESTIONS = (
    "has anyone {pp} {obj}",
    "does anyone know {obj_a}",
    "is {obj} {intens} {adj}",
    "what {noun} do you {base}",
    "where did you {base} {obj}",
    "how do i {base} {obj}",
    "can someone {base} {obj}",
    "why is {obj} {intens} {adj}",
    "anyone up for {ing} {obj}",
    "should {subj} {base} {obj} or {obj}",
    "who else {pp} {obj} {when}",
    "any tips for {ing} {obj}",
    "when are we {ing} {obj}",
)


def _fill(rnd: random.Random, pattern: str) -> str:
    return pattern.format_map(_Slots(rnd))


class _Slots(dict[str, str]):
    def __init__(self, rnd: random.Random) -> None:
        super().__init__()
        self.rnd = rnd

    def __missing__(self, key: str) -> str:
        rnd = self.rnd
        if key == "subj":
            return _subject(rnd)
        if key == "obj":
            return _object(rnd)
        if key == "obj_a":
            return f"a {_adjs(rnd)}{rnd.choice(NOUN)}".replace("a a", "an a")
        if key == "pp":
            return rnd.choice(VERB)
        if key == "base":
            return rnd.choice(VERB_BASE)
        if key == "ing":
            return _ing(rnd.choice(VERB_BASE))
        if key == "noun":
            return rnd.choice(NOUN)
        if key == "adj":
            return rnd.choice(ADJ)
        if key == "intens":
            return rnd.choice(INTENS) or "so"
        if key == "when":
            return rnd.choice(ADV)
        raise KeyError(key)


def _plural(rnd: random.Random) -> str:
    noun = rnd.choice(NOUN)
    if noun.endswith(("s", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _ing(verb: str) -> str:
    if verb.endswith("e") and verb not in ("see",):
        return verb[:-1] + "ing"
    return verb + "ing"


def _adjs(rnd: random.Random) -> str:
    n = rnd.choices((0, 1, 2), weights=(0.45, 0.45, 0.1))[0]
    return "".join(f"{rnd.choice(ADJ)} " for _ in range(n))


def _subject(rnd: random.Random) -> str:
    r = rnd.random()
    if r < 0.3:
        return rnd.choice(("i", "we", "you", "they", "everyone", "nobody", "someone", "he", "she"))
    if r < 0.5:
        return f"my {rnd.choice(('', 'little ', 'older ', 'new ', 'old '))}{rnd.choice(RELATIVES)}"
    if r < 0.65:
        return rnd.choice(NAMES)
    return (
        f"{rnd.choice(('the', 'this', 'that', 'our', 'my', 'your'))} {_adjs(rnd)}{rnd.choice(NOUN)}"
    )


def _object(rnd: random.Random) -> str:
    r = rnd.random()
    det = rnd.choice(("the", "my", "a", "this", "that", "our", "your", "his", "her", "their"))
    if r < 0.7:
        return f"{det} {_adjs(rnd)}{rnd.choice(NOUN)}".replace(" a a", " an a")
    if r < 0.85:
        return f"{rnd.randint(2, 40)} {_adjs(rnd)}{_plural(rnd)}"
    return f"{_plural(rnd)}"


def _clause(rnd: random.Random) -> str:
    r = rnd.random()
    if r < 0.3:
        return f"{_subject(rnd)} {rnd.choice(VERB)} {_object(rnd)}"
    if r < 0.5:
        intens = rnd.choice(INTENS)
        adj = f"{intens} {rnd.choice(ADJ)}".strip()
        return f"{_object(rnd)} {rnd.choice(SEEM)} {adj}"
    if r < 0.62:
        return f"{rnd.choice(THINK)} {_subject(rnd)} {rnd.choice(VERB)} {_object(rnd)}"
    if r < 0.72:
        adv = rnd.choice(("just", "finally", "almost", "never", "already"))
        return f"{adv} {rnd.choice(VERB)} {_object(rnd)}"
    if r < 0.8:
        return f"{_plural(rnd)} are {rnd.choice(INTENS) or 'so'} {rnd.choice(ADJ)}"
    if r < 0.88:
        plan = rnd.choice(("gonna", "going to", "want to", "need to", "trying to"))
        return f"{plan} {rnd.choice(VERB_BASE)} {_object(rnd)}"
    return f"{rnd.choice(ADV)}, {_subject(rnd)} {rnd.choice(VERB)} {_object(rnd)}"


def _typo(rnd: random.Random, text: str) -> str:
    words = text.split(" ")
    i = rnd.randrange(len(words))
    w = words[i]
    if len(w) > 3:
        j = rnd.randrange(len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def sentence(rnd: random.Random) -> str:
    """A sentence from a small grammar and word lists: the same one twice is rare, and so are
    long runs of the same words at the start or end of two authors' messages."""
    if rnd.random() < 0.25:
        s = _fill(rnd, rnd.choice(QUESTIONS)) + "?"
    else:
        s = _clause(rnd)
        if rnd.random() < 0.3:
            s += f", {rnd.choice(CONJ)} {_clause(rnd)}"
        if rnd.random() < 0.25:
            s += f" {rnd.choice(ADV)}"
    if rnd.random() < 0.35:
        s = f"{rnd.choice(OPENERS)} {s}"
    if rnd.random() < 0.25:
        s += f" {rnd.choice(TAILS)}"
    if rnd.random() < 0.05:
        s = _typo(rnd, s)
    if rnd.random() < 0.08:
        s = s.capitalize()
    return s + rnd.choice(EMOJI)


def honest_text(rnd: random.Random) -> str:
    return rnd.choice(SHORT) if rnd.random() < 0.12 else sentence(rnd)


CANNED = ("great point!", "totally agree", "nice work", "so true", "love this", "well said")
T_OPEN = ("great", "nice", "awesome", "cool", "solid", "amazing", "lovely", "sweet")
T_NOUN = (
    "post idea point take work share tip update thread pic question answer build plan list"
).split()
T_CLOSE = ("thanks", "love it", "agreed", "so true", "keep it up", "well done", "nice one", "100%")


def template_text(rnd: random.Random) -> str:
    """Ring text: varied strings from a small set of templates."""
    r = rnd.random()
    if r < 0.4:
        return f"{rnd.choice(T_OPEN)} {rnd.choice(T_NOUN)}, {rnd.choice(T_CLOSE)}"
    if r < 0.7:
        return f"{rnd.choice(T_CLOSE)}! {rnd.choice(T_OPEN)} {rnd.choice(T_NOUN)}"
    return f"really {rnd.choice(T_OPEN)} {rnd.choice(T_NOUN)} {rnd.choice(EMOJI)}".rstrip()


# ------------------------------------------------------------------------------ events


@dataclass(eq=False)
class Msg:
    ts: int
    author: int
    channel: int
    content: str
    reply: Msg | None = None
    mentions: tuple[int, ...] = ()
    id: int = 0


@dataclass(eq=False)
class React:
    ts: int
    user: int
    msg: Msg
    emoji: str


@dataclass(eq=False)
class Kudos:
    ts: int
    giver: int
    to: int
    reason: str | None


@dataclass
class Person:
    user: int
    role: str
    activity: float  # conversations started per day
    wake: float  # local hour
    sleep: float  # local hour, may exceed 24
    joined: int | None = None  # epoch seconds, None for undeclared
    declared: bool = False
    friends: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def awake(self, ts: int) -> bool:
        h = ((ts - WEEK_START_S) % 86400) / 3600
        return self.wake <= h < self.sleep or self.wake <= h + 24 < self.sleep


@dataclass
class Community:
    seed: int
    people: dict[int, Person]
    rings: dict[str, list[int]]
    ring_joined: dict[int, int]
    events: list[Msg | React | Kudos]
    honest_messages: int = 0

    @property
    def honest(self) -> list[int]:
        return sorted(self.people)

    def role(self, user: int) -> str:
        return self.people[user].role

    def lines(self, until: int) -> Iterator[str]:
        """The replay file with every event at or before `until`."""
        yield json.dumps(
            {"type": "settings", "guild": GUILD, "timezone": TIMEZONE, "review_mode": "hold"}
        )
        declared = [(p.user, p.joined) for p in self.people.values() if p.declared]
        declared += list(self.ring_joined.items())
        for user, joined in sorted(declared, key=lambda x: x[0]):
            if joined is not None and joined > until:
                continue
            line = {"type": "member", "guild": GUILD, "user": user, "bot": False}
            if joined is not None:
                line["joined_at"] = iso(joined)
            yield json.dumps(line)
        for ev in self.events:
            if ev.ts > until:
                break
            if isinstance(ev, Msg):
                m: dict[str, object] = {
                    "type": "message",
                    "guild": GUILD,
                    "channel": ev.channel,
                    "id": ev.id,
                    "ts": iso(ev.ts),
                    "author": ev.author,
                    "content": ev.content,
                    "mentions": list(ev.mentions),
                }
                if ev.reply is not None:
                    m["reply_to"] = ev.reply.id
                yield json.dumps(m, ensure_ascii=False)
            elif isinstance(ev, React):
                yield json.dumps(
                    {
                        "type": "reaction",
                        "guild": GUILD,
                        "channel": ev.msg.channel,
                        "message": ev.msg.id,
                        "user": ev.user,
                        "emoji": ev.emoji,
                        "ts": iso(ev.ts),
                    },
                    ensure_ascii=False,
                )
            else:
                k: dict[str, object] = {
                    "type": "kudos",
                    "guild": GUILD,
                    "from": ev.giver,
                    "to": ev.to,
                    "ts": iso(ev.ts),
                }
                if ev.reason is not None:
                    k["reason"] = ev.reason
                yield json.dumps(k)


def _lognormal_gap(rnd: random.Random, median: float = 40.0, sigma: float = 1.0) -> int:
    return max(2, int(rnd.lognormvariate(math.log(median), sigma)))


class _Builder:
    def __init__(self, seed: int, members: int) -> None:
        if members < 40:
            raise ValueError("the community needs at least 40 honest members")
        self.rnd = random.Random(seed)
        self.seed = seed
        self.n = members
        self.events: list[Msg | React | Kudos] = []
        self.people: dict[int, Person] = {}
        self.rings: dict[str, list[int]] = {}
        self.ring_joined: dict[int, int] = {}

    # -------------------------------------------------------------- population

    def population(self) -> None:
        rnd = self.rnd
        ids = rnd.sample(range(10_000, 100_000), self.n + sum(RING_SIZES.values()))
        honest_ids, ring_ids = ids[: self.n], ids[self.n :]
        for kind in RING_KINDS:
            self.rings[kind], ring_ids = ring_ids[: RING_SIZES[kind]], ring_ids[RING_SIZES[kind] :]
        roles = ["regular"] * self.n
        slots = list(range(self.n))
        rnd.shuffle(slots)
        special = {"friends": 5, "gm": 1, "new": 10, "marathon": 2, "connector": 5}
        for role, count in special.items():
            for _ in range(count):
                roles[slots.pop()] = role
        for user, role in zip(honest_ids, roles, strict=True):
            activity = min(12.0, 0.35 * rnd.paretovariate(1.25))
            if rnd.random() < 0.1:  # night owl
                wake, sleep = rnd.uniform(10, 13), rnd.uniform(26, 28)
            else:
                wake, sleep = rnd.uniform(6, 9.5), rnd.uniform(22, 25)
            p = Person(user, role, activity, wake, sleep)
            if role == "new":
                p.joined = WEEK_START_S + int(rnd.uniform(0.2, 4.5) * 86400)
                p.declared = True
                p.activity = rnd.uniform(3, 7)
            elif role == "connector":
                p.activity = rnd.uniform(4, 9)
            elif role == "friends":
                p.activity = rnd.uniform(1.5, 3.5)
            elif role == "gm":
                p.wake = 7.5
                p.activity = max(p.activity, 1.0)
            if role != "new" and rnd.random() < 0.5:  # declared, joined long ago
                p.declared = True
                p.joined = _epoch(datetime(2023, 1, 1, tzinfo=UTC)) + rnd.randrange(0, 1000 * 86400)
            self.people[user] = p
        for kind in ("a", "b", "c"):
            for user in self.rings[kind]:
                self.ring_joined[user] = RING_START_S - int(rnd.uniform(6, 36) * 3600)

    def graph(self) -> None:
        rnd = self.rnd
        people = self.people
        established = [u for u, p in people.items() if p.role not in ("new", "friends")]
        friends = [u for u, p in people.items() if p.role == "friends"]
        popularity = {u: 0.5 + people[u].activity for u in established}
        edges: dict[int, dict[int, float]] = {u: {} for u in people}

        def link(u: int, v: int, w: float) -> None:
            if u != v:
                edges[u][v] = edges[u].get(v, 0) + w
                edges[v][u] = edges[v].get(u, 0) + w

        pop = [popularity[u] for u in established]
        for u in established:
            p = people[u]
            degree = (
                rnd.randint(22, 40)
                if p.role == "connector"
                else min(12, 2 + int(rnd.paretovariate(1.6)))
            )
            while len(edges[u]) < degree:
                link(u, rnd.choices(established, weights=pop)[0], rnd.uniform(0.3, 3))
        for u in friends:  # the tight group: strong ties inside, two weak ties outside
            for v in friends:
                if v > u:
                    link(u, v, 12.0)
            for v in rnd.sample(established, 2):
                link(u, v, 0.4)
        for u in (u for u, p in people.items() if p.role == "new"):
            for v in rnd.sample(established, rnd.randint(15, 25)):
                link(u, v, rnd.uniform(0.5, 2))
        for u, e in edges.items():
            people[u].friends = sorted(e)
            people[u].weights = [e[v] for v in people[u].friends]

    # -------------------------------------------------------------- honest traffic

    def react_and_thank(self, msgs: list[Msg], crowd: list[int]) -> None:
        rnd = self.rnd
        for m in msgs:
            n = 0
            r = rnd.random()
            if r < 0.22:
                n = 1
            elif r < 0.28:
                n = 2
            for user in rnd.sample(crowd, min(n, len(crowd))):
                if user != m.author:
                    ts = m.ts + _lognormal_gap(rnd, 90, 1.2) + 3
                    emoji = rnd.choices(REACTIONS, weights=REACTION_WEIGHTS)[0]
                    self.events.append(React(ts, user, m, emoji))
        authors = sorted({m.author for m in msgs})
        if len(msgs) >= 4 and len(authors) >= 2 and rnd.random() < 0.08:
            giver, to = rnd.sample(authors, 2)
            ts = msgs[-1].ts + rnd.randint(20, 900)
            self.events.append(Kudos(ts, giver, to, rnd.choice(KUDOS_REASONS)))

    def conversation(
        self,
        start: int,
        participants: list[int],
        length: int,
        channel: int,
        median: float = 40.0,
        text=honest_text,
    ) -> list[Msg]:
        rnd = self.rnd
        msgs: list[Msg] = []
        last: dict[int, Msg] = {}
        speaker = participants[0]
        t = start
        for i in range(length):
            if i:
                if rnd.random() < 0.85 or len(participants) == 1:
                    others = [u for u in participants if u != speaker]
                    speaker = rnd.choice(others) if others else speaker
                t += _lognormal_gap(rnd, median)
                if rnd.random() < 0.03:
                    t += rnd.randint(180, 900)  # stepped away
            others_msgs = [m for u, m in last.items() if u != speaker]
            reply: Msg | None = None
            mentions: tuple[int, ...] = ()
            content = text(rnd)
            r = rnd.random()
            if i == 0:
                if len(participants) > 1 and r < 0.5:
                    target = rnd.choice(participants[1:])
                    mentions = (target,)
                    content = (
                        f"<@{target}> {content}"
                        if rnd.random() < 0.5
                        else (f"{content} <@{target}>")
                    )
            elif others_msgs and r < 0.6:
                if rnd.random() < 0.8:
                    reply = max(others_msgs, key=lambda m: m.ts)
                else:
                    reply = rnd.choice(others_msgs)
                if rnd.random() < 0.1:
                    mentions = (reply.author,)
            elif others_msgs and r < 0.75:
                target = rnd.choice(others_msgs).author
                mentions = (target,)
                content = f"{content} <@{target}>"
            m = Msg(t, speaker, channel, content, reply, mentions)
            msgs.append(m)
            last[speaker] = m
        self.events.extend(msgs)
        return msgs

    def pick_partners(self, p: Person, ts: int, k: int) -> list[int]:
        rnd = self.rnd
        chosen: list[int] = []
        for _ in range(k * 4):
            if len(chosen) == k or not p.friends:
                break
            v = rnd.choices(p.friends, weights=p.weights)[0]
            q = self.people[v]
            if v in chosen or (q.joined is not None and q.joined > ts):
                continue
            if not q.awake(ts) and rnd.random() < 0.85:
                continue
            chosen.append(v)
        return chosen

    def honest_traffic(self) -> None:
        rnd = self.rnd
        for day in range(DAYS):
            midnight = day_start(day)
            weekend = day >= 5
            for p in self.people.values():
                if rnd.random() < (0.12 if weekend else 0.2):
                    continue  # a day off
                span = p.sleep - p.wake
                first = midnight + int(p.wake * 3600)
                if p.joined is not None and p.joined > first:
                    if p.joined > midnight + int(p.sleep * 3600):
                        continue
                    first = p.joined + 600
                if p.role == "gm":
                    ts = midnight + 7 * 3600 + 42 * 60 + rnd.randrange(60)
                    m = Msg(ts, p.user, CHANNELS[0], "gm everyone")
                    self.events.append(m)
                    crowd = [v for v in p.friends if self.people[v].awake(ts)] or p.friends
                    self.react_and_thank([m], crowd)
                    for v in rnd.sample(crowd, min(len(crowd), rnd.randint(0, 2))):
                        gap = _lognormal_gap(rnd, 300, 1.0)
                        self.events.append(Msg(ts + gap, v, CHANNELS[0], rnd.choice(GREETINGS), m))
                elif rnd.random() < 0.15:
                    ts = first + rnd.randint(60, 5400)
                    self.events.append(Msg(ts, p.user, CHANNELS[0], rnd.choice(GREETINGS)))
                if (
                    p.role == "new"
                    and p.joined is not None
                    and midnight <= p.joined < (midnight + 86400)
                ):
                    hello = rnd.choice(("new here", "just joined", "a friend sent me"))
                    intro = f"hi all, {hello}, i like {_plural(rnd)} and {_plural(rnd)}"
                    self.events.append(
                        Msg(p.joined + rnd.randint(60, 900), p.user, CHANNELS[0], intro)
                    )
                rate = p.activity * (1.3 if weekend else 1.0)
                n = _poisson(rnd, rate)
                last_ts = midnight + int(p.sleep * 3600)
                for _ in range(n):
                    if last_ts - first < 1800:
                        break
                    # evenings are busier: mix a uniform start with one late in the day
                    frac = rnd.random() if rnd.random() < 0.6 else rnd.triangular(0.4, 1, 0.8)
                    ts = first + int(frac * min(span * 3600, last_ts - first - 900))
                    k = rnd.choices((1, 2, 3), weights=(0.6, 0.27, 0.13))[0]
                    partners = self.pick_partners(p, ts, k)
                    if not partners:
                        continue
                    length = 2 + int(rnd.expovariate(1 / 5))
                    if rnd.random() < 0.05:
                        length += rnd.randint(20, 60)
                    msgs = self.conversation(ts, [p.user, *partners], length, rnd.choice(CHANNELS))
                    onlookers = self.pick_partners(p, ts, 2)
                    self.react_and_thank(msgs, sorted({p.user, *partners, *onlookers}))

    def marathon(self) -> None:
        a, b = (u for u, p in self.people.items() if p.role == "marathon")
        start = day_start(5) + 13 * 3600 + self.rnd.randrange(600)
        end = start + int(6.5 * 3600)
        rnd = self.rnd
        msgs: list[Msg] = []
        t, speaker, last = start, a, None
        while t < end:
            content = honest_text(rnd)
            reply = (
                last
                if last is not None and last.author != speaker and (rnd.random() < 0.85)
                else None
            )
            m = Msg(t, speaker, CHANNELS[2], content, reply)
            msgs.append(m)
            if rnd.random() < 0.85:
                last = m
                speaker = b if speaker == a else a
            t += _lognormal_gap(rnd, 40, 0.9)
            if rnd.random() < 0.03:
                t += rnd.randint(180, 600)
        self.events.extend(msgs)
        self.react_and_thank(msgs, [a, b])

    # -------------------------------------------------------------- rings

    def ring_days(self) -> Iterator[int]:
        yield from range(RING_DAY, DAYS)

    def fast_ring(self, kind: str, hour: int, jitter: bool, sprinkle: float) -> None:
        rnd = self.rnd
        ring = self.rings[kind]
        honest_msgs = sorted(
            (e for e in self.events if isinstance(e, Msg) and e.author in self.people),
            key=lambda m: m.ts,
        )
        honest_ts = [m.ts for m in honest_msgs]
        channel = CHANNELS[3] if kind == "a" else CHANNELS[1]
        for day in self.ring_days():
            t0 = day_start(day) + hour * 3600
            if day == RING_DAY:
                t0 = max(t0, RING_START_S)
            t_end = day_start(day) + (hour + 8) * 3600
            if day == RING_DAY:
                t_end = max(t_end, RING_START_S + 8 * 3600)
            clocks = {
                u: t0 + i * (12 if not jitter else rnd.randint(0, 60)) for i, u in enumerate(ring)
            }
            latest: dict[int, Msg] = {}
            while True:
                u = min(clocks, key=lambda x: clocks[x])
                t = clocks[u]
                if t >= t_end:
                    break
                i = ring.index(u)
                reply: Msg | None = None
                mentions: tuple[int, ...] = ()
                content = rnd.choice(CANNED) if kind == "a" else template_text(rnd)
                if sprinkle and rnd.random() < sprinkle:
                    j = bisect_left(honest_ts, t) - 1
                    if j >= 0 and t - honest_ts[j] < 3600:
                        target = honest_msgs[j - rnd.randrange(min(j + 1, 5))]
                        if rnd.random() < 0.7:
                            reply = target
                        else:
                            mentions = (target.author,)
                            content = f"{content} <@{target.author}>"
                if reply is None and not mentions:
                    partner = (
                        ring[(i + 1) % len(ring)]
                        if kind == "a"
                        else rnd.choice([v for v in ring if v != u])
                    )
                    reply = latest.get(partner)
                    if reply is None:
                        mentions = (partner,)
                        content = f"<@{partner}> {content}"
                m = Msg(t, u, channel, content, reply, mentions)
                self.events.append(m)
                latest[u] = m
                if kind != "a" and rnd.random() < 0.2:
                    v = rnd.choice([v for v in ring if v != u])
                    self.events.append(
                        React(t + rnd.randint(5, 50), v, m, rnd.choice(REACTIONS[:5]))
                    )
                clocks[u] = t + (rnd.randint(61, 150) if jitter else 61)

    def kudos_ring(self) -> None:
        rnd = self.rnd
        ring = self.rings["d"]
        for day in self.ring_days():
            base = day_start(day) + 10 * 3600 + 30 * 60 + rnd.randrange(1800)
            t = base
            for step in (1, 2):
                for i, u in enumerate(ring):
                    t += rnd.randint(20, 240)
                    self.events.append(
                        Kudos(t, u, ring[(i + step) % len(ring)], rnd.choice(KUDOS_REASONS))
                    )
            for _ in range(rnd.randint(2, 3)):
                start = day_start(day) + rnd.randint(12 * 3600, 22 * 3600)
                members = rnd.sample(ring, rnd.randint(2, 4))
                msgs = self.conversation(
                    start, members, rnd.randint(4, 9), CHANNELS[4], median=60, text=template_text
                )
                self.react_and_thank(msgs[:2], members)

    def slow_ring(self) -> None:
        rnd = self.rnd
        ring = self.rings["e"]
        for day in self.ring_days():
            for _ in range(rnd.randint(1, 2)):
                start = day_start(day) + rnd.randint(9 * 3600, 22 * 3600)
                if start < RING_START_S:
                    start = RING_START_S + rnd.randint(0, 3600)
                members = rnd.sample(ring, rnd.randint(2, 4))
                msgs = self.conversation(
                    start,
                    members,
                    rnd.randint(6, 14),
                    rnd.choice(CHANNELS),
                    median=90,
                    text=template_text,
                )
                for m in msgs:
                    if rnd.random() < 0.2:
                        v = rnd.choice([v for v in ring if v != m.author])
                        self.events.append(React(m.ts + rnd.randint(30, 900), v, m, "👍"))

    def build(self) -> Community:
        self.population()
        self.graph()
        self.honest_traffic()
        self.marathon()
        honest_messages = sum(1 for e in self.events if isinstance(e, Msg))
        self.fast_ring("a", 10, jitter=False, sprinkle=0.0)
        self.fast_ring("b", 9, jitter=True, sprinkle=0.0)
        self.fast_ring("c", 12, jitter=True, sprinkle=0.10)
        self.kudos_ring()
        self.slow_ring()
        events = [e for e in self.events if WEEK_START_S <= e.ts < WEEK_END_S]
        # a reaction or reply never precedes its message (ties keep creation order)
        order = {id(e): i for i, e in enumerate(events)}
        events.sort(key=lambda e: (e.ts, order[id(e)]))
        kept: set[int] = set()
        out: list[Msg | React | Kudos] = []
        next_id = 1_000_000
        for e in events:
            if isinstance(e, Msg):
                if e.reply is not None and id(e.reply) not in kept:
                    e.reply = None
                next_id += 1
                e.id = next_id
                kept.add(id(e))
            elif isinstance(e, React) and id(e.msg) not in kept:
                continue
            out.append(e)
        return Community(self.seed, self.people, self.rings, self.ring_joined, out, honest_messages)


def _poisson(rnd: random.Random, lam: float) -> int:
    n, t = 0, rnd.expovariate(1.0)
    while t < lam:
        n += 1
        t += rnd.expovariate(1.0)
    return n


def build(seed: int = 1, members: int = 200) -> Community:
    return _Builder(seed, members).build()
