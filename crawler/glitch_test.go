package crawler_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"callmatch/crawler/recorded"
	"callmatch/funding"
)

// everyThird lists every third identifier the portal serves.
func everyThird(ids []string) []string {
	var out []string
	for i, id := range ids {
		if i%3 == 0 {
			out = append(out, id)
		}
	}
	return out
}

// TestCrawlGlitchMarksNothingGone crawls a good portal, then the same
// portal answering 200 with valid but wrong listings: no call is marked
// gone or even missed, the run says why, and the next good crawl finds
// everything as it was.
func TestCrawlGlitchMarksNothingGone(t *testing.T) {
	ids := recorded.NewHandler(recorded.Options{}).Identifiers(funding.PortalIDDigital)
	if len(ids) != 15 {
		t.Fatalf("recorded portal serves %d Digital Europe topics, want 15", len(ids))
	}
	tests := []struct {
		name string
		opts recorded.Options
		want funding.GoneHold
	}{
		{"empty answer", recorded.Options{Empty: true},
			funding.GoneHold{Reason: funding.HoldEmpty, Live: 15}},
		{"every page is page 1", recorded.Options{RepeatPages: true},
			funding.GoneHold{Reason: funding.HoldRepeated, Page: 2, Listed: 4, Announced: 15}},
		{"a third of the topics dropped", recorded.Options{Drop: everyThird(ids)},
			funding.GoneHold{Reason: funding.HoldShare, Missing: 5, Live: 15, Allowed: 1}},
		{"a third dropped, the total still says all", recorded.Options{Drop: everyThird(ids), TotalSkew: 5},
			funding.GoneHold{Reason: funding.HoldShort, Announced: 15, Listed: 10}},
		{"total lies low", recorded.Options{TotalSkew: -7},
			funding.GoneHold{Reason: funding.HoldOverTotal, Announced: 8, Listed: 12}},
		{"total moves between pages", recorded.Options{TotalPerPage: 1},
			funding.GoneHold{Reason: funding.HoldTotalChanged, Announced: 15, Later: 16}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, recorded.Options{})
			e.cfg.PageSize = 4
			if sum, err := e.crawl(t); err != nil || sum.New != 15 || sum.Held != nil {
				t.Fatalf("good Run = new %d held %v, %v", sum.New, sum.Held, err)
			}
			before := e.store.snapshot()

			e.switchTo(t, tc.opts)
			sum, err := e.crawl(t)
			if err != nil || sum.Failed {
				t.Fatalf("glitch Run = %v, failed %v; want a finished run", err, sum.Failed)
			}
			if sum.Gone != 0 || sum.Missed != 0 {
				t.Errorf("glitch run: gone %d missed %d, want 0 0", sum.Gone, sum.Missed)
			}
			if diff := cmp.Diff(&tc.want, sum.Held); diff != "" {
				t.Errorf("Held (-want +got):\n%s", diff)
			}
			if r := e.store.runs[len(e.store.runs)-1]; r.Held == nil || r.Held.Reason != tc.want.Reason {
				t.Errorf("recorded run held %v, want %s", r.Held, tc.want.Reason)
			}
			for _, id := range ids {
				if c := e.store.get(id); c.GoneAt != nil || e.store.missed[id] != 0 {
					t.Errorf("%s: gone %v, missed %d after a glitch", id, c.GoneAt, e.store.missed[id])
				}
			}
			if diff := cmp.Diff(before, e.store.snapshot()); diff != "" {
				t.Errorf("the glitch changed stored calls (-before +after):\n%s", diff)
			}

			// The portal is back: the next crawl decides, and finds nothing gone.
			e.switchTo(t, recorded.Options{})
			sum, err = e.crawl(t)
			if err != nil || sum.Held != nil || sum.Gone != 0 || sum.Missed != 0 || sum.New+sum.Changed != 0 {
				t.Errorf("good Run after = held %v gone %d missed %d new %d changed %d, %v; want nothing to do",
					sum.Held, sum.Gone, sum.Missed, sum.New, sum.Changed, err)
			}
		})
	}
}

// TestCrawlShrinkingPortal: calls that really vanish go, two complete
// crawls after they left; a glitch in between neither counts nor resets
// a miss of a call it did not list, and a call listed again starts over.
func TestCrawlShrinkingPortal(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	e.cfg.PageSize = 4
	if _, err := e.crawl(t); err != nil {
		t.Fatal(err)
	}
	ids := e.handler.Identifiers(funding.PortalIDDigital)
	closing, flaky := ids[5], ids[9]

	step := func(name string, opts recorded.Options, wantGone, wantMissed int, wantHeld string) {
		t.Helper()
		e.switchTo(t, opts)
		sum, err := e.crawl(t)
		if err != nil {
			t.Fatalf("%s: Run: %v", name, err)
		}
		held := ""
		if sum.Held != nil {
			held = sum.Held.Reason
		}
		if sum.Gone != wantGone || sum.Missed != wantMissed || held != wantHeld {
			t.Errorf("%s: gone %d missed %d held %q, want %d %d %q", name, sum.Gone, sum.Missed, held, wantGone, wantMissed, wantHeld)
		}
	}
	// 1 of 15 missing (under 10%): missed once, not gone.
	step("one call closes", recorded.Options{Drop: []string{closing}}, 0, 1, "")
	// A glitch: it counts nothing.
	step("paging breaks", recorded.Options{Drop: []string{closing}, RepeatPages: true}, 0, 0, funding.HoldRepeated)
	if c := e.store.get(closing); c.GoneAt != nil {
		t.Fatalf("%s gone after one complete crawl", closing)
	}
	// Missing from the second complete crawl in a row: gone.
	step("still closed", recorded.Options{Drop: []string{closing}}, 1, 0, "")
	if c := e.store.get(closing); c.GoneAt == nil || !c.GoneAt.Equal(crawlNow) {
		t.Errorf("%s gone at %v, want %v", closing, c.GoneAt, crawlNow)
	}
	step("flaky missing", recorded.Options{Drop: []string{closing, flaky}}, 0, 1, "")
	// flaky is back: its miss is forgotten, so one later miss does not make it go.
	step("flaky back", recorded.Options{Drop: []string{closing}}, 0, 0, "")
	step("flaky missing once more", recorded.Options{Drop: []string{closing, flaky}}, 0, 1, "")
	if c := e.store.get(flaky); c.GoneAt != nil {
		t.Errorf("%s gone, want a single miss after it came back", flaky)
	}
	// Two more calls vanish with it (3 of 14 live: over 10%): held.
	step("three missing", recorded.Options{Drop: []string{closing, flaky, ids[0], ids[1]}}, 0, 0, funding.HoldShare)
}

// TestCrawlMissingShare: the share a crawl may find missing at once is a
// setting; a 5% drop of a large corpus goes through.
func TestCrawlMissingShare(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	e.cfg.PageSize = 4
	e.cfg.MaxMissingShare = 0.2 // 3 of 15
	if _, err := e.crawl(t); err != nil {
		t.Fatal(err)
	}
	ids := e.handler.Identifiers(funding.PortalIDDigital)
	e.switchTo(t, recorded.Options{Drop: ids[:3]})
	for i, wantGone := range []int{0, 3} {
		sum, err := e.crawl(t)
		if err != nil || sum.Held != nil || sum.Gone != wantGone {
			t.Errorf("crawl %d: gone %d held %v, %v; want %d", i+1, sum.Gone, sum.Held, err, wantGone)
		}
	}
	e.switchTo(t, recorded.Options{Drop: ids[:7]}) // 4 more of 12: over 20%
	if sum, _ := e.crawl(t); sum.Held == nil || sum.Held.Reason != funding.HoldShare || sum.Held.Allowed != 2 {
		t.Errorf("4 of 12 missing = held %+v, want share, 2 allowed", sum.Held)
	}
}
