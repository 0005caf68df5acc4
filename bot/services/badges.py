"""Badge definitions and moderator grants and revokes (SPEC §4)."""

from __future__ import annotations

from datetime import datetime

from bot.services._base import Service
from bot.storage.badges import BadgeDef, HeldBadge
from bot.storage.outbox import OwedDelivery
from bot.tracking.pipeline import BadgeListener, TrackingPipeline


class BadgeService(Service):
    def __init__(self, pipeline: TrackingPipeline) -> None:
        super().__init__(pipeline)
        self.repo = self.repos.badges

    def add_listener(self, listener: BadgeListener) -> None:
        """Called with every committed batch of newly awarded badges (announcements, roles)."""
        self.pipeline.add_badge_listener(listener)

    def remove_listener(self, listener: BadgeListener) -> None:
        self.pipeline.remove_badge_listener(listener)

    def add_revoke_listener(self, listener: BadgeListener) -> None:
        """Called with badges taken back by the system (a review hold), to take their roles."""
        self.pipeline.add_revoke_listener(listener)

    def remove_revoke_listener(self, listener: BadgeListener) -> None:
        self.pipeline.remove_revoke_listener(listener)

    # -- deliveries owed (roles and announcements), kept in the store ----------------------
    async def owed(self, guild: int, limit: int = 200) -> list[OwedDelivery]:
        """Badges of the guild whose role and announcement are still owed, oldest first."""
        await self.pipeline.catch_up()
        return await self.repos.outbox.pending(guild, limit)

    async def guilds_owed(self) -> list[int]:
        """Guilds with deliveries owed (after a crash, at start-up)."""
        return await self.repos.outbox.guilds_pending()

    async def delivered(self, ids: list[int], at: datetime) -> None:
        await self.repos.outbox.mark_delivered(ids, at)

    async def definitions(self, guild: int) -> dict[str, BadgeDef]:
        return await self.repo.definitions(guild)

    async def held(self, guild: int, user: int) -> list[HeldBadge]:
        await self.pipeline.catch_up()
        return await self.repo.held(guild, user)

    async def define(
        self,
        guild: int,
        badge: BadgeDef,
        moderator: int,
        action: str,
        details: dict[str, object],
        at: datetime,
    ) -> None:
        """Create a custom badge or change a definition (name, emoji, linked role)."""
        async with self.pipeline.locked(guild, users=()):
            await self.repo.define(guild, badge)
            await self._audit(guild, moderator, action, dict(details), at)

    async def grant(
        self, guild: int, user: int, badge: str, moderator: int | None, at: datetime
    ) -> bool:
        """False when the member already holds it."""
        async with self.pipeline.locked(guild, moderator, users=(user,)) as change:
            given = change.state.give_badge(change.batch, user, badge, at)
            if given:
                await self._audit(
                    guild, moderator, "badge.grant", {"badge": badge, "member": user}, at
                )
        return given

    async def revoke(
        self, guild: int, user: int, badge: str, moderator: int | None, at: datetime
    ) -> bool:
        """False when the member does not hold it."""
        async with self.pipeline.locked(guild, users=(user,)) as change:
            if not await self.repo.revoke(guild, user, badge):
                return False
            change.state.badges[user].discard(badge)
            await self._audit(
                guild, moderator, "badge.revoke", {"badge": badge, "member": user}, at
            )
        return True


__all__ = ["BadgeDef", "BadgeService", "HeldBadge"]
