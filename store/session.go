package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Login tokens and sessions live in the store so that every instance
// behind a load balancer sees them. The store only ever sees hashes.

// CreateLoginToken stores a single-use login token for a profile (the
// "e-mail me a link" flow), bound to the profile's address of now: the
// address the link is mailed to. An unknown profile is ErrNotFound.
func (s *Store) CreateLoginToken(ctx context.Context, tokenHash, profileID string, expires time.Time) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO login_tokens (token_hash, profile_id, email_key, created_at, expires_at)
		SELECT CAST($1 AS TEXT), id, email_key, CAST($3 AS BIGINT), CAST($4 AS BIGINT) FROM profiles WHERE id = $2`,
		tokenHash, profileID, micros(s.now()), micros(expires))
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("store: create login token for %s: %w", profileID, err)
	}
	return nil
}

// LoginTokenProfile returns the profile id of a login token that is still
// usable at now, without using it. Unknown, expired or used: ErrNotFound.
func (s *Store) LoginTokenProfile(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	profileID, err := loginTokenUsable(ctx, s.db, tokenHash, now)
	if err != nil {
		return "", fmt.Errorf("store: login token: %w", err)
	}
	return profileID, nil
}

// UseLoginToken consumes a login token and returns its profile id. Using it
// proves the address it was mailed to: a profile that still has that
// address is confirmed for it. A token that is unknown, expired (expires <=
// now) or already used is ErrNotFound. Of two concurrent uses, one wins.
func (s *Store) UseLoginToken(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	var profileID string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var mailed string
		if err := tx.QueryRowContext(ctx, `UPDATE login_tokens SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING profile_id, email_key`,
			tokenHash, micros(now)).Scan(&profileID, &mailed); err != nil {
			return notFound(err)
		}
		if mailed == "" {
			return nil // a token made before tokens knew their address
		}
		_, err := tx.ExecContext(ctx, `UPDATE profiles SET confirmed_email = email_key
			WHERE id = $1 AND email_key = $2 AND (confirmed_email IS NULL OR confirmed_email <> email_key)`, profileID, mailed)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: use login token: %w", err)
	}
	return profileID, nil
}

// DiscardWithLoginToken is the other answer to a link mailed for a pending
// profile ("I did not register this"): it consumes the token and deletes its
// profile when the profile still has the address the link went to and is
// not confirmed for it. It returns the deleted profile's id; ErrNotFound
// when the token is not usable, ErrConflict when the profile is confirmed
// or moved to another address (the token is not used then).
func (s *Store) DiscardWithLoginToken(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	var profileID string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var mailed string
		var confirmed bool
		if err := tx.QueryRowContext(ctx, `SELECT t.profile_id, t.email_key, `+profileConfirmedExpr("p")+`
			FROM login_tokens t JOIN profiles p ON p.id = t.profile_id
			WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND p.email_key = t.email_key`,
			tokenHash, micros(now)).Scan(&profileID, &mailed, &confirmed); err != nil {
			if err = notFound(err); errors.Is(err, ErrNotFound) {
				if _, e := loginTokenUsable(ctx, tx, tokenHash, now); e == nil {
					return ErrConflict // usable, but for a profile that moved address
				}
			}
			return err
		}
		if confirmed {
			return ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE subject_kind = $1 AND subject_id = $2`, SubjectProfile, profileID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM profiles WHERE id = $1 AND email_key = $2 AND (confirmed_email IS NULL OR confirmed_email <> email_key)`, profileID, mailed)
		return affectedOne(res, err) // its login tokens go by ON DELETE CASCADE
	})
	if err != nil {
		return "", fmt.Errorf("store: discard with login token: %w", err)
	}
	return profileID, nil
}

func loginTokenUsable(ctx context.Context, q queryer, tokenHash string, now time.Time) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT profile_id FROM login_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
		tokenHash, micros(now)).Scan(&id)
	return id, notFound(err)
}

// Session is a signed-in browser: a profile (SubjectProfile) or a staff
// member (SubjectStaff, SubjectID the decimal staff id).
type Session struct {
	IDHash      string    `json:"-"`
	SubjectKind string    `json:"subject_kind"`
	SubjectID   string    `json:"subject_id"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// CreateSession stores a session under the hash of its id.
func (s *Store) CreateSession(ctx context.Context, idHash, subjectKind, subjectID string, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, subject_kind, subject_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, idHash, subjectKind, subjectID, micros(s.now()), micros(expires))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// Session returns the session with that id hash, or ErrNotFound when it is
// unknown or expired at now.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (Session, error) {
	var (
		se               Session
		created, expires int64
	)
	err := s.rdb.QueryRowContext(ctx, `SELECT id_hash, subject_kind, subject_id, created_at, expires_at
		FROM sessions WHERE id_hash = $1 AND expires_at > $2`, idHash, micros(now)).
		Scan(&se.IDHash, &se.SubjectKind, &se.SubjectID, &created, &expires)
	if err != nil {
		return Session{}, fmt.Errorf("store: session: %w", notFound(err))
	}
	se.CreatedAt, se.ExpiresAt = fromMicros(created), fromMicros(expires)
	return se, nil
}

// DeleteSession deletes a session (sign out). Deleting an unknown session is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PurgeExpired deletes sessions and login tokens that expired before now,
// and returns how many rows went. Run it now and then.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		total = 0
		for _, q := range []string{
			`DELETE FROM sessions WHERE expires_at <= $1`,
			`DELETE FROM login_tokens WHERE expires_at <= $1`,
		} {
			res, err := tx.ExecContext(ctx, q, micros(now))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge expired: %w", err)
	}
	return total, nil
}
