-- Every ledger row has a key: whom it pays, why, and from what (`source`: an interaction's
-- key, a pair's day, a run's milestone - once per pair, run start and length -, a moderator's
-- command). The write-behind batch inserts rows with ON CONFLICT DO NOTHING, so a batch
-- written again after a COMMIT whose outcome was unknown (PostgreSQL: the connection dropped
-- during COMMIT, the pipeline puts the batch back and retries) adds nothing the first write
-- added. Rows a retry doubled before this key are removed first (the earliest is kept): the
-- reputation column counted them once.
DELETE FROM ledger WHERE id NOT IN (
    SELECT MIN(id) FROM ledger GROUP BY guild_id, user_id, reason, source
);
CREATE UNIQUE INDEX ledger_by_key ON ledger (guild_id, user_id, reason, source);
