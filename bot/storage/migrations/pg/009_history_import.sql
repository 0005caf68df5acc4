-- History import (SPEC §8): one row per tracked channel and imported stretch of its past.
-- `after_id` is the last message id done (what is left is newer), `until_id` the newest
-- message when the import started (newer ones are live traffic and backfill's); a finished
-- stretch is never read again. Times are microseconds since the epoch, UTC.
CREATE TABLE history_imports (
    guild_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    since_ts BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    after_id BIGINT NOT NULL,
    until_id BIGINT NOT NULL,
    messages_seen BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, channel_id, since_ts)
);
