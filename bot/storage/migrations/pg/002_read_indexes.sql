-- Indexes for what commands read: a member's pairs (either side) and a member's ledger.
CREATE INDEX pair_streaks_by_b ON pair_streaks (guild_id, b);
CREATE INDEX ledger_by_member ON ledger (guild_id, user_id, ts);
CREATE INDEX pair_streaks_by_best ON pair_streaks (guild_id, best DESC);
