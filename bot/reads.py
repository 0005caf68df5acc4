"""Read-side queries shared by commands and scheduled posts: storage rows evaluated by the
domain rules at `now`. No discord here."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from bot.domain.calendar import CalendarDays, member_calendar
from bot.domain.challenges import Challenge, Progress, evaluate_progress
from bot.domain.streaks import StreakView, local_day, view_at
from bot.storage.audit import AuditEntry
from bot.storage.audit import AuditFilter as AuditFilter  # what /mod audit filters by
from bot.storage.members import MemberRow
from bot.storage.tracking import PairStreakRow
from bot.tracking.pipeline import TrackingPipeline

K = TypeVar("K")
V = TypeVar("V")

PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class PairView:
    a: int
    b: int
    view: StreakView

    def partner_of(self, user: int) -> int:
        return self.b if self.a == user else self.a


@dataclass(frozen=True, slots=True)
class BoardEntry:
    rank: int
    users: tuple[int, ...]
    value: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BoardPage:
    board: str
    entries: list[BoardEntry]
    page: int
    has_next: bool
    title: str


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def period_start(today: date, period: str) -> date:
    """The first local day of the running week (Monday) or month (the 1st)."""
    return week_start(today) if period == "weekly" else today.replace(day=1)


PERIOD_TITLES = {"weekly": "This week", "monthly": "This month"}


WEEKLY_CACHE_SECONDS = 60.0
RECAP_MEMBERS = 5
RECAP_PAIRS = 3
RECAP_LIST = 5  # milestones and badges named in a recap; the rest are counted
RECAP_NAMES = 8  # members named per badge in a recap


@dataclass(frozen=True, slots=True)
class EndedChallenge:
    challenge: Challenge
    completed: list[int]  # public completers (who may be named), in id order
    total: int = 0  # everyone who completed it, named or not


@dataclass(frozen=True, slots=True)
class Recap:
    """What a completed schedule period [start, end) brought (SPEC §6), public members only."""

    start: datetime
    end: datetime
    members: list[tuple[int, int]]  # (member, points), most first
    pairs: list[tuple[int, int, int]]  # (a, b, streak days in the period), most first
    milestones: list[tuple[int, int, int]]  # (a, b, length), longest first
    milestone_count: int
    # (emoji, badge name, its first members, how many earned it), in order of first award
    badges: list[tuple[str, str, list[int], int]]
    badge_count: int  # badges that were earned in all (RECAP_LIST are shown)
    challenges: list[EndedChallenge]

    @property
    def empty(self) -> bool:
        return not (self.members or self.pairs or self.milestones or self.badges or self.challenges)


def _ranked_entries(
    rows: list[tuple[tuple[int, ...], int, str]], offset: int, values: list[int] | None
) -> list[BoardEntry]:
    """Board entries where ties share a rank: 1 + how many show more. With the whole board's
    values (descending) that is exact; otherwise ties share a rank within the page."""
    ascending = sorted(values) if values is not None else None
    out: list[BoardEntry] = []
    for i, (users, value, detail) in enumerate(rows):
        if ascending is not None:
            rank = len(ascending) - bisect.bisect_right(ascending, value) + 1
        elif out and out[-1].value == value:
            rank = out[-1].rank
        else:
            rank = offset + i + 1
        out.append(BoardEntry(rank, users, value, detail))
    return out


class FreshCache(Generic[K, V]):
    """Values kept at most WEEKLY_CACHE_SECONDS, and at most `limit` of them: stale entries
    are swept when it is full, then the oldest go, so the memory does not grow with the
    number of guilds ever looked at."""

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None or time.monotonic() - found[0] >= WEEKLY_CACHE_SECONDS:
            return None
        return found[1]

    def put(self, key: K, value: V) -> None:
        clock = time.monotonic()
        entries = self._entries
        entries.pop(key, None)
        if len(entries) >= self.limit:
            for old in [k for k, (at, _) in entries.items() if clock - at >= WEEKLY_CACHE_SECONDS]:
                del entries[old]
            while len(entries) >= self.limit:  # insertion order: the oldest first
                del entries[next(iter(entries))]
        entries[key] = (clock, value)

    def drop(self, matches: Callable[[K], bool]) -> None:
        for key in [k for k in self._entries if matches(k)]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


class Reads:
    """Read models: what commands and posts show, evaluated at `now`. Cached lists are
    dropped whenever a service commits a change to the guild."""

    def __init__(self, pipeline: TrackingPipeline) -> None:
        self.pipeline = pipeline
        self.members = pipeline.repos.members
        self.streaks = pipeline.repos.streaks
        self.ledger = pipeline.repos.ledger
        pipeline.add_change_listener(self.forget)
        # weekly sums are an aggregate over the week's ledger: served from a cache at most
        # a minute old, keyed by guild and week
        self._weekly: FreshCache[tuple[int, date, str], list[tuple[int, int]]] = FreshCache()
        # reputations in descending order per guild, for ranks by bisection (same staleness)
        self._reputations: FreshCache[int, list[int]] = FreshCache()
        self._hidden: FreshCache[tuple[int, bool], list[int]] = FreshCache()

    async def today(self, guild: int, now: datetime) -> date:
        settings = await self.pipeline.settings(guild)
        return local_day(now, settings.zone)

    def _views(self, rows: list[PairStreakRow], today: date) -> list[PairView]:
        return [PairView(r.a, r.b, view_at(r.run, today)) for r in rows]

    async def member_streaks(self, guild: int, user: int, now: datetime) -> list[PairView]:
        await self.pipeline.catch_up()
        today = await self.today(guild, now)
        views = self._views(await self.streaks.pairs_of(guild, user), today)
        views.sort(key=lambda p: (-p.view.current, -p.view.best, p.partner_of(user)))
        return views

    async def pair(self, guild: int, a: int, b: int, now: datetime) -> PairView | None:
        await self.pipeline.catch_up()
        lo, hi = (a, b) if a < b else (b, a)
        row = await self.streaks.pair(guild, lo, hi)
        if row is None:
            return None
        return PairView(lo, hi, view_at(row.run, await self.today(guild, now)))

    async def alive_pairs(
        self, guild: int, now: datetime, limit: int, offset: int, exclude: list[int]
    ) -> list[PairView]:
        """Pairs whose streak is alive today, longest first, without `exclude`d members."""
        settings = await self.pipeline.settings(guild)
        today = local_day(now, settings.zone)
        rows = await self.streaks.alive_streaks(
            guild, today, settings.limits.max_freezes, limit, offset, exclude
        )
        return [p for p in self._views(rows, today) if p.view.current > 0]

    async def weekly(self, guild: int, now: datetime) -> list[tuple[int, int]]:
        return await self.period_points(guild, now, "weekly")

    async def period_points(self, guild: int, now: datetime, period: str) -> list[tuple[int, int]]:
        """(member, points) earned since the start of the running week or month, most first."""
        settings = await self.pipeline.settings(guild)
        start = period_start(local_day(now, settings.zone), period)
        key = (guild, start, period)
        cached = self._weekly.get(key)
        if cached is not None:
            return cached
        since = datetime.combine(start, datetime.min.time(), tzinfo=settings.zone)
        rows = await self.ledger.points_since(guild, since, 1_000_000, 0)
        self._weekly.put(key, rows)
        return rows

    async def reputation_rank(self, guild: int, reputation: int) -> int:
        """1 + members with more reputation, from a per-guild list at most a minute old."""
        values = self._reputations.get(guild)
        if values is None:
            values = await self.members.reputations_ascending(guild)
            self._reputations.put(guild, values)
        return len(values) - bisect.bisect_right(values, reputation) + 1

    async def hidden(self, guild: int, public_only: bool = False) -> list[int]:
        """Members boards leave out, from a list at most a minute old (see `forget`)."""
        key = (guild, public_only)
        cached = self._hidden.get(key)
        if cached is None:
            cached = await self.members.hidden_members(guild, public_only)
            self._hidden.put(key, cached)
        return cached

    def forget(self, guild: int) -> None:
        """A service changed the guild (visibility, opt-out, exclusion, reputation…):
        rebuild cached lists."""
        self._hidden.drop(lambda key: key[0] == guild)
        self._reputations.drop(lambda key: key == guild)
        self._weekly.drop(lambda key: key[0] == guild)

    async def board(
        self,
        guild: int,
        board: str,
        page: int,
        now: datetime,
        challenge: Challenge | None = None,
        public_only: bool = False,
    ) -> BoardPage:
        """A page of a board. Private, opted-out and excluded members are left out; with
        `public_only` (the bot's own posts) so are members who chose server-only."""
        await self.pipeline.catch_up()
        offset = page * PAGE_SIZE
        want = PAGE_SIZE + 1  # one more row tells whether there is a next page
        hidden = await self.hidden(guild, public_only)
        hidden_set = set(hidden)
        ranked: list[tuple[tuple[int, ...], int, str]] = []
        values: list[int] | None = None  # every value of the board, when it is in memory
        if board == "streaks":
            alive = await self.alive_pairs(guild, now, want, offset, hidden)
            ranked = [((p.a, p.b), p.view.current, "") for p in alive]
            title = "Longest running streaks"
        elif board == "best":
            rows = await self.streaks.top_best(guild, want, offset, hidden)
            ranked = [((r.a, r.b), r.run.best, "") for r in rows]
            title = "Best streaks ever"
        elif board == "reputation":
            top = await self.members.top_reputation(guild, want, offset, public_only)
            ranked = [((u,), rep, "") for u, rep in top]
            title = "Reputation"
        elif board in PERIOD_TITLES:
            sums = await self.period_points(guild, now, board)
            shown = [(u, p) for u, p in sums if u not in hidden_set]
            ranked = [((u,), pts, "") for u, pts in shown[offset : offset + want]]
            settings = await self.pipeline.settings(guild)
            since = period_start(local_day(now, settings.zone), board).isoformat()
            title = f"{PERIOD_TITLES[board]} (since {since})"
            values = [p for _, p in shown]
        elif board == "challenge":
            if challenge is None:
                return BoardPage(board, [], 0, False, "No challenge running")
            progress = await self.progress(challenge, now)
            order = sorted(
                ((u, v) for u, v in progress.per_member.items() if u not in hidden_set),
                key=lambda kv: (-kv[1], kv[0]),
            )
            ranked = [
                ((u,), v, "✅" if u in progress.completed else "")
                for u, v in order[offset : offset + want]
            ]
            title = f"Challenge: {challenge.name}"
            values = [v for _, v in order]
        else:
            raise ValueError(board)
        entries = _ranked_entries(ranked[:PAGE_SIZE], offset, values)
        return BoardPage(board, entries, page, len(ranked) > PAGE_SIZE, title)

    async def rank_of(
        self, guild: int, board: str, user: int, now: datetime, challenge: Challenge | None = None
    ) -> tuple[int, int] | None:
        """(rank, value) of a member on a board, None when not on it."""
        if board == "reputation":
            member = await self.members.member(guild, user)
            if member.reputation <= 0:
                return None
            return await self.reputation_rank(guild, member.reputation), member.reputation
        if board in ("streaks", "best"):
            settings = await self.pipeline.settings(guild)
            today = local_day(now, settings.zone)
            mine = self._views(await self.streaks.pairs_of(guild, user), today)
            if board == "streaks":
                values = [p.view.current for p in mine if p.view.current > 0]
                if not values:
                    return None
                above = await self.streaks.count_alive_longer(
                    guild, today, settings.limits.max_freezes, max(values)
                )
            else:
                values = [p.view.best for p in mine]
                if not values:
                    return None
                above = await self.streaks.count_best_above(guild, max(values))
            return above + 1, max(values)
        if board in PERIOD_TITLES:
            sums = await self.period_points(guild, now, board)
            points = next((pts for u, pts in sums if u == user), None)
            if points is None:
                return None
            return 1 + sum(1 for _, pts in sums if pts > points), points
        if board == "challenge" and challenge is not None:
            progress = await self.progress(challenge, now)
            if user not in progress.per_member:
                return None
            value = progress.per_member[user]
            return 1 + sum(1 for v in progress.per_member.values() if v > value), value
        return None

    async def recap(self, guild: int, start: datetime, end: datetime) -> Recap:
        """The recap of the completed period [start, end): its top members and pairs, the
        milestones and badges earned in it and the challenges that ended in it. Members who
        are not public are left out (it is the bot's own post)."""
        await self.pipeline.catch_up()
        hidden = await self.hidden(guild, public_only=True)
        hidden_set = set(hidden)
        members = await self.ledger.points_between(guild, start, end, hidden, RECAP_MEMBERS)
        pairs = await self.streaks.top_pairs_between(guild, start, end, hidden, RECAP_PAIRS)
        milestones = [
            m
            for m in await self.ledger.milestones_between(guild, start, end)
            if m[0] not in hidden_set and m[1] not in hidden_set
        ]
        badge_repo = self.pipeline.repos.badges
        defs = await badge_repo.definitions(guild)
        earned: dict[str, list[int]] = {}
        for user, key in await badge_repo.awarded_between(guild, start, end):
            if user not in hidden_set:
                earned.setdefault(key, []).append(user)
        badges = [
            (
                defs[key].emoji if key in defs else "🏅",
                defs[key].name if key in defs else key,
                users[:RECAP_NAMES],
                len(users),
            )
            for key, users in earned.items()
        ]
        ended: list[EndedChallenge] = []
        for ch in await self.pipeline.repos.challenges.for_guild(guild):
            if ch.cancelled or not start <= ch.ends < end:
                continue
            progress = await self.progress(ch, end)
            named = sorted(u for u in progress.completed if u not in hidden_set)
            ended.append(EndedChallenge(ch, named, len(progress.completed)))
        ended.sort(key=lambda e: e.challenge.ends)
        return Recap(
            start,
            end,
            members,
            pairs,
            milestones[:RECAP_LIST],
            len(milestones),
            badges[:RECAP_LIST],
            len(badges),
            ended,
        )

    # -- members, challenges, activity ----------------------------------------------------
    async def member(self, guild: int, user: int) -> MemberRow:
        await self.pipeline.catch_up()
        return await self.members.member(guild, user)

    async def members_with(self, guild: int, users: list[int]) -> dict[int, MemberRow]:
        return await self.members.members_with(guild, users)

    async def activity(self, guild: int, user: int, since: datetime) -> dict[str, int]:
        """Points earned per local day since `since`."""
        await self.pipeline.catch_up()
        return await self.ledger.activity(guild, user, since)

    async def at_risk_pairs(
        self, due: list[tuple[int, date, int, int]]
    ) -> dict[int, list[tuple[int, int, int, int]]]:
        await self.pipeline.catch_up()
        return await self.streaks.at_risk_pairs(due)

    async def reminder_prefs(self, guilds: list[int]) -> dict[tuple[int, int], str]:
        return await self.members.reminder_prefs(guilds)

    async def progress(self, ch: Challenge, now: datetime) -> Progress:
        """A challenge's progress at `now` (SPEC §5), from the window's stored facts."""
        await self.pipeline.catch_up()
        store = self.pipeline.store
        until = min(now, ch.ends)
        return evaluate_progress(
            ch,
            now,
            await store.window_interactions(ch.guild, ch.starts, until),
            await store.window_pair_days(ch.guild, ch.starts, until),
            await store.window_points(ch.guild, ch.starts, until),
        )

    # -- page counts and the audit log (pagers) --------------------------------------------
    async def board_size(
        self,
        guild: int,
        board: str,
        now: datetime,
        challenge: Challenge | None = None,
        public_only: bool = False,
    ) -> int:
        """How many entries `board` shows (for "Page x/y"): COUNT queries for the boards kept
        in storage, the in-memory list for the period and challenge boards."""
        await self.pipeline.catch_up()
        hidden = await self.hidden(guild, public_only)
        if board == "streaks":
            settings = await self.pipeline.settings(guild)
            today = local_day(now, settings.zone)
            return await self.streaks.count_alive(guild, today, settings.limits.max_freezes, hidden)
        if board == "best":
            return await self.streaks.count_pairs(guild, hidden)
        if board == "reputation":
            return await self.members.count_reputation(guild, public_only)
        hidden_set = set(hidden)
        if board in PERIOD_TITLES:
            sums = await self.period_points(guild, now, board)
            return sum(1 for u, _ in sums if u not in hidden_set)
        if board == "challenge" and challenge is not None:
            progress = await self.progress(challenge, now)
            return sum(1 for u in progress.per_member if u not in hidden_set)
        return 0

    async def audit_page(
        self, guild: int, limit: int, offset: int, which: AuditFilter | None = None
    ) -> tuple[int, list[AuditEntry]]:
        """(how many match, a page of them) of the audit log, newest first."""
        audit = self.pipeline.repos.audit
        return await audit.count(guild, which), await audit.page(guild, limit, offset, which)

    # -- image cards ------------------------------------------------------------------------
    async def calendar(self, guild: int, user: int, now: datetime) -> CalendarDays:
        """The member's 12-week calendar: pairs qualifying per day, freezes, running streaks."""
        await self.pipeline.catch_up()
        settings = await self.pipeline.settings(guild)
        today = local_day(now, settings.zone)
        days = await self.streaks.days_of_member(guild, user)
        return member_calendar(days, today, settings.limits.max_freezes)

    async def pair_calendar(self, guild: int, a: int, b: int, now: datetime) -> CalendarDays:
        """One pair's 12-week calendar (`/streak member`)."""
        await self.pipeline.catch_up()
        settings = await self.pipeline.settings(guild)
        today = local_day(now, settings.zone)
        low, high = (a, b) if a < b else (b, a)
        days = await self.pipeline.store.pair_days_of(guild, low, high)
        return member_calendar({(low, high): days}, today, settings.limits.max_freezes)

    async def card_style(self, guild: int, user: int) -> str:
        """'image' or 'text': how `user` wants the cards shown to them."""
        return await self.members.card_style(guild, user)
