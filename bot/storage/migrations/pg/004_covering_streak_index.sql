-- The running-streaks board walks pairs by current length (ties by pair) and checks whether
-- each is alive (last_day, freezes): a covering index in that order answers it without
-- sorting and without visiting the table.
DROP INDEX pair_streaks_by_current;
CREATE INDEX pair_streaks_by_current
    ON pair_streaks (guild_id, current DESC, a, b, last_day, freezes);
