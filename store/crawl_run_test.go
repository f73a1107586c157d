package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"callmatch/funding"
)

func TestCrawlRuns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		id1, err := s.StartCrawlRun(ctx, at(0))
		if err != nil {
			t.Fatal(err)
		}
		run := funding.CrawlRun{ID: id1, StartedAt: at(0), FinishedAt: at(time.Minute), Pages: 3, Seen: 120, New: 2,
			Changed: 1, Unchanged: 117, Gone: 4, Errors: []string{"page 2: timeout"}, ChangedIDs: []string{"A", "B", "C"},
			Warnings: []string{"A: actions: malformed JSON"}}
		if err := s.FinishCrawlRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		id2, err := s.StartCrawlRun(ctx, at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}

		runs, err := s.CrawlRuns(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].ID != id2 || runs[1].ID != id1 {
			t.Fatalf("CrawlRuns = %+v, want [%d %d]", runs, id2, id1)
		}
		if !runs[0].FinishedAt.IsZero() || runs[0].Errors == nil || len(runs[0].Errors) != 0 {
			t.Errorf("running run = %+v, want zero FinishedAt and empty errors", runs[0])
		}
		got := runs[1]
		if !got.StartedAt.Equal(at(0)) || !got.FinishedAt.Equal(at(time.Minute)) || got.Pages != 3 || got.Seen != 120 ||
			got.New != 2 || got.Changed != 1 || got.Unchanged != 117 || got.Gone != 4 || got.Failed ||
			!slices.Equal(got.Errors, run.Errors) || !slices.Equal(got.ChangedIDs, run.ChangedIDs) || !slices.Equal(got.Warnings, run.Warnings) {
			t.Errorf("finished run = %+v, want %+v", got, run)
		}

		if err := s.FinishCrawlRun(ctx, funding.CrawlRun{ID: id2, FinishedAt: at(2 * time.Hour), Failed: true}); err != nil {
			t.Fatal(err)
		}
		runs, _ = s.CrawlRuns(ctx, 1)
		if len(runs) != 1 || !runs[0].Failed {
			t.Errorf("CrawlRuns(1) = %+v, want the failed run", runs)
		}
		if err := s.FinishCrawlRun(ctx, funding.CrawlRun{ID: 999}); !errors.Is(err, ErrNotFound) {
			t.Errorf("FinishCrawlRun(999) = %v, want ErrNotFound", err)
		}
	})
}
