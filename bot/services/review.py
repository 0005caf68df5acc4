"""Authenticity review (SPEC §10): run passes, hold flagged members' points, decide flags."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.badges import REP_THRESHOLDS
from bot.domain.engine import BadgeAward
from bot.domain.errors import DomainError
from bot.domain.review import Flag, ReviewInput, review_pass, window_start
from bot.services._base import Service
from bot.storage.review import COUNTED, VOID, StoredFlag
from bot.tracking.pipeline import Change

Compute = Callable[[ReviewInput], Awaitable[dict[int, Flag]]]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    flag: StoredFlag
    held: int  # points held now (0 in flag mode)


class ReviewService(Service):
    async def run_pass(
        self, guild: int, now: datetime, compute: Compute | None = None
    ) -> list[StoredFlag]:
        """One review pass over the guild's window ending at `now`; returns the new flags.
        `compute` runs the pure pass elsewhere (the live bot: a worker thread)."""
        settings = await self.pipeline.settings(guild)
        if settings.review_mode == "off":
            return []
        await self.pipeline.flush()
        start = window_start(now, settings.review_window_days)
        interactions, messages = await self.repos.review.window(guild, start, now)
        if not interactions:
            return []
        joined, bots = await self.repos.review.members(guild)
        inp = ReviewInput(
            interactions,
            messages,
            joined,
            now,
            settings.review_window_days,
            settings.limits.cooldown_seconds,
            await self.repos.review.settled(guild),
            bots=bots,
        )
        flags = await compute(inp) if compute is not None else review_pass(inp)
        if not flags:
            return []
        return await self._apply(guild, flags, inp.settled, start, now)

    async def _apply(
        self,
        guild: int,
        flags: dict[int, Flag],
        settled_before: Mapping[int, datetime],
        start: datetime,
        now: datetime,
    ) -> list[StoredFlag]:
        review = self.repos.review
        new: list[StoredFlag] = []
        withdrawn: list[BadgeAward] = []
        async with self.pipeline.locked(guild) as change:
            st = change.state
            mode = st.settings.review_mode  # as it is now, not when the pass began
            if mode == "off":
                return []
            settled = await review.settled(guild)
            pending = {f.user: f for f in await review.pending(guild)}
            for user, flag in sorted(flags.items()):
                if settled.get(user) != settled_before.get(user):
                    continue  # a moderator decided on them while the pass ran: stale evidence
                # held from the window's start, but never what a decision already settled
                decided = settled.get(user)
                since = max(start, decided) if decided is not None else start
                old = pending.get(user)
                if old is not None:
                    # a later pass may add reasons, never clear them
                    reasons = set(old.reasons) | flag.reasons
                    if reasons != set(old.reasons):
                        evidence = {**old.evidence, **flag.evidence}
                        await review.update_flag(old.id, sorted(reasons), evidence)
                    continue
                flag_id = await review.add_flag(
                    guild, user, mode, sorted(flag.reasons), flag.evidence, since, now
                )
                if mode == "hold":
                    await review.hold(guild, user, since)
                    st.holding[user] = since
                    total = await review.counted_reputation(guild, user)
                    for badge in await self._withdraw_badges(st, guild, user, total, since):
                        withdrawn.append(BadgeAward(guild, user, badge, now))
                    st.reputation[user] = total
                    change.batch.reputation[(guild, user)] = total
                stored = await review.flag(flag_id)
                if stored is not None:
                    new.append(stored)
        await self.pipeline.announce_revoked(withdrawn)
        return new

    async def _withdraw_badges(
        self, st: Any, guild: int, user: int, total: int, since: datetime
    ) -> list[str]:
        """Reputation badges reached only with points now held are withdrawn until decided
        (their linked roles are taken by the revoke listeners once this commits)."""
        out = []
        for badge in await self.repos.review.rep_badges_since(guild, user, since):
            threshold = int(badge.removeprefix("rep-"))
            if threshold in REP_THRESHOLDS and threshold > total:
                await self.repos.badges.revoke(guild, user, badge)
                st.badges[user].discard(badge)
                out.append(badge)
        return out

    async def queue(self, guild: int) -> list[QueueEntry]:
        """Undecided flags, by member, with the points they hold."""
        held = await self.repos.review.held_points(guild)
        return [
            QueueEntry(f, held.get(f.user, 0) if f.mode == "hold" else 0)
            for f in await self.repos.review.pending(guild)
        ]

    async def decide(
        self, guild: int, flag_id: int, approve: bool, moderator: int, at: datetime
    ) -> QueueEntry:
        """Approve (held points are released; the evidence so far never flags again) or
        reject (held points are void). Audited."""
        review = self.repos.review
        async with self.pipeline.locked(guild) as change:
            flag = await review.flag(flag_id)
            if flag is None or flag.guild != guild:
                raise DomainError("There is no such flag here. Open `/mod review` again.")
            held = (await review.held_points(guild)).get(flag.user, 0) if flag.mode == "hold" else 0
            if not await review.decide(
                flag_id, "approved" if approve else "rejected", at, moderator
            ):
                raise DomainError("Another moderator already decided on this flag.")
            change.state.holding.pop(flag.user, None)
            if flag.mode == "hold":
                await review.settle(guild, flag.user, COUNTED if approve else VOID)
                if approve:
                    total = await review.counted_reputation(guild, flag.user)
                    change.state.set_reputation(change.batch, flag.user, total, at)
            await self._audit(
                guild,
                moderator,
                "review.approve" if approve else "review.reject",
                {"member": flag.user, "points": held, "reasons": list(flag.reasons)},
                at,
            )
        return QueueEntry(flag, held)

    async def change_mode(self, change: Change, before: str, after: str) -> None:
        """Inside a settings change: undecided flags follow the new review_mode — hold
        converts them (their points from the flag's start on are held), flag or off releases
        what they held."""
        review = self.repos.review
        guild = change.state.guild
        if (before == "hold") == (after == "hold"):
            return
        for flag in await review.pending(guild):
            if after == "hold":
                await review.hold(guild, flag.user, flag.since)
                change.state.holding[flag.user] = flag.since
            else:
                await review.settle(guild, flag.user, COUNTED)
                change.state.holding.pop(flag.user, None)
            await review.set_mode(flag.id, "hold" if after == "hold" else "flag")
            total = await review.counted_reputation(guild, flag.user)
            change.state.set_reputation(change.batch, flag.user, total, flag.flagged_at)
