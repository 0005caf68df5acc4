-- Kindling schema v1. Times are integer microseconds since the Unix epoch (UTC);
-- days are guild-local ISO dates (YYYY-MM-DD).
CREATE TABLE guilds (
    guild_id INTEGER PRIMARY KEY,
    settings TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE members (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    bot INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER,
    left_guild INTEGER NOT NULL DEFAULT 0,
    opted_out INTEGER NOT NULL DEFAULT 0,
    excluded INTEGER NOT NULL DEFAULT 0,
    reputation INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 0,
    notify TEXT NOT NULL DEFAULT 'channel',
    visibility TEXT NOT NULL DEFAULT 'public',
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_reputation ON members (guild_id, reputation DESC);

CREATE TABLE messages (
    guild_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    norm TEXT NOT NULL,
    PRIMARY KEY (guild_id, message_id)
) WITHOUT ROWID;

CREATE TABLE interactions (
    guild_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    actor_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ts INTEGER NOT NULL,
    day TEXT NOT NULL,
    channel_id INTEGER,
    points INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    PRIMARY KEY (guild_id, source, actor_id, target_id, kind)
) WITHOUT ROWID;
CREATE INDEX interactions_by_time ON interactions (guild_id, ts);

CREATE TABLE ledger (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    ts INTEGER NOT NULL,
    day TEXT NOT NULL,
    partner_id INTEGER,
    capped INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ledger_by_time ON ledger (guild_id, ts);

CREATE TABLE pair_days (
    guild_id INTEGER NOT NULL,
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    day TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (guild_id, a, b, day)
) WITHOUT ROWID;

CREATE TABLE pair_streaks (
    guild_id INTEGER NOT NULL,
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    current INTEGER NOT NULL,
    best INTEGER NOT NULL,
    freezes INTEGER NOT NULL,
    last_day TEXT NOT NULL,
    run_start TEXT NOT NULL,
    PRIMARY KEY (guild_id, a, b)
) WITHOUT ROWID;
CREATE INDEX pair_streaks_by_current ON pair_streaks (guild_id, current DESC);

CREATE TABLE badges (
    guild_id INTEGER NOT NULL,
    badge TEXT NOT NULL,
    name TEXT NOT NULL,
    emoji TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    role_id INTEGER,
    custom INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, badge)
) WITHOUT ROWID;

CREATE TABLE member_badges (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    badge TEXT NOT NULL,
    awarded_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, badge)
) WITHOUT ROWID;

CREATE TABLE challenges (
    guild_id INTEGER NOT NULL,
    challenge_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    goal TEXT NOT NULL,
    target INTEGER NOT NULL,
    starts INTEGER NOT NULL,
    ends INTEGER NOT NULL,
    multiplier REAL NOT NULL DEFAULT 1.0,
    join_required INTEGER NOT NULL DEFAULT 1,
    cancelled INTEGER NOT NULL DEFAULT 0,
    announced INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    PRIMARY KEY (guild_id, challenge_id)
);

CREATE TABLE challenge_participants (
    guild_id INTEGER NOT NULL,
    challenge_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, challenge_id, user_id)
) WITHOUT ROWID;

CREATE TABLE channel_cursors (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    last_message_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
) WITHOUT ROWID;

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    moderator_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX audit_by_guild ON audit (guild_id, id DESC);
