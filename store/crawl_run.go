package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"callmatch/funding"
)

// StartCrawlRun records the start of a crawl and returns its id.
func (s *Store) StartCrawlRun(ctx context.Context, startedAt time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO crawl_runs (started_at) VALUES ($1) RETURNING id`, micros(startedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: start crawl run: %w", err)
	}
	return id, nil
}

// FinishCrawlRun stores the outcome of the crawl run with id run.ID.
func (s *Store) FinishCrawlRun(ctx context.Context, run funding.CrawlRun) error {
	errs, err := json.Marshal(nonNil(run.Errors))
	if err != nil {
		return fmt.Errorf("store: finish crawl run %d: %w", run.ID, err)
	}
	ids, err := json.Marshal(nonNil(run.ChangedIDs))
	if err != nil {
		return fmt.Errorf("store: finish crawl run %d: %w", run.ID, err)
	}
	warns, err := json.Marshal(nonNil(run.Warnings))
	if err != nil {
		return fmt.Errorf("store: finish crawl run %d: %w", run.ID, err)
	}
	var held sql.NullString
	if run.Held != nil {
		b, err := json.Marshal(run.Held)
		if err != nil {
			return fmt.Errorf("store: finish crawl run %d: %w", run.ID, err)
		}
		held = sql.NullString{String: string(b), Valid: true}
	}
	finished := run.FinishedAt
	if finished.IsZero() {
		finished = s.now()
	}
	res, err := s.db.ExecContext(ctx, `UPDATE crawl_runs SET finished_at = $2, pages = $3, seen = $4,
		new_calls = $5, changed_calls = $6, unchanged_calls = $7, gone_calls = $8,
		errors = $9, failed = $10, changed_ids = $11, warnings = $12, missed_calls = $13, gone_held = $14
		WHERE id = $1`,
		run.ID, micros(finished), run.Pages, run.Seen, run.New, run.Changed, run.Unchanged, run.Gone,
		string(errs), run.Failed, string(ids), string(warns), run.Missed, held)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("store: finish crawl run %d: %w", run.ID, err)
	}
	return nil
}

// CrawlRuns returns the latest crawl runs, newest first; limit <= 0 means all.
// A run still going has a zero FinishedAt.
func (s *Store) CrawlRuns(ctx context.Context, limit int) ([]funding.CrawlRun, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	runs, err := s.queryRuns(ctx, ``, limit)
	if err != nil {
		return nil, fmt.Errorf("store: crawl runs: %w", err)
	}
	return runs, nil
}

// LastFinishedCrawlRun returns the latest crawl run that finished, or
// ErrNotFound when none has.
func (s *Store) LastFinishedCrawlRun(ctx context.Context) (funding.CrawlRun, error) {
	runs, err := s.queryRuns(ctx, `WHERE finished_at IS NOT NULL`, 1)
	if err != nil {
		return funding.CrawlRun{}, fmt.Errorf("store: last crawl run: %w", err)
	}
	if len(runs) == 0 {
		return funding.CrawlRun{}, fmt.Errorf("store: last crawl run: %w", ErrNotFound)
	}
	return runs[0], nil
}

func (s *Store) queryRuns(ctx context.Context, where string, limit int) ([]funding.CrawlRun, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, started_at, finished_at, pages, seen, new_calls, changed_calls,
		unchanged_calls, gone_calls, errors, failed, changed_ids, warnings, missed_calls, gone_held
		FROM crawl_runs `+where+` ORDER BY started_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	runs := []funding.CrawlRun{}
	for rows.Next() {
		var (
			r             funding.CrawlRun
			started       int64
			finished      sql.NullInt64
			errs, changed []byte
			warns         []byte
			held          sql.NullString
		)
		if err := rows.Scan(&r.ID, &started, &finished, &r.Pages, &r.Seen, &r.New, &r.Changed,
			&r.Unchanged, &r.Gone, &errs, &r.Failed, &changed, &warns, &r.Missed, &held); err != nil {
			return nil, err
		}
		r.StartedAt = fromMicros(started)
		if finished.Valid {
			r.FinishedAt = fromMicros(finished.Int64)
		}
		if err := json.Unmarshal(errs, &r.Errors); err != nil {
			return nil, fmt.Errorf("crawl run %d: decode errors: %w", r.ID, err)
		}
		if err := json.Unmarshal(changed, &r.ChangedIDs); err != nil {
			return nil, fmt.Errorf("crawl run %d: decode changed ids: %w", r.ID, err)
		}
		if err := json.Unmarshal(warns, &r.Warnings); err != nil {
			return nil, fmt.Errorf("crawl run %d: decode warnings: %w", r.ID, err)
		}
		if held.Valid {
			r.Held = &funding.GoneHold{}
			if err := json.Unmarshal([]byte(held.String), r.Held); err != nil {
				return nil, fmt.Errorf("crawl run %d: decode gone hold: %w", r.ID, err)
			}
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// affectedOne returns ErrNotFound when an exec touched no row.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
