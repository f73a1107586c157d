package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"callmatch/funding"
)

// AddCuration appends a curation: who said what about which call, and when.
// Curations are never changed or deleted (except with the profile they
// target). The store sets c.ID when empty and c.CreatedAt when zero. An
// unknown call or profile is ErrNotFound.
func (s *Store) AddCuration(ctx context.Context, c *funding.Curation) error {
	q := *c
	if q.ID == "" {
		q.ID = rand.Text()
	}
	if q.CreatedAt.IsZero() {
		q.CreatedAt = s.now()
	}
	q.CreatedAt = utcMicro(q.CreatedAt)
	var segment any
	if q.Segment != nil {
		b, err := json.Marshal(q.Segment)
		if err != nil {
			return fmt.Errorf("store: add curation: %w", err)
		}
		segment = string(b)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM calls WHERE id = $1`, q.CallID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("call %s: %w", q.CallID, ErrNotFound)
		}
		if q.ProfileID != "" {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM profiles WHERE id = $1`, q.ProfileID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("profile %s: %w", q.ProfileID, ErrNotFound)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO curations (id, call_id, profile_id, segment, action, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			q.ID, q.CallID, nullString(q.ProfileID), segment, q.Action, q.Note, q.By, micros(q.CreatedAt))
		if err := affectedOne(res, err); err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("curation id %s: %w", q.ID, ErrConflict)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add curation: %w", err)
	}
	*c = q
	return nil
}

// Curations returns every curation, oldest first.
func (s *Store) Curations(ctx context.Context) ([]funding.Curation, error) {
	cs, err := s.queryCurations(ctx, ``)
	if err != nil {
		return nil, fmt.Errorf("store: curations: %w", err)
	}
	return cs, nil
}

// CurationsForCall returns the curations of one call, oldest first.
func (s *Store) CurationsForCall(ctx context.Context, callID string) ([]funding.Curation, error) {
	cs, err := s.queryCurations(ctx, `WHERE call_id = $1`, callID)
	if err != nil {
		return nil, fmt.Errorf("store: curations for call %s: %w", callID, err)
	}
	return cs, nil
}

func (s *Store) queryCurations(ctx context.Context, where string, args ...any) ([]funding.Curation, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, call_id, profile_id, segment, action, note, created_by, created_at
		FROM curations `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []funding.Curation{}
	for rows.Next() {
		var (
			c         funding.Curation
			profileID sql.NullString
			segment   sql.NullString
			created   int64
		)
		if err := rows.Scan(&c.ID, &c.CallID, &profileID, &segment, &c.Action, &c.Note, &c.By, &created); err != nil {
			return nil, err
		}
		c.ProfileID = profileID.String
		c.CreatedAt = fromMicros(created)
		if segment.Valid {
			c.Segment = new(funding.Segment)
			if err := json.Unmarshal([]byte(segment.String), c.Segment); err != nil {
				return nil, fmt.Errorf("decode curation %s: %w", c.ID, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CurationsStamp names the current set of curations: it changes whenever
// one is added (the table is append-only), so caches of curated lists can
// key on it.
func (s *Store) CurationsStamp(ctx context.Context) (string, error) {
	var n, last int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(created_at), 0) FROM curations`).Scan(&n, &last); err != nil {
		return "", fmt.Errorf("store: curations stamp: %w", err)
	}
	return fmt.Sprintf("%d.%d", n, last), nil
}
