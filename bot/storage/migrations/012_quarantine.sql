-- Rows the tracking pipeline could not store (#12 item 1): kept for the operator instead of
-- blocking every later write. `row` is an ASCII rendering of the values, `error` why.
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    table_name TEXT NOT NULL,
    row TEXT NOT NULL,
    error TEXT NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX quarantine_by_time ON quarantine (ts);
