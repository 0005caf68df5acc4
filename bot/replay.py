"""`python -m bot replay`: JSONL events → the tracking pipeline → state as JSON (SPEC §9).

The file is read twice, streaming: first every line is parsed and validated
(bot.replay_events), so a malformed line leaves the database untouched; then the events are
parsed again and applied one by one, so memory does not grow with the file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain.challenges import Challenge
from bot.domain.interactions import KudosRecord, MemberRecord, MessageRecord, ReactionRecord
from bot.domain.review import day_end
from bot.domain.streaks import local_day, view_at
from bot.reads import Reads
from bot.replay_events import (
    Event,
    JoinEvent,
    ReplayError,
    SettingsEvent,
    event_guild,
    event_time,
    iter_events,
    parse_lines,
    parse_time,
)
from bot.services import Services
from bot.services.review import ReviewService
from bot.storage.backends import open_database
from bot.storage.protocols import Repositories
from bot.tracking.pipeline import TrackingPipeline

__all__ = [
    "Event",
    "JoinEvent",
    "ReplayError",
    "SettingsEvent",
    "apply_events",
    "event_guild",
    "parse_lines",
    "parse_time",
    "run_replay",
    "state_json",
]

log = logging.getLogger(__name__)

# settings lines carry no time; nobody is audited for them either
REPLAY_AT = datetime(1970, 1, 1, tzinfo=UTC)


class ReviewPasses:
    """SPEC §10 in replay: a review pass at the end of every local day of the replayed span
    (before any later event is applied) and once more at --now."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.next: dict[int, datetime] = {}  # guild → the next local day end

    async def until(self, guild: int, ts: datetime) -> None:
        """Run the passes of every day that ended at or before `ts`."""
        review = self.services.review
        zone = (await self.services.settings.settings(guild)).zone
        due = self.next.get(guild)
        if due is None:
            self.next[guild] = day_end(ts, zone)
            return
        while due <= ts:
            await review.run_pass(guild, due)
            due = day_end(due, zone)
        self.next[guild] = due

    async def finish(self, now: datetime) -> None:
        for guild in sorted(self.next):
            await self.until(guild, now)
            await self.services.review.run_pass(guild, now)


async def apply_events(
    pipeline: TrackingPipeline,
    events: Iterable[Event],
    services: Services | None = None,
    passes: ReviewPasses | None = None,
) -> None:
    """Records go through the one ingest path; settings and challenge lines through the same
    services a moderator's command uses (with nobody to audit)."""
    if services is None:
        services = Services.create(pipeline, Reads(pipeline))
    for event in events:
        ts = event_time(event)
        if passes is not None and ts is not None:
            await passes.until(event.guild, ts)
        if isinstance(event, MessageRecord | ReactionRecord | KudosRecord | MemberRecord):
            await pipeline.submit(event)
        elif isinstance(event, SettingsEvent):
            await services.settings.change_settings(event.guild, event.changes, None, REPLAY_AT)
        elif isinstance(event, Challenge):
            await services.challenges.save(event, None, "challenge.create", event.starts)
        elif isinstance(event, JoinEvent):
            await services.challenges.join(event.guild, event.challenge, event.user, event.ts)
        else:  # pragma: no cover - the union is exhaustive
            raise TypeError(f"unexpected event {event!r}")
    await pipeline.flush()


async def state_json(
    pipeline: TrackingPipeline, guilds: Iterable[int], now: datetime
) -> dict[str, Any]:
    """The §9 output for the given guilds at `now`."""
    reads = Reads(pipeline)
    review = ReviewService(pipeline)
    out = []
    for guild in sorted(set(guilds)):
        st = await pipeline.state(guild)
        today = local_day(now, st.settings.zone)
        pairs = []
        for row in await pipeline.store.all_pair_streaks(guild):
            view = view_at(row.run, today)
            pairs.append(
                {
                    "members": [row.a, row.b],
                    "current": view.current,
                    "best": view.best,
                    "freezes": view.freezes,
                    "last_day": view.last_day.isoformat() if view.last_day else None,
                    "at_risk": view.at_risk,
                }
            )
        badges = await pipeline.store.badges_of_guild(guild)
        members = [
            {"user": user, "reputation": rep, "badges": sorted(badges.get(user, []))}
            for user, rep in await pipeline.store.active_members(guild)
        ]
        entry: dict[str, Any] = {"guild": guild, "pairs": pairs, "members": members}
        challenges = []
        for ch in sorted(st.challenges.values(), key=lambda c: c.id):
            progress = await reads.progress(ch, now)
            challenges.append(
                {
                    "id": ch.id,
                    "state": ch.state_at(now),
                    "completed": progress.completed,
                }
            )
        if challenges:
            entry["challenges"] = challenges
        flagged = [
            {"user": q.flag.user, "reasons": sorted(q.flag.reasons), "held": q.held}
            for q in await review.queue(guild)
        ]
        if flagged:
            entry["review"] = flagged
        out.append(entry)
    return {"guilds": out}


async def run_replay(path: Path, now: datetime, db_path: str) -> dict[str, Any]:
    """Validate, apply and describe. Raises ReplayError before touching the database."""
    with path.open("rb") as handle:
        named = {event_guild(e) for e in iter_events(handle, now)}
    db = await open_database(db_path)  # an SQLite file, or postgresql://…
    try:
        pipeline = TrackingPipeline(Repositories.of(db))
        services = Services.create(pipeline, Reads(pipeline))
        try:
            passes = ReviewPasses(services)
            with path.open("rb") as handle:
                await apply_events(pipeline, iter_events(handle, now), services, passes)
            await passes.finish(now)
            guilds = set(await services.settings.guild_ids())
            guilds |= named
            for guild in sorted(guilds):
                for ch in await services.challenges.all(guild):
                    await services.challenges.close(ch, now)
            return await state_json(pipeline, guilds, now)
        finally:
            await pipeline.close()
    finally:
        await db.close()
