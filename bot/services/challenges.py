"""Challenges (SPEC §5): create, edit, join, leave, end, cancel, close — and their progress."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.badges import challenge_badge
from bot.domain.challenges import Challenge, Progress
from bot.domain.errors import DomainError
from bot.reads import BoardPage, Reads
from bot.services._base import Service
from bot.tracking.pipeline import TrackingPipeline


def frozen(ch: Challenge) -> Challenge:
    """A copy to hand out: callers never hold the pipeline's live challenge."""
    return replace(ch, participants=dict(ch.participants))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a public post about an ended challenge may say: `progress.completed` are the
    completers who may be named, `unnamed` more completed it (members who keep their stats
    out of the bot's posts), `board` is the final board without them."""

    progress: Progress
    unnamed: int
    board: BoardPage


class ChallengeService(Service):
    def __init__(self, pipeline: TrackingPipeline, reads: Reads) -> None:
        super().__init__(pipeline)
        self.reads = reads
        self.repo = self.repos.challenges
        self._close_lock = asyncio.Lock()
        # challenges whose start this process announced itself, at creation (the scheduled
        # job's claim sees them even before the creation has committed)
        self._announced: set[tuple[int, int]] = set()

    # -- reads ----------------------------------------------------------------------------
    async def all(self, guild: int) -> list[Challenge]:
        """Every challenge of the guild, by id (copies)."""
        st = await self.pipeline.state(guild)
        return [frozen(c) for c in sorted(st.challenges.values(), key=lambda c: c.id)]

    async def get(self, guild: int, challenge_id: int) -> Challenge | None:
        st = await self.pipeline.state(guild)
        ch = st.challenges.get(challenge_id)
        return frozen(ch) if ch is not None else None

    async def due(self, now: datetime) -> list[tuple[int, int, str]]:
        return await self.repo.due(now)

    async def progress(self, ch: Challenge, now: datetime) -> Progress:
        return await self.reads.progress(ch, now)

    async def outcome(self, ch: Challenge, result: Progress, now: datetime) -> Outcome:
        """The public side of a closed challenge's result (hidden members never named)."""
        hidden = set(await self.reads.hidden(ch.guild, public_only=True))
        named = [u for u in result.completed if u not in hidden]
        board = await self.reads.board(ch.guild, "challenge", 0, now, ch, public_only=True)
        return Outcome(replace(result, completed=named), len(result.completed) - len(named), board)

    async def audience(self, ch: Challenge) -> tuple[list[int], list[int]]:
        """Who joined `ch`: (those who may be mentioned in a public post, those who keep
        their stats out of the bot's posts and are told privately)."""
        hidden = set(await self.reads.hidden(ch.guild, public_only=True))
        joined = sorted(ch.participants)
        return [u for u in joined if u not in hidden], [u for u in joined if u in hidden]

    # -- writes ---------------------------------------------------------------------------
    async def save(
        self,
        ch: Challenge,
        moderator: int | None,
        action: str,
        at: datetime,
        reason: str = "",
    ) -> Challenge:
        """Create or replace a challenge (its participants are kept when `ch` has none)."""
        async with self.pipeline.locked(ch.guild, users=()) as change:
            st = change.state
            new = frozen(ch)
            old = st.challenges.get(ch.id)
            if old is not None and not new.participants:
                new.participants = dict(old.participants)
            await self.repo.upsert(new)
            details: dict[str, object] = {"challenge": ch.id, "name": ch.name}
            if reason:
                details["reason"] = reason
            await self._audit(ch.guild, moderator, action, details, at)
            st.challenges[ch.id] = new
        return frozen(new)

    async def create(
        self, ch: Challenge, moderator: int | None, at: datetime, announced: bool = False
    ) -> Challenge:
        """A new challenge: `ch.id` is replaced by the guild's next id. `announced`: the
        caller announces its start itself (it starts now), so the scheduled job will not."""
        async with self.pipeline.locked(ch.guild, users=()) as change:
            new = replace(ch, id=await self.repo.next_id(ch.guild), participants={})
            if announced:
                self._announced.add((new.guild, new.id))
            await self.repo.upsert(new)
            if announced:
                await self.repo.mark_announced(new.guild, new.id)
            await self._audit(
                ch.guild, moderator, "challenge.create", {"challenge": new.id, "name": new.name}, at
            )
            change.state.challenges[new.id] = new
        return frozen(new)

    async def join(self, guild: int, challenge_id: int, user: int, at: datetime) -> bool:
        async with self.pipeline.locked(guild, users=()) as change:
            ch = change.state.challenges.get(challenge_id)
            if ch is None or user in ch.participants:
                return False
            await self.repo.add_participant(guild, challenge_id, user, at)
            ch.participants[user] = at
            return True

    async def leave(self, guild: int, challenge_id: int, user: int, at: datetime) -> bool:
        """False when the member is not in it. An ended or cancelled challenge is history:
        leaving it is refused (its results and badges stand)."""
        async with self.pipeline.locked(guild, users=()) as change:
            ch = change.state.challenges.get(challenge_id)
            if ch is not None and ch.state_at(at) in ("ended", "cancelled"):
                raise DomainError(
                    f"**{ch.name}** is {ch.state_at(at)}: its results are history, "
                    "so there is nothing to leave."
                )
            if ch is None or user not in ch.participants:
                return False
            await self.repo.remove_participant(guild, challenge_id, user)
            del ch.participants[user]
            return True

    async def mark_announced(self, guild: int, challenge_id: int) -> None:
        await self.repo.mark_announced(guild, challenge_id)

    async def claim_start(self, guild: int, challenge_id: int) -> bool:
        """The scheduled job's turn to announce a start: False when `/challenge create`
        announced it already (possibly while the job was reading what is due)."""
        if (guild, challenge_id) in self._announced:
            return False
        await self.repo.mark_announced(guild, challenge_id)
        return True

    async def cancel(
        self, ch: Challenge, moderator: int, at: datetime, reason: str = ""
    ) -> Challenge:
        """Cancelled: nothing is awarded (a closing skips it), its participants stay listed."""
        return await self.save(
            replace(ch, cancelled=True), moderator, "challenge.cancel", at, reason
        )

    async def end_now(
        self, ch: Challenge, moderator: int, at: datetime
    ) -> tuple[Challenge, Progress | None]:
        """A moderator ends a running challenge now: it is closed and awarded at once."""
        ended = await self.save(replace(ch, ends=at), moderator, "challenge.end", at)
        return ended, await self.close(ended, at, actor=moderator)

    async def close(
        self, ch: Challenge, now: datetime, actor: int | None = None
    ) -> Progress | None:
        """Award the challenge badge to every completer once; None if already closed.
        Closings are serialised and judged on the guild's current copy of the challenge,
        so `/challenge end` racing the scheduled job closes it once."""
        async with self._close_lock:
            st = await self.pipeline.state(ch.guild)
            current = st.challenges.get(ch.id, ch)
            if current.closed or current.cancelled or now < current.ends:
                return None
            result = await self.progress(current, now)
            # a moderator's /challenge end awards in their name (linked roles are checked)
            async with self.pipeline.locked(ch.guild, actor, users=result.completed) as change:
                live = change.state.challenges.get(ch.id, current)
                badge = challenge_badge(live.id)
                for user in result.completed:
                    change.state.give_badge(change.batch, user, badge, live.ends)
                await self.repo.mark_closed(live.guild, live.id)
                live.closed = True
            return result
