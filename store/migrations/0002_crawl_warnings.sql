-- crawl_runs.warnings: fields the crawler skipped (malformed JSON-in-string),
-- kept so the staff's crawl status shows them.
ALTER TABLE crawl_runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
