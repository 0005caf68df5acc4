-- A member's interactions by member (issue #13, DECISIONS B20): every guild's state is loaded
-- member by member, and a member's load read the guild's whole week of interactions to find
-- theirs (350,000 rows in a 100,000-member guild, about 0.4 s under the single-writer lock for
-- each member after a restart). These two indexes let it read just that member's rows.
CREATE INDEX interactions_by_actor ON interactions (guild_id, actor_id, ts);
CREATE INDEX interactions_by_target ON interactions (guild_id, target_id, ts);
