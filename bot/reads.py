"""Read-side queries shared by commands and scheduled posts: storage rows evaluated by the
domain rules at `now`. No discord here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.challenges import Challenge
from bot.domain.streaks import StreakView, local_day, view_at
from bot.storage.stats import StatsRepository
from bot.storage.tracking import PairStreakRow
from bot.tracking.pipeline import TrackingPipeline

PAGE_SIZE = 10
BOARDS: tuple[str, ...] = ("streaks", "best", "reputation", "weekly", "challenge")


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
    pages: int
    title: str


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


class Reads:
    def __init__(self, pipeline: TrackingPipeline, stats: StatsRepository) -> None:
        self.pipeline = pipeline
        self.stats = stats

    async def today(self, guild: int, now: datetime) -> date:
        settings = await self.pipeline.settings(guild)
        return local_day(now, settings.zone)

    def _views(self, rows: list[PairStreakRow], today: date) -> list[PairView]:
        return [PairView(r.a, r.b, view_at(r.run, today)) for r in rows]

    async def member_streaks(self, guild: int, user: int, now: datetime) -> list[PairView]:
        await self.pipeline.flush()
        today = await self.today(guild, now)
        views = self._views(await self.stats.pairs_of(guild, user), today)
        views.sort(key=lambda p: (-p.view.current, -p.view.best, p.partner_of(user)))
        return views

    async def pair(self, guild: int, a: int, b: int, now: datetime) -> PairView | None:
        await self.pipeline.flush()
        lo, hi = (a, b) if a < b else (b, a)
        row = await self.stats.pair(guild, lo, hi)
        if row is None:
            return None
        return PairView(lo, hi, view_at(row.run, await self.today(guild, now)))

    async def alive_pairs(self, guild: int, now: datetime) -> list[PairView]:
        """Every pair whose streak is alive today, longest first."""
        settings = await self.pipeline.settings(guild)
        today = local_day(now, settings.zone)
        since = today - timedelta(days=1 + settings.limits.max_freezes)
        rows = await self.stats.streak_candidates(guild, since)
        return [p for p in self._views(rows, today) if p.view.current > 0]

    async def board(
        self,
        guild: int,
        board: str,
        page: int,
        now: datetime,
        challenge: Challenge | None = None,
    ) -> BoardPage:
        await self.pipeline.flush()
        offset = page * PAGE_SIZE
        entries: list[BoardEntry] = []
        if board == "streaks":
            alive = await self.alive_pairs(guild, now)
            hidden = await self._private(guild, {u for p in alive for u in (p.a, p.b)})
            alive = [p for p in alive if p.a not in hidden and p.b not in hidden]
            total = len(alive)
            for i, p in enumerate(alive[offset : offset + PAGE_SIZE], start=offset + 1):
                entries.append(BoardEntry(i, (p.a, p.b), p.view.current))
            title = "Longest running streaks"
        elif board == "best":
            total = await self.stats.count_pairs(guild)
            rows = await self.stats.top_best(guild, PAGE_SIZE, offset)
            for i, r in enumerate(rows, start=offset + 1):
                entries.append(BoardEntry(i, (r.a, r.b), r.run.best))
            title = "Best streaks ever"
        elif board == "reputation":
            total = await self.stats.count_reputation(guild)
            for i, (user, rep) in enumerate(
                await self.stats.top_reputation(guild, PAGE_SIZE, offset), start=offset + 1
            ):
                entries.append(BoardEntry(i, (user,), rep))
            title = "Reputation"
        elif board == "weekly":
            settings = await self.pipeline.settings(guild)
            start = week_start(local_day(now, settings.zone))
            since = datetime.combine(start, datetime.min.time(), tzinfo=settings.zone)
            weekly = await self.stats.points_since(guild, since, 10_000, 0)
            total = len(weekly)
            for i, (user, pts) in enumerate(weekly[offset : offset + PAGE_SIZE], start=offset + 1):
                entries.append(BoardEntry(i, (user,), pts))
            title = f"This week (since {start.isoformat()})"
        elif board == "challenge":
            if challenge is None:
                return BoardPage(board, [], 0, 1, "No challenge running")
            progress = await self.pipeline.progress(challenge, now)
            ranked = sorted(progress.per_member.items(), key=lambda kv: (-kv[1], kv[0]))
            total = len(ranked)
            for i, (user, value) in enumerate(
                ranked[offset : offset + PAGE_SIZE], start=offset + 1
            ):
                done = "✅" if user in progress.completed else ""
                entries.append(BoardEntry(i, (user,), value, done))
            title = f"Challenge: {challenge.name}"
        else:
            raise ValueError(board)
        pages = max(1, -(-total // PAGE_SIZE))
        return BoardPage(board, entries, page, pages, title)

    async def rank_of(
        self, guild: int, board: str, user: int, now: datetime, challenge: Challenge | None = None
    ) -> tuple[int, int] | None:
        """(rank, value) of a member on a board, None when not on it."""
        if board == "reputation":
            member = await self.stats.member(guild, user)
            if member.reputation <= 0:
                return None
            return await self.stats.reputation_rank(guild, member.reputation), member.reputation
        if board in ("streaks", "best"):
            if board == "streaks":
                pairs = await self.alive_pairs(guild, now)
                values = [p.view.current for p in pairs]
                mine = [p.view.current for p in pairs if user in (p.a, p.b)]
            else:
                mine_rows = await self.stats.pairs_of(guild, user)
                mine = [r.run.best for r in mine_rows]
                rows = await self.stats.top_best(guild, 100_000, 0)
                values = [r.run.best for r in rows]
            if not mine:
                return None
            best = max(mine)
            return 1 + sum(1 for v in values if v > best), best
        if board == "weekly":
            settings = await self.pipeline.settings(guild)
            start = week_start(local_day(now, settings.zone))
            since = datetime.combine(start, datetime.min.time(), tzinfo=settings.zone)
            weekly = await self.stats.points_since(guild, since, 100_000, 0)
            for i, (u, pts) in enumerate(weekly, start=1):
                if u == user:
                    return i, pts
            return None
        if board == "challenge" and challenge is not None:
            progress = await self.pipeline.progress(challenge, now)
            if user not in progress.per_member:
                return None
            value = progress.per_member[user]
            return 1 + sum(1 for v in progress.per_member.values() if v > value), value
        return None

    async def _private(self, guild: int, users: set[int]) -> set[int]:
        rows = await self.stats.members_with(guild, sorted(users))
        return {
            u for u, m in rows.items() if m.visibility == "private" or m.opted_out or m.excluded
        }
