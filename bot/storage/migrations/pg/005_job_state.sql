-- Scheduled-job bookkeeping moves out of the guild's config blob into its own table, so a
-- job and /settings never read-modify-write the same JSON: the slot marks a guild served
-- and the board job records its message with targeted UPDATEs.
CREATE TABLE guild_jobs (
    guild_id BIGINT PRIMARY KEY,
    last_reminder_day TEXT COLLATE "C",
    last_board_day TEXT COLLATE "C",
    leaderboard_message BIGINT
);
INSERT INTO guild_jobs (guild_id, last_reminder_day, last_board_day, leaderboard_message)
SELECT guild_id,
       CAST(config AS jsonb) ->> 'last_reminder_day',
       CAST(config AS jsonb) ->> 'last_board_day',
       CAST(CAST(config AS jsonb) ->> 'leaderboard_message' AS BIGINT)
FROM guilds;
UPDATE guilds SET config = CAST(CAST(config AS jsonb) - 'last_reminder_day' - 'last_board_day'
                                - 'leaderboard_message' AS TEXT);
