package store

import (
	"context"
	"fmt"
)

// Meta returns the value stored under key, or ErrNotFound.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	if err := s.rdb.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v); err != nil {
		return "", fmt.Errorf("store: meta %q: %w", key, notFound(err))
	}
	return v, nil
}

// SetMeta stores value under key, replacing any previous value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, micros(s.now()))
	if err != nil {
		return fmt.Errorf("store: set meta %q: %w", key, err)
	}
	return nil
}

// InitMeta stores value under key unless the key already holds one, and
// returns the value the key holds: the first writer's, for every writer.
// Instances starting together agree on one value this way.
func (s *Store) InitMeta(ctx context.Context, key, value string) (string, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO NOTHING`, key, value, micros(s.now()))
	if err != nil {
		return "", fmt.Errorf("store: init meta %q: %w", key, err)
	}
	var v string
	// Read on the writer: it has the row for sure.
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v); err != nil {
		return "", fmt.Errorf("store: meta %q: %w", key, notFound(err))
	}
	return v, nil
}
