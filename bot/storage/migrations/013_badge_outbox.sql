-- Badge deliveries (#12 item 3): a badge's linked role and its announcement are owed from the
-- moment the badge is stored, in the same transaction; a delivery is done when `delivered_at`
-- is set, so a crash before delivering only delays it. `actor` is the moderator whose action
-- awarded it (their power over a linked role is checked), NULL for earned badges.
CREATE TABLE badge_outbox (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    badge TEXT NOT NULL,
    awarded_at INTEGER NOT NULL,
    actor INTEGER,
    delivered_at INTEGER,
    UNIQUE (guild_id, user_id, badge, awarded_at)
);
CREATE INDEX badge_outbox_pending ON badge_outbox (guild_id, id) WHERE delivered_at IS NULL;
