-- Authenticity review (SPEC §10). A flag per member and decision; ledger rows of a flagged
-- member in hold mode are held (1) until a moderator approves (back to 0) or rejects (void, 2).
-- Reputation, boards, badges and challenge points count held = 0 only.
ALTER TABLE ledger ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE TABLE review_flags (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    mode TEXT NOT NULL,
    reasons TEXT NOT NULL,
    evidence TEXT NOT NULL,
    since INTEGER NOT NULL,
    flagged_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER
);
CREATE INDEX review_flags_by_member ON review_flags (guild_id, user_id, state);
CREATE UNIQUE INDEX review_flags_one_pending ON review_flags (guild_id, user_id)
    WHERE state = 'pending';
CREATE INDEX messages_by_time ON messages (guild_id, ts);
