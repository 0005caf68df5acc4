-- The reason a member gave with a /thanks (or a Thank menu), so /privacy export can show it.
-- Keyed like the kudos interaction it belongs to; erased with the member's interactions on
-- opt-out and pruned with them by retention.
CREATE TABLE kudos_reasons (
    guild_id BIGINT NOT NULL,
    source TEXT COLLATE "C" NOT NULL,
    giver_id BIGINT NOT NULL,
    receiver_id BIGINT NOT NULL,
    reason TEXT COLLATE "C" NOT NULL,
    ts BIGINT NOT NULL,
    PRIMARY KEY (guild_id, source, giver_id, receiver_id)
);
