-- A huge guild's rule state is loaded member by member, on demand (issue #13, DECISIONS
-- B18): a member's interactions are found by either side of the pair.
CREATE INDEX interactions_by_actor ON interactions (guild_id, actor_id, ts);
CREATE INDEX interactions_by_target ON interactions (guild_id, target_id, ts);
