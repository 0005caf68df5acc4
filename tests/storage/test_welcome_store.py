"""The first-run welcome marker (guild_jobs.welcome_posted_at) through the GuildStore protocol."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.protocols import Repositories

AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def test_welcome_marker_is_per_guild_and_can_be_forgotten(repos: Repositories) -> None:
    guilds = repos.guilds
    assert not await guilds.welcome_posted(1)
    await guilds.mark_welcome(1, AT)
    assert await guilds.welcome_posted(1) and not await guilds.welcome_posted(2)
    await guilds.mark_welcome(1, None)
    assert not await guilds.welcome_posted(1)


async def test_welcome_marker_leaves_the_job_bookkeeping_alone(repos: Repositories) -> None:
    await repos.jobs.mark("last_reminder_day", [(1, "2026-06-01")])
    await repos.guilds.mark_welcome(1, AT)
    assert (await repos.jobs.get(1)).last_reminder_day == "2026-06-01"
    await repos.guilds.mark_welcome(2, AT)  # a guild with no job row yet
    assert (await repos.jobs.get(2)).last_reminder_day is None
