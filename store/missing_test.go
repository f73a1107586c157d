package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"callmatch/funding"
)

// missedCount reads a call's count of consecutive misses.
func missedCount(t *testing.T, s *Store, id string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRowContext(context.Background(), `SELECT missed_crawls FROM calls WHERE id = $1`, id).Scan(&n); err != nil {
		t.Fatalf("missed_crawls of %s: %v", id, err)
	}
	return n
}

func goneIDs(t *testing.T, s *Store) []string {
	t.Helper()
	calls, err := s.Calls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range calls {
		if c.GoneAt != nil {
			out = append(out, c.ID)
		}
	}
	return out
}

func TestMarkMissingTwiceInARow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		digital := []string{funding.PortalIDDigital}
		for _, id := range []string{"A", "B", "C", "D"} {
			mustSave(t, s, testCall(id, id), at(0))
		}
		h := testCall("H", "horizon")
		h.Programme, h.ProgrammeID = funding.ProgrammeHorizon, funding.PortalIDHorizon
		mustSave(t, s, h, at(0))
		g0 := mustGeneration(t, s)

		live, missing, err := s.MissingCalls(ctx, digital, []string{"A", "B"})
		if err != nil || live != 4 || missing != 2 {
			t.Fatalf("MissingCalls = %d, %d, %v, want 4 live, 2 missing", live, missing, err)
		}

		// First complete crawl without C and D: missed once, nothing gone,
		// no published change.
		missed, gone, err := s.MarkMissing(ctx, digital, []string{"A", "B"}, at(time.Hour), 2)
		if err != nil || missed != 2 || gone != 0 {
			t.Fatalf("first MarkMissing = %d missed, %d gone, %v; want 2, 0", missed, gone, err)
		}
		if g := mustGeneration(t, s); g != g0 {
			t.Errorf("Generation after misses only = %d, want %d (unchanged)", g, g0)
		}
		if got := goneIDs(t, s); len(got) != 0 {
			t.Errorf("gone after one miss = %v, want none", got)
		}
		if n := missedCount(t, s, "C"); n != 1 {
			t.Errorf("C missed %d times, want 1", n)
		}

		// D comes back in the next listing; C is missed again: C goes.
		missed, gone, err = s.MarkMissing(ctx, digital, []string{"A", "B", "D"}, at(2*time.Hour), 2)
		if err != nil || missed != 0 || gone != 1 {
			t.Fatalf("second MarkMissing = %d missed, %d gone, %v; want 0, 1", missed, gone, err)
		}
		if got := goneIDs(t, s); !slices.Equal(got, []string{"C"}) {
			t.Errorf("gone = %v, want [C]", got)
		}
		if n := missedCount(t, s, "D"); n != 0 {
			t.Errorf("D listed again has %d misses, want 0", n)
		}
		if g := mustGeneration(t, s); g != g0+1 {
			t.Errorf("Generation after C gone = %d, want %d", g, g0+1)
		}
		changes, err := s.CallChanges(ctx, "C", time.Time{})
		if err != nil || len(changes) != 1 || !slices.Equal(changes[0].Fields, []string{FieldGone}) {
			t.Errorf("C changes = %+v, %v, want one gone_at change", changes, err)
		}
		if c, _ := s.Call(ctx, "H"); c.GoneAt != nil || missedCount(t, s, "H") != 0 {
			t.Errorf("a Digital crawl touched the Horizon call")
		}

		// D missed once, then C and D saved again (back): counts start over.
		if _, _, err := s.MarkMissing(ctx, digital, []string{"A", "B"}, at(3*time.Hour), 2); err != nil {
			t.Fatal(err)
		}
		mustSave(t, s, testCall("C", "C"), at(4*time.Hour))
		if n := missedCount(t, s, "C"); n != 0 {
			t.Errorf("C back has %d misses, want 0", n)
		}

		// A listing not trusted to say what is missing still clears the
		// counts of what it listed.
		if n := missedCount(t, s, "D"); n != 1 {
			t.Fatalf("D missed %d times, want 1", n)
		}
		if err := s.ClearMissed(ctx, []string{"D", "X"}); err != nil {
			t.Fatal(err)
		}
		if n := missedCount(t, s, "D"); n != 0 {
			t.Errorf("D after ClearMissed has %d misses, want 0", n)
		}
		missed, gone, err = s.MarkMissing(ctx, digital, []string{"A", "B", "C"}, at(5*time.Hour), 2)
		if err != nil || missed != 1 || gone != 0 {
			t.Errorf("MarkMissing after ClearMissed = %d missed, %d gone, %v; want D missed once, none gone", missed, gone, err)
		}

		// Nothing to change: nothing written.
		g1 := mustGeneration(t, s)
		if err := s.ClearMissed(ctx, []string{"A"}); err != nil {
			t.Fatal(err)
		}
		if missed, gone, err := s.MarkMissing(ctx, digital, []string{"A", "B", "C", "D"}, at(6*time.Hour), 2); err != nil || missed != 0 || gone != 0 {
			t.Errorf("MarkMissing of a full listing = %d, %d, %v", missed, gone, err)
		}
		if g := mustGeneration(t, s); g != g1 {
			t.Errorf("Generation = %d, want %d", g, g1)
		}
	})
}

func TestCrawlRunHeld(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.LastFinishedCrawlRun(ctx); !errors.Is(err, ErrNotFound) {
			t.Errorf("LastFinishedCrawlRun of none = %v, want ErrNotFound", err)
		}
		id1, _ := s.StartCrawlRun(ctx, at(0))
		held := &funding.GoneHold{Reason: funding.HoldRepeated, Announced: 477, Listed: 100, Page: 2}
		if err := s.FinishCrawlRun(ctx, funding.CrawlRun{ID: id1, FinishedAt: at(time.Minute), Seen: 100, Held: held}); err != nil {
			t.Fatal(err)
		}
		id2, _ := s.StartCrawlRun(ctx, at(time.Hour)) // still running
		last, err := s.LastFinishedCrawlRun(ctx)
		if err != nil || last.ID != id1 || last.Held == nil || *last.Held != *held {
			t.Fatalf("LastFinishedCrawlRun = %+v, %v, want run %d held %+v", last, err, id1, held)
		}
		if err := s.FinishCrawlRun(ctx, funding.CrawlRun{ID: id2, FinishedAt: at(2 * time.Hour), Missed: 3}); err != nil {
			t.Fatal(err)
		}
		last, err = s.LastFinishedCrawlRun(ctx)
		if err != nil || last.ID != id2 || last.Held != nil || last.Missed != 3 {
			t.Errorf("LastFinishedCrawlRun = %+v, %v, want run %d, not held, 3 missed", last, err, id2)
		}
	})
}
