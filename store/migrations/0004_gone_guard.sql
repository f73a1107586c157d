-- calls.missed_crawls: complete crawls in a row whose listing lacked the call
-- (a call is marked gone only after several, so one portal glitch hides nothing).
-- crawl_runs.missed_calls: calls a run found missing, not gone yet.
-- crawl_runs.gone_held: JSON of funding.GoneHold when a run marked nothing
-- gone because the portal's answers did not add up; NULL otherwise.
ALTER TABLE calls ADD COLUMN missed_crawls BIGINT NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN missed_calls BIGINT NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN gone_held TEXT;
