package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"callmatch/funding"
)

// SubjectProfile and SubjectStaff are the subject kinds of sessions.
const (
	SubjectProfile = "profile"
	SubjectStaff   = "staff"
)

// emailKey is the form under which e-mail addresses are looked up.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateProfile stores a new profile, pending (not Confirmed) until a link
// e-mailed to its address is used (UseLoginToken). The caller sets p.ID;
// the store sets p.Version to 1 and p.CreatedAt and p.UpdatedAt to now.
// tokenHash is the hash of the profile's API token. A taken id is
// ErrConflict.
func (s *Store) CreateProfile(ctx context.Context, p *funding.Profile, tokenHash string) error {
	if p.ID == "" {
		return fmt.Errorf("store: create profile: empty id")
	}
	now := utcMicro(s.now())
	q := *p
	q.Version, q.CreatedAt, q.UpdatedAt, q.Confirmed, q.EverConfirmed = 1, now, now, false, false
	data, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("store: create profile %s: %w", p.ID, err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO profiles (id, email_key, token_hash, version, created_at, updated_at, data)
		VALUES ($1, $2, $3, 1, $4, $4, $5) ON CONFLICT DO NOTHING`,
		p.ID, emailKey(p.Email), tokenHash, micros(now), string(data))
	if err := affectedOne(res, err); err != nil {
		if errors.Is(err, ErrNotFound) {
			err = ErrConflict
		}
		return fmt.Errorf("store: create profile %s: %w", p.ID, err)
	}
	*p = q
	return nil
}

// UpdateProfile replaces the stored profile p.ID with p, bumps its version
// and returns the new Version and UpdatedAt in p (CreatedAt and Confirmed
// too). A new e-mail address makes the profile pending until a link mailed
// there is used; going back to the confirmed address confirms it again.
func (s *Store) UpdateProfile(ctx context.Context, p *funding.Profile) error {
	now := utcMicro(s.now())
	q := *p
	data, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("store: update profile %s: %w", p.ID, err)
	}
	var version, created int64
	var confirmed, once bool
	err = s.db.QueryRowContext(ctx, `UPDATE profiles SET email_key = $2, version = version + 1, updated_at = $3, data = $4
		WHERE id = $1 RETURNING version, created_at, `+confirmedExpr+`, confirmed_email IS NOT NULL`,
		p.ID, emailKey(p.Email), micros(now), string(data)).Scan(&version, &created, &confirmed, &once)
	if err != nil {
		return fmt.Errorf("store: update profile %s: %w", p.ID, notFound(err))
	}
	p.Version, p.CreatedAt, p.UpdatedAt, p.Confirmed, p.EverConfirmed = version, fromMicros(created), now, confirmed, once
	return nil
}

// confirmedExpr is true when a profile row is confirmed for its address.
const confirmedExpr = `COALESCE(confirmed_email = email_key, FALSE)`

// profileConfirmedExpr is confirmedExpr for the profiles table under alias.
func profileConfirmedExpr(alias string) string {
	return `COALESCE(` + alias + `.confirmed_email = ` + alias + `.email_key, FALSE)`
}

// ConfirmProfile confirms a profile for its current address, as following
// an e-mailed link does (for tests and tools; the server confirms through
// UseLoginToken). Unknown id: ErrNotFound.
func (s *Store) ConfirmProfile(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE profiles SET confirmed_email = email_key WHERE id = $1`, id)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("store: confirm profile %s: %w", id, err)
	}
	return nil
}

// DeleteUnconfirmedProfiles deletes the profiles never confirmed that were
// created before cutoff, with their sessions and everything hanging on them,
// and returns how many went. Profiles pending after a change of address
// stay: they were confirmed once.
func (s *Store) DeleteUnconfirmedProfiles(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `DELETE FROM profiles WHERE confirmed_email IS NULL AND created_at < $1 RETURNING id`, micros(cutoff))
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE subject_kind = $1 AND subject_id = $2`, SubjectProfile, id); err != nil {
				return err
			}
		}
		n = int64(len(ids))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete unconfirmed profiles: %w", err)
	}
	return n, nil
}

// ProfilesByEmail returns the profiles of an address (compared
// case-insensitively): the confirmed ones first, then the pending ones,
// each oldest first. An address nobody registered gives none.
func (s *Store) ProfilesByEmail(ctx context.Context, email string) ([]funding.Profile, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+profileColumns+` FROM profiles WHERE email_key = $1
		ORDER BY CASE WHEN `+confirmedExpr+` THEN 0 ELSE 1 END, created_at, id`, emailKey(email))
	if err != nil {
		return nil, fmt.Errorf("store: profiles by email: %w", err)
	}
	return collectProfiles(rows, "profiles by email")
}

// DeleteProfile deletes a profile and everything that hangs on it: follows,
// dismissals, curations for it, login tokens, sessions, subscriptions and
// their digests.
func (s *Store) DeleteProfile(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE subject_kind = $1 AND subject_id = $2`, SubjectProfile, id); err != nil {
			return err
		}
		// The rest goes by ON DELETE CASCADE.
		res, err := tx.ExecContext(ctx, `DELETE FROM profiles WHERE id = $1`, id)
		return affectedOne(res, err)
	})
	if err != nil {
		return fmt.Errorf("store: delete profile %s: %w", id, err)
	}
	return nil
}

const profileColumns = `data, id, version, created_at, updated_at, ` + confirmedExpr + `, confirmed_email IS NOT NULL`

func scanProfile(sc interface{ Scan(...any) error }) (funding.Profile, error) {
	var (
		p                funding.Profile
		data             []byte
		id               string
		version          int64
		created, updated int64
		confirmed, once  bool
	)
	if err := sc.Scan(&data, &id, &version, &created, &updated, &confirmed, &once); err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("decode profile: %w", err)
	}
	p.ID, p.Version, p.CreatedAt, p.UpdatedAt, p.Confirmed, p.EverConfirmed = id, version, fromMicros(created), fromMicros(updated), confirmed, once
	return p, nil
}

// Profile returns the profile with that id, or ErrNotFound.
func (s *Store) Profile(ctx context.Context, id string) (*funding.Profile, error) {
	p, err := scanProfile(s.rdb.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM profiles WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("store: profile %s: %w", id, notFound(err))
	}
	return &p, nil
}

// ProfileByEmail returns the oldest profile with that e-mail address
// (compared case-insensitively), or ErrNotFound.
func (s *Store) ProfileByEmail(ctx context.Context, email string) (*funding.Profile, error) {
	p, err := scanProfile(s.rdb.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM profiles WHERE email_key = $1
		ORDER BY created_at, id LIMIT 1`, emailKey(email)))
	if err != nil {
		return nil, fmt.Errorf("store: profile by email: %w", notFound(err))
	}
	return &p, nil
}

// ProfileTokenHash returns the hash of the profile's API token, or ErrNotFound.
func (s *Store) ProfileTokenHash(ctx context.Context, id string) (string, error) {
	var h string
	if err := s.rdb.QueryRowContext(ctx, `SELECT token_hash FROM profiles WHERE id = $1`, id).Scan(&h); err != nil {
		return "", fmt.Errorf("store: profile token %s: %w", id, notFound(err))
	}
	return h, nil
}

// ProfileAuth returns a profile with the hash of its API token, in one
// query: what every authorized request needs.
// It is on the hot path of every API request, so its statement is prepared once.
func (s *Store) ProfileAuth(ctx context.Context, id string) (*funding.Profile, string, error) {
	stmt, err := s.prepared(ctx, `SELECT `+profileColumns+`, token_hash FROM profiles WHERE id = $1`)
	if err != nil {
		return nil, "", fmt.Errorf("store: profile %s: %w", id, err)
	}
	var hash string
	p, err := scanProfile(rowWith(stmt.QueryRowContext(ctx, id), &hash))
	if err != nil {
		return nil, "", fmt.Errorf("store: profile %s: %w", id, notFound(err))
	}
	return &p, hash, nil
}

// SetProfileToken replaces the hash of a profile's API token: the old token
// stops opening it at once. Unknown id: ErrNotFound.
func (s *Store) SetProfileToken(ctx context.Context, id, tokenHash string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE profiles SET token_hash = $1 WHERE id = $2`, tokenHash, id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("store: set profile token %s: %w", id, err)
	}
	return nil
}

// ProfileCalendarSecret returns what a profile's calendar address is
// derived from: the hash of its API token and its calendar key, so that a
// new token (SetProfileToken) or a new calendar key (SetProfileCalendarKey)
// revokes the old address. Unknown id: ErrNotFound.
func (s *Store) ProfileCalendarSecret(ctx context.Context, id string) (string, error) {
	var tokenHash, key string
	if err := s.rdb.QueryRowContext(ctx, `SELECT token_hash, calendar_key FROM profiles WHERE id = $1`, id).Scan(&tokenHash, &key); err != nil {
		return "", fmt.Errorf("store: profile calendar %s: %w", id, notFound(err))
	}
	return tokenHash + ":" + key, nil
}

// SetProfileCalendarKey replaces a profile's calendar key: its calendar
// address changes, the old one stops working. Unknown id: ErrNotFound.
func (s *Store) SetProfileCalendarKey(ctx context.Context, id, key string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE profiles SET calendar_key = $1 WHERE id = $2`, key, id)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("store: set profile calendar key %s: %w", id, err)
	}
	return nil
}

// ProfileVersion returns a profile's version and the hash of its API token,
// without decoding the profile: enough to authorize a request and find its
// cached answer. Prepared once, like ProfileAuth.
func (s *Store) ProfileVersion(ctx context.Context, id string) (version int64, tokenHash string, err error) {
	stmt, err := s.prepared(ctx, `SELECT version, token_hash FROM profiles WHERE id = $1`)
	if err != nil {
		return 0, "", fmt.Errorf("store: profile %s: %w", id, err)
	}
	if err := stmt.QueryRowContext(ctx, id).Scan(&version, &tokenHash); err != nil {
		return 0, "", fmt.Errorf("store: profile %s: %w", id, notFound(err))
	}
	return version, tokenHash, nil
}

// rowWith scans extra trailing columns into extra after the caller's own.
func rowWith(row *sql.Row, extra ...any) interface{ Scan(...any) error } {
	return scanFunc(func(dest ...any) error { return row.Scan(append(dest, extra...)...) })
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// Profiles returns every profile, oldest first.
func (s *Store) Profiles(ctx context.Context) ([]funding.Profile, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+profileColumns+` FROM profiles ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: profiles: %w", err)
	}
	return collectProfiles(rows, "profiles")
}

func collectProfiles(rows *sql.Rows, what string) ([]funding.Profile, error) {
	defer rows.Close()
	out := []funding.Profile{}
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
