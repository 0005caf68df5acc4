-- Scheduled-job bookkeeping moves out of the guild's config blob into its own table, so a
-- job and /settings never read-modify-write the same JSON: the slot marks a guild served
-- and the board job records its message with targeted UPDATEs.
CREATE TABLE guild_jobs (
    guild_id INTEGER PRIMARY KEY,
    last_reminder_day TEXT,
    last_board_day TEXT,
    leaderboard_message INTEGER
);
INSERT INTO guild_jobs (guild_id, last_reminder_day, last_board_day, leaderboard_message)
SELECT guild_id,
       json_extract(config, '$.last_reminder_day'),
       json_extract(config, '$.last_board_day'),
       json_extract(config, '$.leaderboard_message')
FROM guilds;
UPDATE guilds SET config = json_remove(config, '$.last_reminder_day', '$.last_board_day',
                                       '$.leaderboard_message');
