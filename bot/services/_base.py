"""What every service shares: the pipeline's unit of work and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.audit import AuditRepository
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline


class Service:
    """A service is the only writer of its area besides the ingest pipeline. Each action runs
    in one `pipeline.locked(guild)` unit of work: the domain write, the repository writes and
    the audit row commit together or not at all; read caches are told when it commits."""

    def __init__(self, db: Database, pipeline: TrackingPipeline) -> None:
        self.db = db
        self.pipeline = pipeline
        self.audit = AuditRepository(db)

    async def _audit(
        self, guild: int, moderator: int | None, action: str, details: dict[str, Any], at: datetime
    ) -> None:
        """Inside a unit of work: its audit row (None: nobody acted, nothing is audited)."""
        if moderator is not None:
            await self.audit.record(guild, moderator, action, details, at)
