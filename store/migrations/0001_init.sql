-- callmatch schema, version 1. Portable SQL for SQLite and PostgreSQL:
-- timestamps are BIGINT microseconds since the Unix epoch (UTC), JSON is TEXT,
-- {{serial}} is replaced by each engine's auto-increment primary key.

-- generation is bumped in the same transaction as every write to calls.
CREATE TABLE generation (
	id BIGINT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO generation (id, value) VALUES (1, 0);

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- calls: data is the JSON of funding.Call; the columns beside it are the
-- truth for provenance (content_hash, crawled_at, changed_at, gone_at).
-- updated_at is when the row was last written for any reason.
CREATE TABLE calls (
	id TEXT PRIMARY KEY,
	programme TEXT NOT NULL,
	programme_id TEXT NOT NULL,
	status TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	crawled_at BIGINT NOT NULL,
	changed_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	gone_at BIGINT,
	data TEXT NOT NULL
);
CREATE INDEX calls_programme_id_idx ON calls (programme_id);
CREATE INDEX calls_programme_idx ON calls (programme);
CREATE INDEX calls_updated_at_idx ON calls (updated_at);

-- call_changes: fields is a JSON array of changed field names, old_values
-- and new_values JSON objects of the JSON keys behind those fields.
CREATE TABLE call_changes (
	id {{serial}},
	call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
	changed_at BIGINT NOT NULL,
	fields TEXT NOT NULL,
	old_values TEXT NOT NULL,
	new_values TEXT NOT NULL
);
CREATE INDEX call_changes_call_idx ON call_changes (call_id, changed_at);
CREATE INDEX call_changes_changed_at_idx ON call_changes (changed_at);

CREATE TABLE crawl_runs (
	id {{serial}},
	started_at BIGINT NOT NULL,
	finished_at BIGINT,
	pages BIGINT NOT NULL DEFAULT 0,
	seen BIGINT NOT NULL DEFAULT 0,
	new_calls BIGINT NOT NULL DEFAULT 0,
	changed_calls BIGINT NOT NULL DEFAULT 0,
	unchanged_calls BIGINT NOT NULL DEFAULT 0,
	gone_calls BIGINT NOT NULL DEFAULT 0,
	errors TEXT NOT NULL DEFAULT '[]',
	failed BOOLEAN NOT NULL DEFAULT FALSE,
	changed_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX crawl_runs_started_at_idx ON crawl_runs (started_at);

-- profiles: data is the JSON of funding.Profile; email_key is the
-- lower-cased e-mail for look-ups.
CREATE TABLE profiles (
	id TEXT PRIMARY KEY,
	email_key TEXT NOT NULL,
	token_hash TEXT NOT NULL,
	version BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX profiles_email_key_idx ON profiles (email_key);

CREATE TABLE follows (
	profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (profile_id, call_id)
);
CREATE INDEX follows_call_idx ON follows (call_id);

CREATE TABLE dismissals (
	profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (profile_id, call_id)
);
CREATE INDEX dismissals_call_idx ON dismissals (call_id);

CREATE TABLE staff (
	id {{serial}},
	email TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);

-- curations are append-only. segment is the JSON of funding.Segment or NULL.
CREATE TABLE curations (
	id TEXT PRIMARY KEY,
	call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
	profile_id TEXT REFERENCES profiles (id) ON DELETE CASCADE,
	segment TEXT,
	action TEXT NOT NULL,
	note TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX curations_call_idx ON curations (call_id);
CREATE INDEX curations_profile_idx ON curations (profile_id);
CREATE INDEX curations_created_at_idx ON curations (created_at);

CREATE TABLE login_tokens (
	token_hash TEXT PRIMARY KEY,
	profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX login_tokens_profile_idx ON login_tokens (profile_id);
CREATE INDEX login_tokens_expires_at_idx ON login_tokens (expires_at);

CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	subject_kind TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_subject_idx ON sessions (subject_kind, subject_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE subscriptions (
	id {{serial}},
	email TEXT NOT NULL,
	email_key TEXT NOT NULL,
	profile_id TEXT REFERENCES profiles (id) ON DELETE CASCADE,
	frequency TEXT NOT NULL,
	weekday BIGINT NOT NULL,
	hour BIGINT NOT NULL,
	timezone TEXT NOT NULL,
	language TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	confirmed_at BIGINT,
	paused_until BIGINT,
	unsubscribed_at BIGINT,
	last_digest_at BIGINT,
	bounced BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_email_key_idx ON subscriptions (email_key);
CREATE INDEX subscriptions_profile_idx ON subscriptions (profile_id);

-- digests is the outbox: one row per subscription and period.
CREATE TABLE digests (
	id {{serial}},
	subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	period_key TEXT NOT NULL,
	items TEXT NOT NULL,
	state TEXT NOT NULL,
	planned_at BIGINT NOT NULL,
	claimed_at BIGINT,
	sent_at BIGINT,
	attempts BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	UNIQUE (subscription_id, period_key)
);
CREATE INDEX digests_state_idx ON digests (state, planned_at);

-- sent_items: what a subscription has already received, and why.
CREATE TABLE sent_items (
	subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	call_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	digest_id BIGINT NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
	sent_at BIGINT NOT NULL,
	PRIMARY KEY (subscription_id, call_id, reason)
);
CREATE INDEX sent_items_digest_idx ON sent_items (digest_id);
