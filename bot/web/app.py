"""The public web boards (issue #11): an aiohttp application over the bot's read models.

Read-only and GET only. A guild is found by the random slug a moderator created with
`/settings web`; nothing else in a URL is secret, and nothing lists the guilds. Boards are
the `/leaderboard` boards with `public_only` (members who chose server-only, private,
opted-out and excluded members are left out); member pages of such members are 404.
Every response carries cache headers (60 s, an ETag), `nosniff` and a strict
Content-Security-Policy (no scripts at all, styles only from /static).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import Clock
from bot.domain.challenges import Challenge
from bot.reads import PAGE_SIZE, BoardPage, Reads, period_start
from bot.services import Services
from bot.web.heatmap import WEEKS, heatmap_svg
from bot.web.html import CSS, esc, facts, link, page, plain_list

log = logging.getLogger(__name__)

BOARDS = ("reputation", "weekly", "monthly", "streaks", "best")
TABS = {
    "reputation": "Reputation",
    "weekly": "This week",
    "monthly": "This month",
    "streaks": "Streaks",
    "best": "Best ever",
}
TITLES = {
    "reputation": "Reputation (all time)",
    "weekly": "Points this week",
    "monthly": "Points this month",
    "streaks": "Longest running streaks",
    "best": "Best streaks ever",
}
Unit = tuple[str, str]
UNITS: dict[str, Unit] = {
    "reputation": ("point", "points"),
    "weekly": ("point", "points"),
    "monthly": ("point", "points"),
    "streaks": ("day", "days"),
    "best": ("day", "days"),
}
GOAL_UNITS: dict[str, Unit] = {
    "community_interactions": ("interaction", "interactions"),
    "pair_streak": ("day in a row", "days in a row"),
    "distinct_partners": ("partner", "partners"),
    "points": ("point", "points"),
}
GOAL_TEXT = {
    "community_interactions": "interactions by the whole server",
    "pair_streak": "days in a row with one partner",
    "distinct_partners": "different partners (both ways)",
    "points": "points earned",
}
STATES = {
    "scheduled": "Starts soon",
    "active": "Running",
    "ended": "Ended",
    "cancelled": "Cancelled",
}
MEDALS = ("gold", "silver", "bronze")  # ranks 1-3 get a coloured disc (no emoji font needed)
UNKNOWN_NAME = "Unknown member"
MAX_PAGE = 10_000
CHALLENGES_LISTED = 10
BEST_LISTED = 5
CACHE_SECONDS = 60
CACHE_ENTRIES = 512
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}


class Directory(Protocol):
    """Display names from the bot's member cache (so this package needs no discord)."""

    def guild_name(self, guild: int) -> str | None: ...

    async def names(self, guild: int, users: Sequence[int]) -> Mapping[int, str]: ...


@dataclass(frozen=True, slots=True)
class WebDeps:
    reads: Reads
    services: Services
    clock: Clock
    directory: Directory


SLUG_RECHECK_SECONDS = 5.0


class SlugIndex:
    """slug → guild of the guilds that opted in, from their configuration. The store is the
    truth: another process may own a guild and change its `/settings web`, which this
    process's change listener never hears of. So a slug found is checked against the
    guild's stored configuration again once SLUG_RECHECK_SECONDS passed since it was last
    read (a slug turned off or regenerated anywhere stops working within seconds), and a
    slug not found reloads the index at most that often (a new one works within seconds).
    A local change (the pipeline's change listener) is re-read before the next lookup."""

    def __init__(self, services: Services, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = services.settings
        self.now = monotonic
        self._slugs: dict[int, str] = {}
        self._loaded = False
        self._guilds: dict[str, int] = {}
        self._checked: dict[int, float] = {}
        self._loaded_at = -math.inf
        self._dirty: set[int] = set()

    def forget(self, guild: int) -> None:
        self._dirty.add(guild)

    async def _load(self) -> None:
        self._dirty.clear()
        at = self.now()
        found: dict[int, str] = {}
        for guild, _settings, config in await self.settings.all_configs():
            value = config.get("web_slug")
            if isinstance(value, str) and value:
                found[guild] = value
        self._slugs = found
        self._loaded = True
        self._guilds = {slug: guild for guild, slug in found.items()}
        self._checked = dict.fromkeys(found, at)
        self._loaded_at = at

    async def _reread(self, guild: int) -> str | None:
        value = (await self.settings.config(guild)).web_slug
        old = self._slugs.pop(guild, None)
        if old is not None and self._guilds.get(old) == guild:
            del self._guilds[old]
        if value:
            self._slugs[guild] = value
            self._guilds[value] = guild
        self._checked[guild] = self.now()
        return value or None

    async def guild_of(self, slug: str) -> int | None:
        if not self._loaded:
            await self._load()
        while self._dirty:
            await self._reread(self._dirty.pop())
        guild = self._guilds.get(slug)
        if guild is not None and self.now() - self._checked.get(guild, -math.inf) >= (
            SLUG_RECHECK_SECONDS
        ):
            if await self._reread(guild) != slug:
                guild = None  # turned off or regenerated, maybe by another process
        if guild is None and self.now() - self._loaded_at >= SLUG_RECHECK_SECONDS:
            await self._load()  # a slug made by another process since
            guild = self._guilds.get(slug)
        return guild


def plural(count: int, unit: Unit) -> str:
    return f"{count:,} {unit[0] if count == 1 else unit[1]}"


def page_number(raw: str | None) -> int:
    """The 1-based ?page=N; anything that is not a sensible number is page 1."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b} {day.year}"


def when_text(at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """`Mon 1 Jun 2026, 18:00 (Europe/Amsterdam) · in 3 days`: no ISO dates."""
    local = at.astimezone(zone)
    return f"{day_text(local.date())}, {local:%H:%M} ({zone.key}) · {relative(at, now)}"


def relative(at: datetime, now: datetime) -> str:
    seconds = (at - now).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "now"
    for size, one, many in ((86400, "day", "days"), (3600, "hour", "hours"), (60, "min", "min")):
        if span >= size:
            n = int(span // size)
            text = f"{n} {one if n == 1 else many}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"  # pragma: no cover


def challenge_order(ch: Challenge, now: datetime) -> tuple[int, float]:
    rank = {"active": 0, "scheduled": 1, "ended": 2}.get(ch.state_at(now), 3)
    return rank, -ch.ends.timestamp() if rank != 1 else ch.starts.timestamp()


class WebBoards:
    """The request handlers; one per application."""

    def __init__(self, deps: WebDeps) -> None:
        self.deps = deps
        self.reads = deps.reads
        self.slugs = SlugIndex(deps.services)
        self._cache: dict[tuple[int, str], tuple[float, str]] = {}

    def forget(self, guild: int) -> None:
        """A committed change to `guild`: its slug and cached pages are read again."""
        self.slugs.forget(guild)
        for key in [k for k in self._cache if k[0] == guild]:
            del self._cache[key]

    # -- shared pieces -------------------------------------------------------------------------
    async def _guild(self, request: web.Request) -> tuple[int, str]:
        slug = request.match_info["slug"]
        guild = await self.slugs.guild_of(slug) if len(slug) <= 64 else None
        if guild is None:
            raise web.HTTPNotFound()
        return guild, slug

    def _guild_name(self, guild: int) -> str:
        return self.deps.directory.guild_name(guild) or "This server"

    async def _names(self, guild: int, users: Sequence[int]) -> Mapping[int, str]:
        if not users:
            return {}
        return await self.deps.directory.names(guild, list(users))

    async def _cached(
        self,
        guild: int,
        what: str,
        request: web.Request,
        render: Callable[[], Awaitable[str]],
    ) -> web.Response:
        """The page `what` (a canonical name: odd query strings share their page's entry),
        rendered at most once a minute unless the guild changes."""
        key = (guild, what)
        hit = self._cache.get(key)
        clock = time.monotonic()
        if hit is not None and clock - hit[0] < CACHE_SECONDS:
            body = hit[1]
        else:
            body = await render()
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (clock, body)
        return html_response(request, body)

    async def _board(
        self,
        guild: int,
        board: str,
        number: int,
        href: Callable[[int], str],
        slug: str,
        challenge: Challenge | None = None,
    ) -> str:
        """A board page as HTML: ranks, linked names, values with units, Prev/Next."""
        reads, now = self.reads, self.deps.clock.now()
        size = await reads.board_size(guild, board, now, challenge, public_only=True)
        pages = max(1, math.ceil(size / PAGE_SIZE))
        index = min(number, pages) - 1
        data: BoardPage = await reads.board(guild, board, index, now, challenge, public_only=True)
        pages = max(pages, data.page + 2) if data.has_next else data.page + 1
        unit = GOAL_UNITS.get(challenge.goal, ("", "")) if challenge else UNITS[board]
        names = await self._names(guild, sorted({u for e in data.entries for u in e.users}))
        rows = []
        for entry in data.entries:
            who = " &amp; ".join(
                link(f"/g/{slug}/m/{u}", names.get(u, UNKNOWN_NAME)) for u in entry.users
            )
            done = ' <span class="done" title="completed">✓ done</span>' if entry.detail else ""
            medal = f" medal{entry.rank}" if entry.rank <= len(MEDALS) else ""
            rows.append(
                f'<li><span class="rank{medal}">{entry.rank}</span>'
                f'<span class="who">{who}{done}</span>'
                f'<span class="value">{esc(plural(entry.value, unit))}</span></li>'
            )
        if not rows:
            return '<p class="empty">Nobody on this board yet.</p>'
        shown = data.page + 1
        if pages == 1:
            return f'<ol class="board">{"".join(rows)}</ol><p class="note">Page 1/1</p>'
        prev = (
            link(href(shown - 1), "‹ Prev", rel="prev")
            if shown > 1
            else '<span class="off">‹ Prev</span>'
        )
        after = (
            link(href(shown + 1), "Next ›", rel="next")
            if data.has_next
            else '<span class="off">Next ›</span>'
        )
        return (
            f'<ol class="board">{"".join(rows)}</ol>'
            f'<nav class="pager" aria-label="Pages">{prev}'
            f'<span class="count">Page {shown}/{pages}</span>{after}</nav>'
        )

    # -- routes --------------------------------------------------------------------------------
    async def home(self, request: web.Request) -> web.Response:
        body = (
            "<h1>Kindling</h1>"
            "<p>Kindling keeps a Discord community talking to each other: daily streaks "
            "between pairs of members, reputation, badges and challenges.</p>"
            '<p class="note">A server\'s boards are at the address its moderators shared. '
            "This site lists no servers.</p>"
        )
        return html_response(request, page("Kindling", body))

    async def guild_page(self, request: web.Request) -> web.Response:
        guild, slug = await self._guild(request)
        board = request.query.get("board", "reputation")
        if board not in BOARDS:
            board = "reputation"
        number = page_number(request.query.get("page"))

        async def render() -> str:
            now = self.deps.clock.now()
            tabs = "".join(
                link(f"/g/{slug}?board={b}", label, aria_current="page")
                if b == board
                else link(f"/g/{slug}?board={b}", label)
                for b, label in TABS.items()
            )
            title = TITLES[board]
            if board in ("weekly", "monthly"):
                today = await self.reads.today(guild, now)
                title += f" (since {day_text(period_start(today, board))})"
            table = await self._board(
                guild, board, number, lambda n: f"/g/{slug}?board={board}&page={n}", slug
            )
            challenges = [
                c
                for c in await self.deps.services.challenges.all(guild)
                if c.state_at(now) != "cancelled"
            ]
            challenges.sort(key=lambda c: challenge_order(c, now))
            listed = ""
            if challenges:
                items = [
                    f"{link(f'/g/{slug}/c/{c.id}', c.name)} · {esc(STATES[c.state_at(now)])}"
                    for c in challenges[:CHALLENGES_LISTED]
                ]
                listed = "<h2>Challenges</h2>" + plain_list(items)
            name = self._guild_name(guild)
            body = (
                f"<h1>{esc(name)}</h1>"
                f'<nav class="tabs" aria-label="Boards">{tabs}</nav>'
                f"<h2>{esc(title)}</h2>{table}{listed}"
            )
            return page(f"{name} · {TABS[board]}", body, home=f"/g/{slug}")

        return await self._cached(guild, f"{board}/{number}", request, render)

    async def member_page(self, request: web.Request) -> web.Response:
        guild, slug = await self._guild(request)
        raw = request.match_info["member"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) >= 2**63:
            raise web.HTTPNotFound()
        user = int(raw)
        hidden = set(await self.reads.hidden(guild, public_only=True))
        row = (await self.reads.members_with(guild, [user])).get(user)
        if row is None or row.bot or user in hidden:
            raise web.HTTPNotFound()

        async def render() -> str:
            reads, now = self.reads, self.deps.clock.now()
            member = await reads.member(guild, user)
            names = await self._names(guild, [user])
            name = names.get(user, UNKNOWN_NAME)
            rank = 0
            if member.reputation > 0:  # among the members the board shows
                others = await reads.members_with(guild, sorted(hidden))
                above = sum(1 for m in others.values() if m.reputation > member.reputation)
                rank = await reads.reputation_rank(guild, member.reputation) - above
            badges = self.deps.services.badges
            held = await badges.held(guild, user)
            defs = await badges.definitions(guild)
            pairs = await reads.member_streaks(guild, user, now)
            calendar = await reads.calendar(guild, user, now)  # as the /profile card
            public = [p for p in pairs if p.partner_of(user) not in hidden]
            best = sorted(public, key=lambda p: (-p.view.best, -p.view.current, p.partner_of(user)))
            best = [p for p in best if p.view.best > 0][:BEST_LISTED]
            partner_names = await self._names(guild, [p.partner_of(user) for p in best])
            rows = [("Reputation", plural(member.reputation, ("point", "points")))]
            if rank:
                rows.append(("Rank", f"#{rank}"))
            running = sum(1 for p in pairs if p.view.current > 0)
            rows.append(("Running streaks", f"{running:,}"))
            body = f"<h1>{esc(name)}</h1>{facts(rows)}"
            body += f"<h2>Streak days, last {WEEKS} weeks</h2>"
            body += (
                f'<figure class="heatmap">{heatmap_svg(calendar)}'
                "<figcaption>Each square is a day (Monday at the top); darker: more "
                "partners that day; blue: a missed day a freeze covered. Today is "
                "outlined.</figcaption></figure>"
            )
            if best:
                items = []
                for p in best:
                    other = p.partner_of(user)
                    now_text = (
                        f", now {plural(p.view.current, ('day', 'days'))}"
                        if (p.view.current)
                        else ""
                    )
                    items.append(
                        f"{esc(plural(p.view.best, ('day', 'days')))} with "
                        f"{link(f'/g/{slug}/m/{other}', partner_names.get(other, UNKNOWN_NAME))}"
                        f"{esc(now_text)}"
                    )
                body += "<h2>Best streaks</h2>" + plain_list(items)
            if held:
                shown = [
                    f"{esc(defs[h.key].emoji)} {esc(defs[h.key].name)}"
                    if h.key in defs
                    else esc(h.key)
                    for h in held
                ]
                body += f"<h2>Badges ({len(held)})</h2>" + plain_list(shown)
            body += f"<p>{link(f'/g/{slug}', '‹ Back to the boards')}</p>"
            guild_name = self._guild_name(guild)
            return page(f"{name} · {guild_name}", body, guild=guild_name, home=f"/g/{slug}")

        return await self._cached(guild, f"m/{user}", request, render)

    async def challenge_page(self, request: web.Request) -> web.Response:
        guild, slug = await self._guild(request)
        raw = request.match_info["challenge"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            raise web.HTTPNotFound()
        ch = await self.deps.services.challenges.get(guild, int(raw))
        if ch is None:
            raise web.HTTPNotFound()
        number = page_number(request.query.get("page"))

        async def render() -> str:
            now = self.deps.clock.now()
            zone = (await self.reads.pipeline.settings(guild)).zone
            state = ch.state_at(now)
            unit = GOAL_UNITS.get(ch.goal, ("", ""))
            goal = GOAL_TEXT.get(ch.goal, ch.goal)
            rows = [
                ("State", STATES[state]),
                ("Goal", f"{ch.target:,} {goal}"),
                ("Starts" if state == "scheduled" else "Started", when_text(ch.starts, zone, now)),
                (
                    "Ends" if state in ("scheduled", "active") else "Ended",
                    when_text(ch.ends, zone, now),
                ),
            ]
            if ch.multiplier > 1:
                rows.append(("Bonus", f"points ×{ch.multiplier:g} while it runs"))
            if ch.join_required:
                joined = plural(len(ch.participants), ("member", "members"))
                rows.append(("Joined", f"{joined} · in Discord: /challenge join"))
            body = f"<h1>{esc(ch.name)}</h1>"
            if ch.description:
                body += f"<p>{esc(ch.description)}</p>"
            body += facts(rows)
            if state in ("active", "ended"):
                table = await self._board(
                    guild,
                    "challenge",
                    number,
                    lambda n: f"/g/{slug}/c/{ch.id}?page={n}",
                    slug,
                    ch,
                )
                body += f"<h2>Board ({esc(unit[1])})</h2>{table}"
            body += f"<p>{link(f'/g/{slug}', '‹ Back to the boards')}</p>"
            guild_name = self._guild_name(guild)
            return page(f"{ch.name} · {guild_name}", body, guild=guild_name, home=f"/g/{slug}")

        return await self._cached(guild, f"c/{ch.id}/{number}", request, render)

    async def stylesheet(self, request: web.Request) -> web.Response:
        return respond(request, CSS, "text/css", max_age=86400)

    async def robots(self, request: web.Request) -> web.Response:
        return respond(request, "User-agent: *\nDisallow: /\n", "text/plain", max_age=86400)


def respond(request: web.Request, body: str, content_type: str, max_age: int) -> web.Response:
    """A cacheable 200 (or 304 when the client holds this exact body)."""
    data = body.encode()
    etag = hashlib.sha256(data).hexdigest()[:32]
    headers = {"Cache-Control": f"public, max-age={max_age}"}
    if any(e.value == etag for e in request.if_none_match or ()):
        response = web.Response(status=304, headers=headers)
    else:
        response = web.Response(
            body=data, content_type=content_type, charset="utf-8", headers=headers
        )
    response.etag = etag
    return response


def html_response(request: web.Request, body: str) -> web.Response:
    return respond(request, body, "text/html", CACHE_SECONDS)


ERROR_PAGES = {
    404: (
        "Not found",
        "There is no page here. The address may be old: ask the server's "
        "moderators for the current one.",
    ),
    405: ("Read only", "These pages can only be read."),
    500: ("Something went wrong", "The page could not be shown. Try again in a minute."),
}


def error_response(status: int) -> web.Response:
    title, text = ERROR_PAGES.get(status, ERROR_PAGES[500])
    body = page(title, f"<h1>{esc(title)}</h1><p>{esc(text)}</p>", home="/")
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Security headers on every response; errors as short pages, never a traceback."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(exc.status if exc.status in ERROR_PAGES else 404)
        if exc.status == 405:
            response.headers["Allow"] = "GET, HEAD"
    except Exception:
        log.exception("web page %s failed", request.path)
        response = error_response(500)
    response.headers.update(SECURITY_HEADERS)
    return response


BOARDS_KEY = web.AppKey("boards", WebBoards)


def build_app(deps: WebDeps) -> web.Application:
    """The application: GET (and HEAD) routes only; the pipeline's change listener keeps
    slugs and cached pages fresh, removed again when the application is cleaned up."""
    boards = WebBoards(deps)
    app = web.Application(middlewares=[guard])
    app.router.add_get("/", boards.home)
    app.router.add_get("/robots.txt", boards.robots)
    app.router.add_get("/static/kindling.css", boards.stylesheet)
    app.router.add_get("/g/{slug}", boards.guild_page)
    app.router.add_get("/g/{slug}/m/{member}", boards.member_page)
    app.router.add_get("/g/{slug}/c/{challenge}", boards.challenge_page)
    pipeline = deps.reads.pipeline
    pipeline.add_change_listener(boards.forget)

    async def cleanup(_: web.Application) -> None:
        pipeline.remove_change_listener(boards.forget)

    app.on_cleanup.append(cleanup)
    app[BOARDS_KEY] = boards
    return app


__all__ = ["BOARDS_KEY", "Directory", "WebBoards", "WebDeps", "build_app"]
