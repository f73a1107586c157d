package store

import (
	"context"
	"fmt"
)

// Follow makes a profile follow a call. Following twice is no error; an
// unknown profile or call is ErrNotFound.
func (s *Store) Follow(ctx context.Context, profileID, callID string) error {
	if err := s.addMark(ctx, "follows", profileID, callID); err != nil {
		return fmt.Errorf("store: follow %s %s: %w", profileID, callID, err)
	}
	return nil
}

// Unfollow stops a profile following a call. Unfollowing a call that is
// not followed is no error.
func (s *Store) Unfollow(ctx context.Context, profileID, callID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM follows WHERE profile_id = $1 AND call_id = $2`, profileID, callID); err != nil {
		return fmt.Errorf("store: unfollow %s %s: %w", profileID, callID, err)
	}
	return nil
}

// Follows returns the ids of the calls a profile follows, oldest follow first.
func (s *Store) Follows(ctx context.Context, profileID string) ([]string, error) {
	ids, err := s.marks(ctx, `SELECT call_id FROM follows WHERE profile_id = $1 ORDER BY created_at, call_id`, profileID)
	if err != nil {
		return nil, fmt.Errorf("store: follows %s: %w", profileID, err)
	}
	return ids, nil
}

// Dismiss marks a call "not relevant" for a profile: it is hidden from that
// profile's matches. Dismissing twice is no error; an unknown profile or
// call is ErrNotFound. The profile's version moves: its matches changed.
func (s *Store) Dismiss(ctx context.Context, profileID, callID string) error {
	if err := s.addMark(ctx, "dismissals", profileID, callID); err != nil {
		return fmt.Errorf("store: dismiss %s %s: %w", profileID, callID, err)
	}
	return s.bumpProfileVersion(ctx, profileID)
}

// Undismiss shows a dismissed call to the profile again (its version moves).
func (s *Store) Undismiss(ctx context.Context, profileID, callID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM dismissals WHERE profile_id = $1 AND call_id = $2`, profileID, callID); err != nil {
		return fmt.Errorf("store: undismiss %s %s: %w", profileID, callID, err)
	}
	return s.bumpProfileVersion(ctx, profileID)
}

// bumpProfileVersion marks that a profile's matches changed without an
// edit, so caches keyed on its version recompute.
func (s *Store) bumpProfileVersion(ctx context.Context, profileID string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE profiles SET version = version + 1 WHERE id = $1`, profileID); err != nil {
		return fmt.Errorf("store: profile %s version: %w", profileID, err)
	}
	return nil
}

// Dismissed returns the ids of the calls a profile dismissed, oldest first.
func (s *Store) Dismissed(ctx context.Context, profileID string) ([]string, error) {
	ids, err := s.marks(ctx, `SELECT call_id FROM dismissals WHERE profile_id = $1 ORDER BY created_at, call_id`, profileID)
	if err != nil {
		return nil, fmt.Errorf("store: dismissed %s: %w", profileID, err)
	}
	return ids, nil
}

// addMark inserts (profileID, callID) into table (follows or dismissals).
func (s *Store) addMark(ctx context.Context, table, profileID, callID string) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO `+table+` (profile_id, call_id, created_at)
		SELECT p.id, c.id, CAST($3 AS BIGINT) FROM profiles p, calls c WHERE p.id = $1 AND c.id = $2
		ON CONFLICT (profile_id, call_id) DO NOTHING`, profileID, callID, micros(s.now()))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	// Nothing inserted: already there, or the profile or call is unknown.
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE profile_id = $1 AND call_id = $2`,
		profileID, callID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *Store) marks(ctx context.Context, query, profileID string) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, query, profileID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
