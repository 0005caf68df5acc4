"""APScheduler as a projection of the database: a fixed set of jobs, rebuilt at start-up
under stable ids. The number of jobs never grows with the number of guilds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.scheduling.jobs import Jobs

log = logging.getLogger(__name__)

SLOT_JOB = "kindling-slot"
CHALLENGE_JOB = "kindling-challenges"
RETENTION_JOB = "kindling-retention"
REVIEW_JOB = "kindling-review"
BACKUP_JOB = "kindling-backup"


def _runner(
    clock: Clock, body: Callable[[datetime], Awaitable[object]], name: str
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await body(clock.now())
        except Exception:
            log.exception("scheduled job %s failed", name)

    return run


def install_jobs(
    scheduler: AsyncIOScheduler,
    jobs: Jobs,
    clock: Clock,
    retention_days: int,
    backup: Callable[[datetime], Awaitable[object]] | None = None,
) -> list[str]:
    """(Re)create the fixed job set. A missed slot is skipped (no burst after downtime);
    challenge ends are found in the database, so a missed end still runs once. The slot
    also runs once at start-up, so a recap missed while the bot was down is posted at once."""
    scheduler.add_job(
        _runner(clock, jobs.run_slot, SLOT_JOB),
        CronTrigger(minute="0,15,30,45", timezone="UTC"),
        id=SLOT_JOB,
        next_run_time=datetime.now(UTC),
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=60,
    )
    scheduler.add_job(
        _runner(clock, jobs.run_challenges, CHALLENGE_JOB),
        IntervalTrigger(minutes=1),
        id=CHALLENGE_JOB,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )

    async def prune(now: datetime) -> int:
        return await jobs.prune(now, retention_days)

    scheduler.add_job(
        _runner(clock, prune, RETENTION_JOB),
        CronTrigger(hour=4, minute=7, timezone="UTC"),
        id=RETENTION_JOB,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=3600,
    )
    # authenticity review: hourly, all guilds in one job (a missed hour is simply the next)
    scheduler.add_job(
        _runner(clock, jobs.run_reviews, REVIEW_JOB),
        CronTrigger(minute=23, timezone="UTC"),
        id=REVIEW_JOB,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=600,
    )
    ids = [SLOT_JOB, CHALLENGE_JOB, RETENTION_JOB, REVIEW_JOB]
    if backup is not None:
        # a daily online backup; a missed one (the bot was down) runs when it is back
        scheduler.add_job(
            _runner(clock, backup, BACKUP_JOB),
            CronTrigger(hour=3, minute=17, timezone="UTC"),
            id=BACKUP_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=12 * 3600,
        )
        ids.append(BACKUP_JOB)
    return ids
