"""Moderator actions on members: reputation adjustments, streak restores, exclusion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.errors import DomainError
from bot.domain.streaks import local_day, pair_key, plan_restore
from bot.services._base import Service
from bot.storage.audit import AuditEntry
from bot.tracking.pipeline import TrackingPipeline

MAX_RESTORE_DAYS = 30


@dataclass(frozen=True, slots=True)
class Restored:
    days: list[date]  # the missed days that now qualify
    current: int  # the joined run's length
    before: int  # the pair's streak before the restore
    milestones: list[tuple[int, int]]  # (length, points each) paid for the joined run
    badges: list[str]  # streak badges given by the restore (to either member)


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
        if user == moderator:
            raise DomainError(
                "You can't adjust your own reputation; ask another moderator to do it."
            )
        async with self.pipeline.locked(guild, moderator, users=(user,)) as change:
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
        """Fill the missed days of a pair's latest break - a streak that is over, or one
        that broke and started again - joining the runs either side, and pay what the
        joined run earns (milestones and streak badges), audited, in one unit of work."""
        if a == b:
            raise DomainError("Pick two different members.")
        if moderator in (a, b):
            raise DomainError(
                "You can't restore a streak of your own; ask another moderator to do it."
            )
        lo, hi = pair_key(a, b)
        async with self.pipeline.locked(guild, moderator, users=(lo, hi)) as change:
            st = change.state
            today = local_day(at, st.settings.zone)
            days = await self.pipeline.store.pair_days_of(guild, lo, hi)
            plan = plan_restore(days, today, st.settings.limits.max_freezes)
            if plan is None:
                raise DomainError("These two never had a streak; there is nothing to restore.")
            if not plan.missed:
                raise DomainError(
                    f"Their streak is running ({plan.before} days) with no break to restore."
                )
            if len(plan.missed) > MAX_RESTORE_DAYS:
                raise DomainError(
                    f"The break is {len(plan.missed)} days long; at most {MAX_RESTORE_DAYS} "
                    "missed days can be restored."
                )
            pending = len(st.new_badges)
            paid = st.restore_run(change.batch, lo, hi, plan, at)
            badges = [award.badge for award in st.new_badges[pending:]]
            await self._audit(
                guild,
                moderator,
                "mod.restore-streak",
                {
                    "members": [lo, hi],
                    "days": [d.isoformat() for d in plan.missed],
                    "before": plan.before,
                    "after": plan.length,
                    "milestones": paid,
                    "reason": reason,
                },
                at,
            )
        rewards = st.settings.points.milestones
        return Restored(
            plan.missed,
            plan.length,
            plan.before,
            [(length, rewards[length]) for length in paid],
            sorted(set(badges)),
        )

    async def set_excluded(
        self, guild: int, user: int, value: bool, moderator: int, at: datetime
    ) -> None:
        async with self.pipeline.locked(guild, users=(user,)) as change:
            await self.members.set_flag(guild, user, "excluded", value)
            change.state.member(user).excluded = value
            await self._audit(
                guild, moderator, "mod.exclude" if value else "mod.include", {"member": user}, at
            )

    async def audit_page(self, guild: int, limit: int, offset: int) -> tuple[int, list[AuditEntry]]:
        """(total, entries) of the audit log, newest first."""
        return await self.audit.count(guild), await self.audit.page(guild, limit, offset)
