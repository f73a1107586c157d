package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// ErrStaleFence means a newer holder of a cluster lock has written: the
// caller's lease expired and it must stop.
var ErrStaleFence = errors.New("store: a newer lock holder has taken over")

// CheckFence records that the holder of lock name, with fencing token
// token, is writing. It fails with ErrStaleFence when a newer token was
// recorded, so a holder that was paused past its lease cannot overwrite
// the work of the next one. One statement: atomic on both engines.
func (s *Store) CheckFence(ctx context.Context, name string, token int64) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
		WHERE CAST(meta.value AS BIGINT) <= CAST(excluded.value AS BIGINT)`,
		"fence:"+name, strconv.FormatInt(token, 10), micros(s.now()))
	if err != nil {
		return fmt.Errorf("store: check fence %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: check fence %q: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("%w (lock %s, token %d)", ErrStaleFence, name, token)
	}
	return nil
}
