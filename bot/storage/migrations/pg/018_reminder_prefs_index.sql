-- The members who do not take the default channel reminder (issue #13): a reminder slot reads
-- them for every due guild (MemberRepository.reminder_prefs), and without an index that read
-- walked all of a guild's members - 250 ms for a 100,000-member guild in which nobody chose
-- otherwise. A partial index holds only those few members, with the columns the query reads;
-- the query's WHERE is the index's condition word for word, so both SQLite and PostgreSQL
-- use it.
CREATE INDEX members_not_default_reminder
    ON members (guild_id, user_id, notify, opted_out, excluded, visibility)
    WHERE notify != 'channel' OR opted_out = 1 OR excluded = 1 OR visibility != 'public';
