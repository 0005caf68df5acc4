-- Posts in doubt (issue #13 review): a claimed reminder records the digest it plans to post
-- (reminder_plan, JSON) and how many of its messages went out (reminder_sent, updated after
-- each one, with reminder_claim_us moved to the time of that progress), so a process that
-- stopped half-way resumes where it was instead of recomputing the digest. A post in doubt
-- whose settling keeps failing is given up after a few tries (reminder_tries, recap_tries).
ALTER TABLE guild_jobs ADD COLUMN reminder_plan TEXT;
ALTER TABLE guild_jobs ADD COLUMN reminder_sent INTEGER;
ALTER TABLE guild_jobs ADD COLUMN reminder_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guild_jobs ADD COLUMN recap_tries INTEGER NOT NULL DEFAULT 0;
-- jobs of the whole installation: claimed with a lease (claim_us) and marked done after the
-- job ran (done_period), so a job that failed, or whose process died, runs again
ALTER TABLE global_jobs ADD COLUMN claim_us BIGINT;
ALTER TABLE global_jobs ADD COLUMN done_period TEXT;
UPDATE global_jobs SET done_period = last_period;
