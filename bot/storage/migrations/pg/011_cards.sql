-- Image cards: how a member wants their cards ('image', the default, or 'text' for the
-- embed alone), and an index for a member's pair days from the higher id's side (the
-- calendar heatmap reads every day of a member's pairs; the primary key serves the a side).
ALTER TABLE members ADD COLUMN cards TEXT COLLATE "C" NOT NULL DEFAULT 'image';
CREATE INDEX pair_days_by_b ON pair_days (guild_id, b, a, day);
