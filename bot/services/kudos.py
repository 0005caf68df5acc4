"""`/thanks` and the Thank context menu: a member's kudos, through the one ingest path."""

from __future__ import annotations

from bot.domain.engine import AwardNote, KudosOutcome
from bot.domain.interactions import KudosRecord
from bot.services._base import Service


class KudosService(Service):
    async def give(self, record: KudosRecord) -> KudosOutcome:
        """Apply a kudos exactly as a ⭐ reaction or a replayed line would be (SPEC §3 rule 3);
        the outcome says why a refused one was refused, and how an accepted one's points came
        out (base, multiplier, caps, hold). The reason, if any, is kept with it."""
        outcome = await self.pipeline.submit(record)
        if outcome.accepted and record.reason and not self.pipeline.write_failing:
            # (while the store refuses writes the kudos waits in the batch; its reason,
            # which is only kept for the member's export, is not kept then)
            async with self.pipeline.locked(record.guild, quiet=True, users=()):
                await self.repos.kudos.add_reason(
                    record.guild,
                    record.key_source,
                    record.giver,
                    record.receiver,
                    record.reason,
                    record.ts,
                )
        return outcome


__all__ = ["AwardNote", "KudosOutcome", "KudosRecord", "KudosService"]
