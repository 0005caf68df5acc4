-- One nudge per member, pair and local day.
CREATE TABLE nudges (
    guild_id INTEGER NOT NULL,
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    day TEXT NOT NULL,
    by_user INTEGER NOT NULL,
    PRIMARY KEY (guild_id, a, b, day, by_user)
) WITHOUT ROWID;
