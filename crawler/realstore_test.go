package crawler_test

import (
	"context"
	"log/slog"
	"testing"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
	"callmatch/store"
	"callmatch/store/storetest"
)

// TestCrawlGlitchesOnRealStores runs the portal's glitches and a real
// shrink through the crawler into SQLite and PostgreSQL: the glitches mark
// nothing gone or missed, the call that really vanished goes after two
// complete crawls, and every run is recorded with its reason.
func TestCrawlGlitchesOnRealStores(t *testing.T) {
	engines := []struct {
		name string
		open func(t *testing.T) (databaseURL, dir string)
	}{
		{"sqlite", func(t *testing.T) (string, string) { return "", t.TempDir() }},
		{"postgres", func(t *testing.T) (string, string) { return storetest.NewPostgresSchema(t), "" }},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			u, dir := eng.open(t)
			st, err := store.Open(ctx, u, dir, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			e := newEnv(t, recorded.Options{})
			e.cfg.PageSize = 4
			ids := e.handler.Identifiers(funding.PortalIDDigital)
			closing := ids[7]
			run := func(opts recorded.Options) crawler.Summary {
				t.Helper()
				e.switchTo(t, opts)
				sum, err := crawler.New(e.cfg, st, nil).Run(ctx, nil)
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return sum
			}
			goneCount := func() int {
				t.Helper()
				calls, err := st.Calls(ctx)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, c := range calls {
					if c.GoneAt != nil {
						n++
					}
				}
				return n
			}

			if sum := run(recorded.Options{}); sum.New != len(ids) {
				t.Fatalf("first crawl: %d new, want %d", sum.New, len(ids))
			}
			g0, err := st.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				name             string
				opts             recorded.Options
				held             string
				missed, gone     int
				goneTotal        int
				generationBumped bool
			}{
				{"empty answer", recorded.Options{Empty: true}, funding.HoldEmpty, 0, 0, 0, false},
				{"repeated pages", recorded.Options{RepeatPages: true}, funding.HoldRepeated, 0, 0, 0, false},
				{"a third dropped", recorded.Options{Drop: everyThird(ids)}, funding.HoldShare, 0, 0, 0, false},
				{"one call closes", recorded.Options{Drop: []string{closing}}, "", 1, 0, 0, false},
				{"total moves, call still missing", recorded.Options{Drop: []string{closing}, TotalPerPage: 2}, funding.HoldTotalChanged, 0, 0, 0, false},
				{"still closed", recorded.Options{Drop: []string{closing}}, "", 0, 1, 1, true},
			}
			for _, s := range steps {
				sum := run(s.opts)
				held := ""
				if sum.Held != nil {
					held = sum.Held.Reason
				}
				if held != s.held || sum.Missed != s.missed || sum.Gone != s.gone {
					t.Errorf("%s: held %q missed %d gone %d, want %q %d %d", s.name, held, sum.Missed, sum.Gone, s.held, s.missed, s.gone)
				}
				if n := goneCount(); n != s.goneTotal {
					t.Errorf("%s: %d calls gone in the store, want %d", s.name, n, s.goneTotal)
				}
				last, err := st.LastFinishedCrawlRun(ctx)
				if err != nil || last.ID != sum.ID || (last.Held == nil) != (s.held == "") || last.Missed != s.missed {
					t.Errorf("%s: recorded run %+v, %v; want run %d held %q missed %d", s.name, last, err, sum.ID, s.held, s.missed)
				}
				g, _ := st.Generation(ctx)
				if bumped := g != g0; bumped != s.generationBumped {
					t.Errorf("%s: generation %d -> %d, want bumped %v (only a call gone is a published change)", s.name, g0, g, s.generationBumped)
				}
				g0 = g
			}
			if c, err := st.Call(ctx, closing); err != nil || c.GoneAt == nil {
				t.Errorf("%s = %+v, %v; want gone", closing, c, err)
			}
		})
	}
}
