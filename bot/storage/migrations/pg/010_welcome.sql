-- First-run welcome: when the welcome and setup checklist was posted to a guild (microseconds
-- since the epoch, UTC), so it is posted once, never again after a restart. NULL: not yet.
ALTER TABLE guild_jobs ADD COLUMN welcome_posted_at BIGINT;
