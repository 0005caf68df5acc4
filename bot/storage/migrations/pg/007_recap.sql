-- Recaps (SPEC §6): the end of the last schedule period a guild's recap was posted for
-- (microseconds since the epoch, UTC), so a recap is posted once per period, also after
-- downtime.
ALTER TABLE guild_jobs ADD COLUMN last_recap_end BIGINT;
