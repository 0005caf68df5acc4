-- History import (SPEC §8): one row per tracked channel and imported stretch of its past.
-- `after_id` is the last message id done (what is left is newer), `until_id` the newest
-- message when the import started (newer ones are live traffic and backfill's); a finished
-- stretch is never read again. Times are microseconds since the epoch, UTC.
CREATE TABLE history_imports (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    since_ts INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    after_id INTEGER NOT NULL,
    until_id INTEGER NOT NULL,
    messages_seen INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, channel_id, since_ts)
) WITHOUT ROWID;
