-- One nudge per member, pair and local day.
CREATE TABLE nudges (
    guild_id BIGINT NOT NULL,
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    by_user BIGINT NOT NULL,
    PRIMARY KEY (guild_id, a, b, day, by_user)
);
