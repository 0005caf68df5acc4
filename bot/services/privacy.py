"""A member's own choices: opting out and in, visibility, reminders; export and retention."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.challenges import evaluate_progress
from bot.domain.guild_settings import MIN_RAW_DAYS
from bot.domain.streaks import StreakView, local_day, view_at
from bot.services._base import Service
from bot.tracking.pipeline import TrackingPipeline

NameOf = Callable[[int], str | None]


@dataclass(frozen=True, slots=True)
class SharedStreak:
    partner: int
    view: StreakView


@dataclass(frozen=True, slots=True)
class OptOutPreview:
    """What `/privacy optout` would delete, shown before the member confirms."""

    reputation: int
    badges: list[str]  # badge keys held
    streaks: list[SharedStreak]  # every pair streak with history, running ones first


@dataclass(frozen=True, slots=True)
class EndedStreak:
    """A partner whose running streak the opt-out ended, and their reminder choice."""

    partner: int
    length: int
    notify: str


def streak_state(view: StreakView) -> dict[str, Any]:
    """A streak as /streak shows it, for the export (ISO dates are fine in a file)."""
    if view.alive:
        state = "at_risk" if view.at_risk else "running"
        unit = "day" if view.current == 1 else "days"
        summary = f"running {view.current} {unit}" + (
            ", at risk: talk today" if view.at_risk else ""
        )
    else:
        state = "ended"
        unit = "day" if view.length == 1 else "days"
        ended = view.ended_on.isoformat() if view.ended_on else "?"
        summary = f"ended on {ended} after {view.length} {unit}"
    return {
        "state": state,
        "summary": summary,
        "current": view.current,
        "best": view.best,
        "freezes": view.freezes,
        "last_day": view.last_day.isoformat() if view.last_day else None,
        "ended_on": view.ended_on.isoformat() if view.ended_on else None,
        "ended_after_days": None if view.alive else view.length,
    }


class PrivacyService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.members = self.repos.members
        self.repo = self.repos.privacy
        self.nudges = self.repos.nudges

    async def _today(self, guild: int, now: datetime) -> date:
        return local_day(now, (await self.pipeline.settings(guild)).zone)

    async def export(
        self, guild: int, user: int, now: datetime | None = None, name_of: NameOf | None = None
    ) -> dict[str, Any]:
        """Everything stored about the member, with names where `name_of` knows them, the
        thanks and their reasons, challenge memberships and each streak's state at `now`
        (default: the wall clock)."""
        now = now or datetime.now(UTC)
        await self.pipeline.flush()
        names: dict[int, str] = {}

        def named(uid: int) -> str | None:
            if uid not in names and name_of is not None:
                found = name_of(uid)
                if found:
                    names[uid] = found
            return names.get(uid)

        data = await self.repo.export(guild, user)
        data["user_name"] = named(user)
        today = await self._today(guild, now)
        streaks = []
        for pair in await self.repos.streaks.pairs_of(guild, user):
            partner = pair.b if pair.a == user else pair.a
            streaks.append(
                {
                    "partner": partner,
                    "partner_name": named(partner),
                    **streak_state(view_at(pair.run, today)),
                }
            )
        data["streaks"] = streaks
        data["thanks"] = [
            {
                "direction": "given" if t.giver == user else "received",
                "from": t.giver,
                "from_name": named(t.giver),
                "to": t.receiver,
                "to_name": named(t.receiver),
                "at": t.at.isoformat(),
                "points": t.points,
                "reason": t.reason,
            }
            for t in await self.repos.kudos.thanks_of(guild, user)
        ]
        data["challenges"] = await self._memberships(guild, user, now)
        for entry in data.get("interactions", []):
            entry["actor_name"] = named(entry["actor"])
            entry["target_name"] = named(entry["target"])
        data["names"] = {str(uid): name for uid, name in sorted(names.items())}
        return data

    async def _memberships(self, guild: int, user: int, now: datetime) -> list[dict[str, Any]]:
        st = await self.pipeline.state(guild)
        store = self.pipeline.store
        out = []
        for ch in sorted(st.challenges.values(), key=lambda c: c.id):
            joined = ch.participants.get(user)
            if joined is None:
                continue
            until = min(now, ch.ends)
            progress = evaluate_progress(
                ch,
                now,
                await store.window_interactions(guild, ch.starts, until),
                await store.window_pair_days(guild, ch.starts, until),
                await store.window_points(guild, ch.starts, until),
            )
            out.append(
                {
                    "id": ch.id,
                    "name": ch.name,
                    "state": ch.state_at(now),
                    "joined_at": joined.isoformat(),
                    "completed": user in progress.completed,
                    "progress": progress.per_member.get(user, 0),
                    "target": ch.target,
                }
            )
        return out

    async def optout_preview(self, guild: int, user: int, now: datetime) -> OptOutPreview:
        """What an opt-out would delete: reputation, badges, shared streaks (running first)."""
        await self.pipeline.flush()
        member = await self.members.member(guild, user)
        badges = [b.key for b in await self.repos.badges.held(guild, user)]
        today = await self._today(guild, now)
        streaks = [
            SharedStreak(p.b if p.a == user else p.a, view_at(p.run, today))
            for p in await self.repos.streaks.pairs_of(guild, user)
        ]
        streaks.sort(key=lambda s: (not s.view.alive, -s.view.current, -s.view.best, s.partner))
        return OptOutPreview(member.reputation, badges, streaks)

    async def opt_out(
        self, guild: int, user: int, now: datetime | None = None
    ) -> list[EndedStreak]:
        """Stop tracking the member and erase what was stored about them, in one unit of
        work. Returns the partners whose running streak with them (at `now`, default the wall
        clock) this ended."""
        now = now or datetime.now(UTC)
        async with self.pipeline.locked(guild) as change:
            st = change.state
            today = local_day(now, st.settings.zone)
            running = []
            for (a, b), run in st.streaks.items():
                if user not in (a, b):
                    continue
                partner = b if a == user else a
                view = view_at(run, today)
                if view.alive and view.current > 0 and st.counts(partner):
                    running.append((partner, view.current))
            prefs = await self.members.members_with(guild, [p for p, _ in running])
            await self.repo.erase_member(guild, user)
            st.forget_member(user)
        return [
            EndedStreak(p, n, prefs[p].notify if p in prefs else "channel")
            for p, n in sorted(running, key=lambda r: (-r[1], r[0]))
        ]

    async def opt_in(self, guild: int, user: int) -> None:
        async with self.pipeline.locked(guild, users=(user,)) as change:
            await self.members.set_flag(guild, user, "opted_out", False)
            change.state.member(user).opted_out = False

    async def set_preference(self, guild: int, user: int, name: str, value: str) -> None:
        """`notify` (channel|dm|off) or `visibility` (public|server|private)."""
        async with self.pipeline.locked(guild, users=()):
            await self.members.set_preference(guild, user, name, value)

    async def record_nudge(self, guild: int, a: int, b: int, day: date, by: int) -> bool:
        """False when this member already nudged this pair today."""
        return await self.nudges.record_nudge(guild, a, b, day, by)

    async def prune(self, now: datetime, retention_days: int) -> int:
        """Retention: raw interactions and remembered messages older than the window go
        (never younger than MIN_RAW_DAYS: the longest cooldown's clocks are rebuilt from
        them)."""
        await self.pipeline.flush()
        days = max(retention_days, MIN_RAW_DAYS)
        return await self.repo.prune_interactions(now - timedelta(days=days))
