"""Moderator actions on members: reputation adjustments, streak restores, exclusion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.errors import DomainError
from bot.domain.streaks import local_day, pair_key, view_at
from bot.services._base import Service
from bot.storage.audit import AuditEntry
from bot.tracking.pipeline import TrackingPipeline

MAX_RESTORE_DAYS = 30


@dataclass(frozen=True, slots=True)
class Restored:
    days: list[date]
    current: int


class ModerationService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.members = self.repos.members

    async def adjust_reputation(
        self,
        guild: int,
        user: int,
        delta: int,
        moderator: int,
        reason: str,
        source: str,
        at: datetime,
    ) -> int:
        """Add (or remove) points, exempt from every rule; returns the new total."""
        if delta == 0:
            raise DomainError("An adjustment of 0 changes nothing.")
        async with self.pipeline.locked(guild) as change:
            total = change.state.adjust(change.batch, user, delta, source, at)
            await self._audit(
                guild,
                moderator,
                "mod.adjust-rep",
                {"member": user, "amount": delta, "reason": reason},
                at,
            )
        return total

    async def restore_streak(
        self, guild: int, a: int, b: int, moderator: int, reason: str, at: datetime
    ) -> Restored:
        """Mark the days a pair missed since its last qualifying day as qualifying."""
        if a == b:
            raise DomainError("Pick two different members.")
        lo, hi = pair_key(a, b)
        async with self.pipeline.locked(guild) as change:
            st = change.state
            run = st.streaks.get((lo, hi))
            if run is None or run.last is None:
                raise DomainError("These two never had a streak; there is nothing to restore.")
            today = local_day(at, st.settings.zone)
            last = run.last
            missed = [last + timedelta(days=i) for i in range(1, (today - last).days)]
            if not missed:
                raise DomainError("Their streak has no missed days to restore.")
            if len(missed) > MAX_RESTORE_DAYS:
                raise DomainError(
                    f"The streak broke more than {MAX_RESTORE_DAYS} days ago; too long to restore."
                )
            st.fill_days(change.batch, lo, hi, missed, at)
            await self._audit(
                guild,
                moderator,
                "mod.restore-streak",
                {"members": [lo, hi], "days": [d.isoformat() for d in missed], "reason": reason},
                at,
            )
        run = (await self.pipeline.state(guild)).streaks.get((lo, hi))
        current = view_at(run, local_day(at, st.settings.zone)).current if run else 0
        return Restored(missed, current)

    async def set_excluded(
        self, guild: int, user: int, value: bool, moderator: int, at: datetime
    ) -> None:
        async with self.pipeline.locked(guild) as change:
            await self.members.set_flag(guild, user, "excluded", value)
            change.state.member(user).excluded = value
            await self._audit(
                guild, moderator, "mod.exclude" if value else "mod.include", {"member": user}, at
            )

    async def audit_page(self, guild: int, limit: int, offset: int) -> tuple[int, list[AuditEntry]]:
        """(total, entries) of the audit log, newest first."""
        return await self.audit.count(guild), await self.audit.page(guild, limit, offset)
