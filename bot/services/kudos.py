"""`/thanks` and the Thank context menu: a member's kudos, through the one ingest path."""

from __future__ import annotations

from bot.domain.engine import AwardNote, KudosOutcome
from bot.domain.interactions import KudosRecord
from bot.services._base import Service


class KudosService(Service):
    async def give(self, record: KudosRecord) -> KudosOutcome:
        """Apply a kudos exactly as a ⭐ reaction or a replayed line would be (SPEC §3 rule 3);
        the outcome says why a refused one was refused, and how an accepted one's points came
        out (base, multiplier, caps, hold)."""
        outcome = await self.pipeline.submit(record)
        return outcome


__all__ = ["AwardNote", "KudosOutcome", "KudosRecord", "KudosService"]
