"""What every service shares: the pipeline's unit of work and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.protocols import Repositories
from bot.tracking.pipeline import TrackingPipeline


class Service:
    """A service is the only writer of its area besides the ingest pipeline. Each action runs
    in one `pipeline.locked(guild)` unit of work: the domain write, the repository writes and
    the audit row commit together or not at all; read caches are told when it commits."""

    def __init__(self, pipeline: TrackingPipeline) -> None:
        self.pipeline = pipeline
        self.repos: Repositories = pipeline.repos
        self.audit = self.repos.audit

    async def _audit(
        self, guild: int, moderator: int | None, action: str, details: dict[str, Any], at: datetime
    ) -> None:
        """Inside a unit of work: its audit row (None: nobody acted, nothing is audited)."""
        if moderator is not None:
            await self.audit.record(guild, moderator, action, details, at)
