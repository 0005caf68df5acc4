"""The tracking rules applied in order, in memory, producing rows to persist.

`GuildState` holds what the rules need to remember about one guild (cooldown clocks,
allowances, caps, pair-day directions, streak runs, reputation, badges). `apply_*` methods
take plain records and record every consequence in a `Batch` of plain rows; the tracking
pipeline persists batches. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.domain.badges import (
    CONNECTOR_THRESHOLDS,
    REP_THRESHOLDS,
    STREAK_LENGTHS,
    streak_badge,
)
from bot.domain.challenges import Challenge, best_multiplier
from bot.domain.guild_settings import GuildSettings
from bot.domain.interactions import (
    KudosRecord,
    MessageRecord,
    ReactionRecord,
    extract_message_candidates,
    normalise_content,
)
from bot.domain.points import (
    DUPLICATE_WINDOW_SECONDS,
    cooldown_passes,
    earner_of,
    is_duplicate,
    is_new_member,
    multiply,
    truncate_to_caps,
)
from bot.domain.streaks import RestorePlan, StreakRun, local_day, pair_key
from bot.domain.timeutil import epoch_us, from_epoch_us

# interaction flags stored with each row so counters can be rebuilt after a restart
FLAG_COOLDOWN_PASSED = 1
FLAG_UNIT_USED = 2
FLAG_STREAK = 4

DAYS_IN_MEMORY = 7
# the longest cooldown a guild may set (guild_settings.Limits.cooldown_seconds)
COOLDOWN_HORIZON = timedelta(days=7)


@dataclass(slots=True)
class MemberInfo:
    bot: bool = False
    joined_at: datetime | None = None
    opted_out: bool = False
    excluded: bool = False
    left: bool = False

    @property
    def counts(self) -> bool:
        return not (self.bot or self.opted_out or self.excluded)


class StoredMessage(NamedTuple):
    author: int
    ts: datetime


_TS_BIAS = 1 << 62  # keeps the packed time non-negative (any year datetime can hold)
_TS_MASK = (1 << 64) - 1


class MessageMemo:
    """The messages a guild's rules may still need, by id: only the author (whom a reply or
    a reaction targets) and the time (to take a deleted message out of the duplicate
    window), packed into one int per message. Insertion order is kept, so the oldest are
    dropped first when memory is short (the store has them; see the tracking pipeline)."""

    __slots__ = ("_packed",)

    def __init__(self) -> None:
        self._packed: dict[int, int] = {}

    def __contains__(self, message: object) -> bool:
        return message in self._packed

    def __len__(self) -> int:
        return len(self._packed)

    def add(self, message: int, author: int, ts_us: int) -> None:
        self._packed[message] = (author << 64) | (ts_us + _TS_BIAS)

    def author(self, message: int) -> int | None:
        packed = self._packed.get(message)
        return None if packed is None else packed >> 64

    def get(self, message: int) -> StoredMessage | None:
        packed = self._packed.get(message)
        if packed is None:
            return None
        return StoredMessage(packed >> 64, from_epoch_us((packed & _TS_MASK) - _TS_BIAS))

    def update(self, found: dict[int, StoredMessage]) -> None:
        for message, stored in found.items():
            self.add(message, stored.author, epoch_us(stored.ts))

    def drop_oldest(self, count: int) -> int:
        """Forget the `count` oldest entries; returns how many were dropped."""
        packed = self._packed
        if count >= len(packed):
            dropped = len(packed)
            packed.clear()
            return dropped
        for key in list(itertools.islice(packed, count)):
            del packed[key]
        return count

    def clear(self) -> int:
        dropped = len(self._packed)
        self._packed.clear()
        return dropped


# what an empty guild state weighs, in entries of GuildState.footprint (its object and its
# two dozen empty containers)
STATE_BASE_ENTRIES = 40


# -- rows in their stored form (plain tuples to the database driver) -------------------------
# times are epoch microseconds, days ISO dates in the guild's zone


class MessageRow(NamedTuple):
    guild: int
    message: int
    channel: int
    author: int
    ts_us: int
    norm: str


class InteractionRow(NamedTuple):
    guild: int
    source: str
    actor: int
    target: int
    kind: str
    ts_us: int
    day: str
    channel: int | None
    points: int
    flags: int


class LedgerRow(NamedTuple):
    guild: int
    user: int
    delta: int
    reason: str
    source: str
    ts_us: int
    day: str
    partner: int | None
    capped: int
    held: int = 0  # 1: held by an authenticity review (SPEC §10), not part of reputation


class PairDayRow(NamedTuple):
    guild: int
    a: int
    b: int
    day: str
    ts_us: int


class BadgeRow(NamedTuple):
    guild: int
    user: int
    badge: str
    at_us: int


class OutboxRow(NamedTuple):
    """A badge's role and announcement, owed from the moment it is stored."""

    guild: int
    user: int
    badge: str
    at_us: int
    actor: int | None  # the moderator whose action awarded it; None when earned


# -- what the store hands back to rebuild a guild's state (see GuildState.restore) ---------


class StoredInteraction(NamedTuple):
    source: str
    actor: int
    target: int
    kind: str
    ts: datetime
    day: date
    flags: int


class CappedAward(NamedTuple):
    """A ledger row that counted against the daily caps (rule 5)."""

    user: int
    partner: int
    day: date
    delta: int


@dataclass(frozen=True, slots=True)
class DayCounters:
    """The stored facts of some local days, from which their rule counters are rebuilt."""

    interactions: list[StoredInteraction]
    qualified: list[tuple[int, int, date]]
    capped: list[CappedAward]


@dataclass(frozen=True, slots=True)
class GuildSnapshot:
    """Everything stored about a guild that its rule state is rebuilt from."""

    members: dict[int, MemberInfo]
    reputation: dict[int, int]
    active: set[int]
    streaks: dict[tuple[int, int], StreakRun]
    partner_pairs: list[tuple[int, int]]
    badges: list[tuple[int, str]]
    newest: datetime | None  # the newest stored interaction, None when nothing is stored
    recent_messages: list[tuple[int, datetime, str]]  # (author, ts, norm), oldest first
    holding: dict[int, datetime] = field(default_factory=dict)  # held members → since
    # the last passing interaction of each directed pair over the longest cooldown before
    # `newest` (rule 1 looks that far back, beyond the days whose counters are rebuilt)
    cooldowns: dict[tuple[int, int], datetime] = field(default_factory=dict)


def memory_window_start(newest: datetime, zone: ZoneInfo) -> date:
    """The first local day whose counters are kept in memory, given the newest event."""
    return local_day(newest, zone) - timedelta(days=DAYS_IN_MEMORY - 1)


def direction_bit(a: int, actor: int) -> int:
    """Which way an interaction of pair (a, b) went: 1 when a acted, 2 when b did."""
    return 1 if actor == a else 2


@dataclass(slots=True)
class Batch:
    """Rows produced since the last flush. Streaks and members are coalesced by key."""

    messages: list[MessageRow] = field(default_factory=list)
    interactions: list[InteractionRow] = field(default_factory=list)
    ledger: list[LedgerRow] = field(default_factory=list)
    pair_days: list[PairDayRow] = field(default_factory=list)
    streaks: dict[tuple[int, int, int], StreakRun] = field(default_factory=dict)
    reputation: dict[tuple[int, int], int] = field(default_factory=dict)
    badges: list[BadgeRow] = field(default_factory=list)
    outbox: list[OutboxRow] = field(default_factory=list)
    members: dict[tuple[int, int], MemberInfo] = field(default_factory=dict)
    recompute: set[tuple[int, int, int]] = field(default_factory=set)
    active: set[tuple[int, int]] = field(default_factory=set)
    cursors: dict[tuple[int, int], int] = field(default_factory=dict)
    count: int = 0  # records applied

    def __len__(self) -> int:
        return self.count

    def guilds(self) -> set[int]:
        """The guilds whose stored data this batch changes."""
        out = {row[0] for rows in (self.messages, self.interactions, self.ledger) for row in rows}
        out.update(key[0] for key in self.reputation)
        out.update(key[0] for key in self.streaks)
        out.update(key[0] for key in self.recompute)
        out.update(row[0] for row in self.badges)
        return out

    @property
    def empty(self) -> bool:
        return not (
            self.messages
            or self.interactions
            or self.ledger
            or self.pair_days
            or self.streaks
            or self.reputation
            or self.badges
            or self.members
            or self.recompute
            or self.cursors
        )


@dataclass(frozen=True, slots=True)
class AwardNote:
    """How one award came out of rules 0, 4 and 5 and a review hold, to explain it to the
    member (what the guild's setting gave, what changed it)."""

    earner: int
    partner: int
    reason: str  # the ledger reason: "kudos", "streak_day", "milestone-7", …
    base: int  # the guild's points for it, before any rule
    points: int  # what was awarded in the end
    multiplier: float = 1.0  # rule 4 (1.0: none applied)
    challenge: str = ""  # the challenge whose multiplier applied
    cap: str = ""  # rule 5 cap that truncated it: "pair" or "member" ("" none)
    cap_limit: int = 0  # that cap's daily limit
    cap_used: int = 0  # what the earner had already earned today under that cap
    held: bool = False  # held by an authenticity review (SPEC §10)
    new_member: bool = False  # rule 0: joined too recently to earn
    multiplied: int = 0  # after rule 4, before the caps


@dataclass(frozen=True, slots=True)
class KudosOutcome:
    accepted: bool
    reason: str = ""  # why refused: "self", "bot", "optout", "daily", "same", "duplicate"
    points: int = 0  # the receiver's reputation change (held points excluded)
    awards: tuple[AwardNote, ...] = ()  # every award the kudos made (both members), in order

    def notes_for(self, user: int) -> tuple[AwardNote, ...]:
        return tuple(n for n in self.awards if n.earner == user)


@dataclass(slots=True)
class BadgeAward:
    guild: int
    user: int
    badge: str
    at: datetime
    actor: int | None = None  # the moderator whose action awarded it


class GuildState:
    """Everything the rules remember about one guild."""

    def __init__(self, guild: int, settings: GuildSettings | None = None) -> None:
        self.guild = guild
        self.settings = settings or GuildSettings()
        self.members: dict[int, MemberInfo] = {}
        self.messages = MessageMemo()
        self.seen_keys: set[tuple[Any, ...]] = set()
        self.recent_by_author: dict[int, deque[tuple[datetime, str]]] = defaultdict(deque)
        self.cooldown: dict[tuple[int, int], datetime] = {}
        self.allowance: dict[tuple[int, int, date], int] = defaultdict(int)
        self.kudos_given: dict[tuple[int, date], int] = defaultdict(int)
        self.kudos_pairs: set[tuple[int, int, date]] = set()
        self.pair_cap: dict[tuple[int, int, date], int] = defaultdict(int)
        self.member_cap: dict[tuple[int, date], int] = defaultdict(int)
        self.directions: dict[tuple[int, int, date], int] = defaultdict(int)
        self.qualified: set[tuple[int, int, date]] = set()
        self.streaks: dict[tuple[int, int], StreakRun] = {}
        self.partners: dict[int, set[int]] = defaultdict(set)
        self.reputation: dict[int, int] = defaultdict(int)
        self.badges: dict[int, set[str]] = defaultdict(set)
        self.participants_seen: set[int] = set()
        self.challenges: dict[int, Challenge] = {}
        self.new_badges: list[BadgeAward] = []
        # the moderator whose action is being applied (set by the pipeline's locked());
        # badges it awards carry them, so a linked role is checked against their power
        self.acting: int | None = None
        # members flagged by an authenticity review in hold mode → start of the held window
        self.holding: dict[int, datetime] = {}
        self.latest_day: date | None = None
        # days >= window_start have all their counters in memory; older days only when
        # listed in loaded_days
        self.window_start: date = date.min
        self.loaded_days: set[date] = set()
        # None: every member's facts are in memory. A set (a huge guild's state, loaded on
        # demand, see B18): only these members' own facts and the facts of every pair with
        # one of them; a record is applied only once all its members are loaded
        self.loaded: set[int] | None = None
        self.channel_allow: set[int] | None = None  # None: every text channel is tracked
        self.channel_deny: set[int] = set()
        self._iso_cache: dict[date, str] = {}
        self._notes: list[AwardNote] | None = None  # set while a kudos is explained
        self._last_at: datetime | None = None
        self._last_us = 0

    def set_channels(self, allow: Iterable[int] | None, deny: Iterable[int] | None) -> None:
        """The tracked channels: an allow-list (None or empty: every text channel) and a
        deny-list."""
        allowed = {int(c) for c in allow} if allow else None
        self.channel_allow = allowed or None
        self.channel_deny = {int(c) for c in deny or ()}

    def tracks(self, channel: int, parent: int | None = None) -> bool:
        """A deny-list always wins; an allow-list (if any) must name the channel or its parent."""
        if channel in self.channel_deny or (parent is not None and parent in self.channel_deny):
            return False
        if self.channel_allow is None:
            return True
        allow = self.channel_allow
        return channel in allow or (parent is not None and parent in allow)

    def _us(self, at: datetime) -> int:
        """epoch_us of the record being applied, computed once for all its rows."""
        if at is not self._last_at:
            self._last_at = at
            self._last_us = epoch_us(at)
        return self._last_us

    def _iso(self, day: date) -> str:
        text = self._iso_cache.get(day)
        if text is None:
            if len(self._iso_cache) > 400:
                self._iso_cache.clear()
            text = self._iso_cache[day] = day.isoformat()
        return text

    # -- members -------------------------------------------------------------------------
    def member(self, user: int) -> MemberInfo:
        info = self.members.get(user)
        if info is None:
            info = MemberInfo()
            self.members[user] = info
        return info

    def counts(self, user: int) -> bool:
        info = self.members.get(user)
        return info is None or info.counts

    # -- rebuilding after a restart --------------------------------------------------------
    @classmethod
    def restore(
        cls,
        guild: int,
        settings: GuildSettings,
        snapshot: GuildSnapshot,
        recent: DayCounters | None,
    ) -> GuildState:
        """A guild's rule state rebuilt from what the store holds: members, streaks,
        partners, badges, and the counters of the last DAYS_IN_MEMORY local days (`recent`,
        the stored facts from `memory_window_start(snapshot.newest, zone)` on)."""
        st = cls(guild, settings)
        st.members.update(snapshot.members)
        st.reputation.update(snapshot.reputation)
        st.participants_seen |= snapshot.active
        st.streaks.update(snapshot.streaks)
        st.holding.update(snapshot.holding)
        for a, b in snapshot.partner_pairs:
            st.partners[a].add(b)
            st.partners[b].add(a)
        for user, badge in snapshot.badges:
            st.badges[user].add(badge)
        for author, ts, norm in snapshot.recent_messages:
            st.recent_by_author[author].append((ts, norm))
        if snapshot.newest is None or recent is None:
            st.window_start = date.min  # nothing stored: every day is complete in memory
            return st
        st.window_start = memory_window_start(snapshot.newest, settings.zone)
        st.latest_day = st.restore_counters(recent)
        cooldown = st.cooldown
        for pair, ts in snapshot.cooldowns.items():
            known = cooldown.get(pair)
            if known is None or ts > known:
                cooldown[pair] = ts
        return st

    def restore_counters(self, facts: DayCounters) -> date | None:
        """Rebuild the rule counters of some local days from their stored interactions,
        qualifying days and capped ledger rows; returns the newest day seen. The flags the
        engine stored with each interaction say which rules it passed."""
        newest: date | None = None
        for row in facts.interactions:
            source, actor, target, kind, ts, day, flags = row
            newest = day if newest is None or day > newest else newest
            if kind in ("reaction", "kudos"):
                self.seen_keys.add((source, actor, target, kind))
            if flags & FLAG_COOLDOWN_PASSED:
                known = self.cooldown.get((actor, target))
                if known is None or ts > known:
                    self.cooldown[(actor, target)] = ts
            if flags & FLAG_UNIT_USED:
                earner, partner = earner_of(kind, actor, target)
                self.allowance[(earner, partner, day)] += 1
            if kind == "kudos":
                self.kudos_given[(actor, day)] += 1
                self.kudos_pairs.add((actor, target, day))
            if flags & FLAG_STREAK:
                a, b = pair_key(actor, target)
                self.directions[(a, b, day)] |= direction_bit(a, actor)
        self.qualified.update(facts.qualified)
        for user, partner, day, delta in facts.capped:
            self.pair_cap[(user, partner, day)] += delta
            self.member_cap[(user, day)] += delta
        return newest

    def restore_day(self, day: date, facts: DayCounters) -> None:
        """Bring one older local day's counters into memory (a late or re-applied event).
        A partial state takes the rows of its loaded members only: the others' come with
        them when they are loaded (the day is then in loaded_days)."""
        loaded = self.loaded
        if loaded is not None:
            facts = DayCounters(
                [r for r in facts.interactions if r.actor in loaded or r.target in loaded],
                [q for q in facts.qualified if q[0] in loaded or q[1] in loaded],
                [c for c in facts.capped if c.user in loaded],
            )
        self.restore_counters(facts)
        self.loaded_days.add(day)

    # -- memory -----------------------------------------------------------------------------
    def footprint(self) -> int:
        """How many entries this state holds in its containers, nested ones included (a fixed
        part stands for the empty state; the message memo, bounded on its own, is left out):
        the measure the pipeline bounds resident states by, at a measured number of bytes an
        entry (docs/DECISIONS.md B19)."""
        nested = (
            sum(map(len, self.partners.values()))
            + sum(map(len, self.badges.values()))
            + sum(map(len, self.recent_by_author.values()))
        )
        flat = (
            len(self.members)
            + len(self.seen_keys)
            + len(self.recent_by_author)
            + len(self.cooldown)
            + len(self.allowance)
            + len(self.kudos_given)
            + len(self.kudos_pairs)
            + len(self.pair_cap)
            + len(self.member_cap)
            + len(self.directions)
            + len(self.qualified)
            + len(self.streaks)
            + len(self.partners)
            + len(self.reputation)
            + len(self.badges)
            + len(self.participants_seen)
            + len(self.holding)
        )
        return STATE_BASE_ENTRIES + flat + nested

    # -- partial state (a huge guild, loaded member by member; B18) -----------------------
    @classmethod
    def partial(cls, guild: int, settings: GuildSettings, newest: datetime | None) -> GuildState:
        """A guild's rule state with no member loaded yet; `newest` is the newest stored
        interaction (None: none stored). Members' facts are then read back as `restore`
        reads the whole guild's, from the same reference times (add_members)."""
        st = cls(guild, settings)
        st.loaded = set()
        st.window_start = (
            memory_window_start(newest, settings.zone) if newest is not None else date.min
        )
        return st

    def missing(self, users: Iterable[int]) -> set[int]:
        """The members among `users` whose facts are not in memory yet."""
        loaded = self.loaded
        if loaded is None:
            return set()
        return {u for u in users if u not in loaded}

    def counters_since(self) -> date:
        """The first local day whose counters a member's load must bring (older days only
        when in loaded_days)."""
        return min([self.window_start, *self.loaded_days])

    def add_members(self, users: set[int], facts: GuildSnapshot, counters: DayCounters) -> None:
        """Bring the stored facts of `users` (none of them loaded yet) into a partial state,
        exactly as restoring the whole guild would have them: their own rows, the rows of
        each pair with one of them, and the counters of the days in memory. A pair with a
        member loaded before is left alone: it is in memory already, with whatever was
        applied to it since (and its stored rows were counted when that member came)."""
        loaded = self.loaded
        if loaded is None:
            return
        users = users - loaded

        def fresh(a: int, b: int) -> bool:
            return a not in loaded and b not in loaded

        start, older = self.window_start, self.loaded_days

        def in_memory(day: date) -> bool:
            return day >= start or day in older

        self.members.update({u: i for u, i in facts.members.items() if u in users})
        self.reputation.update({u: r for u, r in facts.reputation.items() if u in users})
        self.participants_seen |= facts.active & users
        for pair, run in facts.streaks.items():
            if fresh(*pair):
                self.streaks[pair] = run
        for a, b in facts.partner_pairs:
            self.partners[a].add(b)
            self.partners[b].add(a)
        for user, badge in facts.badges:
            if user in users:
                self.badges[user].add(badge)
        self.holding.update({u: t for u, t in facts.holding.items() if u in users})
        for author, ts, norm in facts.recent_messages:
            if author in users:
                self.recent_by_author[author].append((ts, norm))
        newest = self.restore_counters(
            DayCounters(
                [r for r in counters.interactions if fresh(r.actor, r.target) and in_memory(r.day)],
                [q for q in counters.qualified if fresh(q[0], q[1]) and in_memory(q[2])],
                [c for c in counters.capped if c.user in users and in_memory(c.day)],
            )
        )
        if (
            newest is not None
            and newest >= start
            and (self.latest_day is None or newest > self.latest_day)
        ):
            self.latest_day = newest
        cooldown = self.cooldown
        for pair, ts in facts.cooldowns.items():
            if fresh(*pair):
                known = cooldown.get(pair)
                if known is None or ts > known:
                    cooldown[pair] = ts
        loaded |= users

    # -- housekeeping --------------------------------------------------------------------
    def needs_day(self, day: date) -> bool:
        """Are the counters of `day` not in memory (older than the window, not loaded)?
        The pipeline then flushes and loads them from the database before applying."""
        return day < self.window_start and day not in self.loaded_days

    def _advance_day(self, day: date) -> None:
        """Keep the counters of the last DAYS_IN_MEMORY local days; older ones are dropped
        (they are in the database and reloaded on demand)."""
        if self.latest_day is not None and day <= self.latest_day:
            return
        self.latest_day = day
        cutoff = day.toordinal() - DAYS_IN_MEMORY
        cutoff_day = date.fromordinal(cutoff)
        if cutoff_day <= self.window_start:
            return
        self.window_start = cutoff_day
        self.loaded_days = {d for d in self.loaded_days if d >= cutoff_day}
        # dates compare directly (cheaper than toordinal() on every key of every counter)
        for store in (self.allowance, self.pair_cap, self.directions):
            for key in [k for k in store if k[2] < cutoff_day]:
                del store[key]
        for key2 in [k for k in self.kudos_given if k[1] < cutoff_day]:
            del self.kudos_given[key2]
        for key3 in [k for k in self.member_cap if k[1] < cutoff_day]:
            del self.member_cap[key3]
        self.kudos_pairs = {k for k in self.kudos_pairs if k[2] >= cutoff_day}
        self.qualified = {k for k in self.qualified if k[2] >= cutoff_day}

    # -- awarding (rules 0, 4, 5) ---------------------------------------------------------
    def _award(
        self,
        out: Batch,
        earner: int,
        partner: int,
        base: int,
        reason: str,
        source: str,
        at: datetime,
        day: date,
        capped: bool,
    ) -> int:
        notes = self._notes
        if base <= 0:
            if notes is not None:
                notes.append(AwardNote(earner, partner, reason, base, 0))
            return 0
        limits = self.settings.limits
        info = self.members.get(earner)
        if info is not None and is_new_member(info.joined_at, at, limits.min_member_age_days):
            if notes is not None:
                notes.append(AwardNote(earner, partner, reason, base, 0, new_member=True))
            return 0
        challenges = self.challenges
        multiplier = best_multiplier(challenges.values(), earner, at) if challenges else 1.0
        points = multiply(base, multiplier)
        multiplied = points
        if capped:
            cap_key = (earner, partner, day)
            member_key = (earner, day)
            pair_used = self.pair_cap[cap_key]
            day_used = self.member_cap[member_key]
            points = truncate_to_caps(
                points, pair_used, limits.pair_daily_cap, day_used, limits.member_daily_cap
            )
            self.pair_cap[cap_key] = pair_used + points
            self.member_cap[member_key] = day_used + points
        held = points > 0 and bool(self.holding) and self.is_held(earner, at)
        if notes is not None:
            cap, cap_limit, cap_used = "", 0, 0
            if capped and points < multiplied:
                pair_left = limits.pair_daily_cap - pair_used
                if pair_left <= limits.member_daily_cap - day_used:
                    cap, cap_limit, cap_used = "pair", limits.pair_daily_cap, pair_used
                else:
                    cap, cap_limit, cap_used = "member", limits.member_daily_cap, day_used
            notes.append(
                AwardNote(
                    earner,
                    partner,
                    reason,
                    base,
                    points,
                    multiplier,
                    self._multiplier_source(earner, at, multiplier),
                    cap,
                    cap_limit,
                    cap_used,
                    held,
                    multiplied=multiplied,
                )
            )
        if points <= 0:
            return 0
        out.ledger.append(
            LedgerRow(
                self.guild,
                earner,
                points,
                reason,
                source,
                self._us(at),
                self._iso(day),
                partner,
                int(capped),
                int(held),
            )
        )
        if held:  # counted by every rule above, kept out of reputation until decided
            return points
        before = self.reputation[earner]
        after = before + points
        self.reputation[earner] = after
        out.reputation[(self.guild, earner)] = after
        if after >= REP_THRESHOLDS[0]:
            self._rep_crossed(out, earner, before, after, at)
        return points

    def _multiplier_source(self, user: int, at: datetime, multiplier: float) -> str:
        """The name of the active challenge whose multiplier (rule 4) applied."""
        if multiplier <= 1:
            return ""
        for ch in self.challenges.values():
            if ch.multiplier == multiplier and ch.active_at(at) and ch.takes_part(user, at):
                return ch.name
        return ""

    def is_held(self, user: int, at: datetime) -> bool:
        """Are `user`'s points earned at `at` held by an undecided review flag?"""
        since = self.holding.get(user)
        return since is not None and at >= since

    def set_reputation(self, out: Batch, user: int, total: int, at: datetime) -> None:
        """The member's reputation after a review decision changed what counts; badges whose
        threshold it now reaches are given."""
        before = self.reputation[user]
        self.reputation[user] = total
        out.reputation[(self.guild, user)] = total
        self._rep_crossed(out, user, before, total, at)

    def _rep_crossed(self, out: Batch, user: int, before: int, after: int, at: datetime) -> None:
        """Reputation badges whose threshold this change reached (a revoked badge is not
        handed straight back by the next point)."""
        if after >= REP_THRESHOLDS[0]:
            for n in REP_THRESHOLDS:
                if before < n <= after:
                    self.give_badge(out, user, f"rep-{n}", at)

    def give_badge(self, out: Batch, user: int, badge: str, at: datetime) -> bool:
        held = self.badges[user]
        if badge in held:
            return False
        held.add(badge)
        at_us = self._us(at)
        out.badges.append(BadgeRow(self.guild, user, badge, at_us))
        out.outbox.append(OutboxRow(self.guild, user, badge, at_us, self.acting))
        self.new_badges.append(BadgeAward(self.guild, user, badge, at, self.acting))
        return True

    # -- interactions ---------------------------------------------------------------------
    def _record_interaction(
        self,
        out: Batch,
        kind: str,
        actor: int,
        target: int,
        source: str,
        at: datetime,
        day: date,
        channel: int | None,
        duplicate: bool,
    ) -> None:
        settings = self.settings
        earner, partner = earner_of(kind, actor, target)
        flags = 0
        points = 0
        if kind == "kudos":
            points = self._award(
                out,
                earner,
                partner,
                settings.points.kudos,
                "kudos",
                f"{source}:{actor}:{target}:kudos",
                at,
                day,
                True,
            )
        else:
            last = self.cooldown.get((actor, target))
            cooldown = settings.limits.cooldown_seconds
            if last is not None and at < last:
                # arrived late (backfill): it passes only far enough from the newest pass,
                # and does not move the clock
                passed = (last - at).total_seconds() >= cooldown
            else:
                passed = cooldown_passes(last, at, cooldown)
                if passed:
                    self.cooldown[(actor, target)] = at
            if passed:
                flags |= FLAG_COOLDOWN_PASSED
                if not duplicate:
                    key = (earner, partner, day)
                    used = self.allowance[key]
                    if used < settings.limits.interactions_per_partner_per_day:
                        self.allowance[key] = used + 1
                        flags |= FLAG_UNIT_USED
                        base = getattr(settings.points, kind)
                        points = self._award(
                            out,
                            earner,
                            partner,
                            base,
                            kind,
                            f"{source}:{actor}:{target}:{kind}",
                            at,
                            day,
                            True,
                        )
        eligible = kind in settings.streak_kinds
        if eligible:
            flags |= FLAG_STREAK
        out.interactions.append(
            InteractionRow(
                self.guild,
                source,
                actor,
                target,
                kind,
                self._us(at),
                self._iso(day),
                channel,
                points,
                flags,
            )
        )
        seen = self.participants_seen
        if actor not in seen:
            seen.add(actor)
            out.active.add((self.guild, actor))
        if target not in seen:
            seen.add(target)
            out.active.add((self.guild, target))
        if eligible:
            self._streak_step(out, actor, target, source, at, day)

    def _streak_step(
        self, out: Batch, actor: int, target: int, source: str, at: datetime, day: date
    ) -> None:
        a, b = pair_key(actor, target)
        if (a, b, day) in self.qualified:
            return
        bit = direction_bit(a, actor)
        flags = self.directions[(a, b, day)] | bit
        self.directions[(a, b, day)] = flags
        if self.settings.streak_mode == "mutual" and flags != 3:
            return
        self.qualified.add((a, b, day))
        out.pair_days.append(PairDayRow(self.guild, a, b, self._iso(day), self._us(at)))
        run = self.streaks.get((a, b))
        if run is None:
            run = StreakRun()
            self.streaks[(a, b)] = run
        in_order = run.last is None or day > run.last
        if in_order:
            run.add_day(day, self.settings.limits.max_freezes)
            out.streaks[(self.guild, a, b)] = run.copy()
        else:
            out.recompute.add((self.guild, a, b))
        bonus_source = f"day:{a}:{b}:{day.isoformat()}"
        points = self.settings.points
        self._award(out, a, b, points.streak_day, "streak_day", bonus_source, at, day, True)
        self._award(out, b, a, points.streak_day, "streak_day", bonus_source, at, day, True)
        if in_order:
            length = run.current
            reward = points.milestones.get(length)
            run_start = run.run_start.isoformat() if run.run_start else day.isoformat()
            ms_source = f"milestone:{a}:{b}:{run_start}:{length}"
            if reward is not None:
                self._award(out, a, b, reward, f"milestone-{length}", ms_source, at, day, False)
                self._award(out, b, a, reward, f"milestone-{length}", ms_source, at, day, False)
            badge = streak_badge(length)
            if badge is not None:
                self.give_badge(out, a, badge, at)
                self.give_badge(out, b, badge, at)
        for user, other in ((a, b), (b, a)):
            partners = self.partners[user]
            if other not in partners:
                partners.add(other)
                if len(partners) in CONNECTOR_THRESHOLDS:
                    self.give_badge(out, user, f"connector-{len(partners)}", at)

    def adjust(self, out: Batch, user: int, delta: int, source: str, at: datetime) -> int:
        """A moderator's reputation adjustment: exempt from every rule; returns the new total."""
        day = local_day(at, self.settings.zone)
        out.ledger.append(
            LedgerRow(
                self.guild, user, delta, "adjust", source, self._us(at), self._iso(day), None, 0
            )
        )
        before = self.reputation[user]
        total = before + delta
        self.reputation[user] = total
        out.reputation[(self.guild, user)] = total
        self._rep_crossed(out, user, before, total, at)
        return total

    def fill_days(self, out: Batch, a: int, b: int, days: list[date], at: datetime) -> None:
        """Mark days as qualifying for a pair (a moderator restoring a streak); no points."""
        a, b = pair_key(a, b)
        for day in days:
            if (a, b, day) not in self.qualified:
                self.qualified.add((a, b, day))
                out.pair_days.append(PairDayRow(self.guild, a, b, self._iso(day), self._us(at)))
        out.recompute.add((self.guild, a, b))

    def restore_run(self, out: Batch, a: int, b: int, plan: RestorePlan, at: datetime) -> list[int]:
        """A moderator's restore: the plan's missed days qualify, and the joined run earns
        what reaching its length earns - the milestones above the longest run it swallows
        (paid once per run, keyed by the joined run's start) and the streak badges up to its
        length (a badge already held is not given again). Returns the milestone lengths paid."""
        a, b = pair_key(a, b)
        self.fill_days(out, a, b, plan.missed, at)
        day = local_day(at, self.settings.zone)
        run_start = plan.run_start.isoformat()
        paid = []
        for length, reward in sorted(self.settings.points.milestones.items()):
            if plan.paid_up_to < length <= plan.length:
                source = f"milestone:{a}:{b}:{run_start}:{length}"
                self._award(out, a, b, reward, f"milestone-{length}", source, at, day, False)
                self._award(out, b, a, reward, f"milestone-{length}", source, at, day, False)
                paid.append(length)
        for length in STREAK_LENGTHS:
            badge = streak_badge(length)
            if badge is not None and length <= plan.length:
                self.give_badge(out, a, badge, at)
                self.give_badge(out, b, badge, at)
        return paid

    def forget_member(self, user: int) -> None:
        """Opt-out: forget the member's reputation, badges and pairs in memory."""
        self.member(user).opted_out = True
        self.holding.pop(user, None)
        self.reputation.pop(user, None)
        self.badges.pop(user, None)
        self.participants_seen.discard(user)
        for pair in [p for p in self.streaks if user in p]:
            del self.streaks[pair]
        for other in self.partners.pop(user, set()):
            self.partners[other].discard(user)

    def forget_text(self, message_id: int) -> None:
        """Drop a deleted message's text from the duplicate-content window."""
        stored = self.messages.get(message_id)
        if stored is None:
            return
        recent = self.recent_by_author.get(stored.author)
        if recent:
            kept = [entry for entry in recent if entry[0] != stored.ts]
            recent.clear()
            recent.extend(kept)

    # -- public entry points --------------------------------------------------------------
    def apply_message(self, out: Batch, msg: MessageRecord) -> int:
        """Apply one message; returns the number of interactions it produced."""
        if msg.id in self.messages:
            return 0
        out.count += 1
        self.messages.add(msg.id, msg.author, self._us(msg.ts))
        author = self.members.get(msg.author)
        if author is not None and author.opted_out:
            # an opted-out member leaves nothing new behind: no stored text, no interaction
            # (their id stays in memory only, so a reply to it is known to target them)
            self._advance_cursor(out, msg)
            return 0
        norm = normalise_content(msg.content)
        out.messages.append(
            MessageRow(self.guild, msg.id, msg.channel, msg.author, self._us(msg.ts), norm)
        )
        if msg.author_bot:
            self._mark_bot(out, msg.author)
        if msg.reply_author is not None and msg.reply_author_bot:
            self._mark_bot(out, msg.reply_author)
        for bot_user in msg.bots:
            self._mark_bot(out, bot_user)
        self._advance_cursor(out, msg)
        recent = self.recent_by_author[msg.author]
        while recent and (msg.ts - recent[0][0]).total_seconds() > DUPLICATE_WINDOW_SECONDS:
            recent.popleft()
        duplicate = is_duplicate(norm, msg.ts, recent)
        recent.append((msg.ts, norm))
        if not self.tracks(msg.channel, msg.parent_channel) or not self.counts(msg.author):
            return 0
        reply_author = msg.reply_author
        if reply_author is None and msg.reply_to is not None:
            reply_author = self.messages.author(msg.reply_to)
        candidates = extract_message_candidates(
            msg, reply_author, self.counts, self.settings.limits.min_message_chars
        )
        if not candidates:
            return 0
        day = local_day(msg.ts, self.settings.zone)
        self._advance_day(day)
        source = str(msg.id)
        for cand in candidates:
            self._record_interaction(
                out,
                cand.kind,
                msg.author,
                cand.target,
                source,
                msg.ts,
                day,
                msg.channel,
                duplicate,
            )
        return len(candidates)

    def _advance_cursor(self, out: Batch, msg: MessageRecord) -> None:
        if msg.advance_cursor:
            key = (self.guild, msg.channel)
            out.cursors[key] = max(msg.id, out.cursors.get(key, 0))

    def apply_reaction(self, out: Batch, rec: ReactionRecord) -> bool:
        """Apply one reaction add; True if it became an interaction."""
        author = rec.message_author
        if author is None:
            author = self.messages.author(rec.message)
            if author is None:
                return False
        if rec.user_bot:
            self._mark_bot(out, rec.user)
        if not self.tracks(rec.channel, rec.parent_channel) or rec.user == author:
            return False
        if not (self.counts(rec.user) and self.counts(author)):
            return False
        source = str(rec.message)
        if rec.emoji == self.settings.kudos_emoji:
            return self._kudos(out, rec.user, author, source, rec.ts, rec.channel).accepted
        key = (source, rec.user, author, "reaction")
        if key in self.seen_keys:
            return False
        self.seen_keys.add(key)
        out.count += 1
        day = local_day(rec.ts, self.settings.zone)
        self._advance_day(day)
        self._record_interaction(
            out, "reaction", rec.user, author, source, rec.ts, day, rec.channel, False
        )
        return True

    def apply_kudos(self, out: Batch, rec: KudosRecord) -> KudosOutcome:
        if rec.receiver_bot:
            self._mark_bot(out, rec.receiver)
        return self._kudos(out, rec.giver, rec.receiver, rec.key_source, rec.ts, None)

    def check_kudos(self, giver: int, receiver: int, at: datetime) -> KudosOutcome:
        """Would a kudos be accepted now? (Used to explain a refusal before applying.)"""
        if giver == receiver:
            return KudosOutcome(False, "self")
        if not self.counts(receiver) or not self.counts(giver):
            info = self.members.get(receiver)
            return KudosOutcome(False, "bot" if info is not None and info.bot else "optout")
        day = local_day(at, self.settings.zone)
        if (giver, receiver, day) in self.kudos_pairs:
            return KudosOutcome(False, "same")
        if self.kudos_given[(giver, day)] >= self.settings.limits.kudos_per_day:
            return KudosOutcome(False, "daily")
        return KudosOutcome(True)

    def _kudos(
        self,
        out: Batch,
        giver: int,
        receiver: int,
        source: str,
        at: datetime,
        channel: int | None,
    ) -> KudosOutcome:
        key = (source, giver, receiver, "kudos")
        if key in self.seen_keys:
            return KudosOutcome(False, "duplicate")
        verdict = self.check_kudos(giver, receiver, at)
        if not verdict.accepted:
            return verdict
        day = local_day(at, self.settings.zone)
        self._advance_day(day)
        self.seen_keys.add(key)
        self.kudos_given[(giver, day)] += 1
        self.kudos_pairs.add((giver, receiver, day))
        out.count += 1
        before = self.reputation[receiver]
        notes: list[AwardNote] = []
        self._notes = notes
        try:
            self._record_interaction(out, "kudos", giver, receiver, source, at, day, channel, False)
        finally:
            self._notes = None
        return KudosOutcome(True, "", self.reputation[receiver] - before, tuple(notes))

    def _mark_bot(self, out: Batch, user: int) -> None:
        """A user the source says is a bot: remembered, and stored (so the state rebuilt
        after a restart or an eviction knows it too)."""
        info = self.member(user)
        if not info.bot:
            info.bot = True
            out.members[(self.guild, user)] = MemberInfo(
                True, info.joined_at, info.opted_out, info.excluded, info.left
            )

    def apply_member(
        self, out: Batch, user: int, bot: bool, joined_at: datetime | None, left: bool = False
    ) -> None:
        info = self.member(user)
        info.bot = bot
        if joined_at is not None:
            info.joined_at = joined_at
        info.left = left
        out.members[(self.guild, user)] = MemberInfo(
            info.bot, info.joined_at, info.opted_out, info.excluded, info.left
        )
