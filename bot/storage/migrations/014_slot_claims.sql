-- Several processes (issue #13): a guild's reminder and recap are claimed just before they
-- are posted (a compare-and-set on last_reminder_day / last_recap_end, so one process posts
-- them) and confirmed after; a claim without its confirmation is a post in doubt (the
-- process died in between), which the next slot looks for in the channel before posting.
ALTER TABLE guild_jobs ADD COLUMN reminder_claim_us BIGINT;
ALTER TABLE guild_jobs ADD COLUMN reminder_done_day TEXT;
ALTER TABLE guild_jobs ADD COLUMN recap_claim_us BIGINT;
ALTER TABLE guild_jobs ADD COLUMN recap_done_end BIGINT;
UPDATE guild_jobs SET reminder_done_day = last_reminder_day, recap_done_end = last_recap_end;
-- jobs that are not per guild (retention, backups): the last period each was run for, so
-- one process runs it (under an advisory lock), once per period
CREATE TABLE global_jobs (
    name TEXT PRIMARY KEY,
    last_period TEXT NOT NULL
);
