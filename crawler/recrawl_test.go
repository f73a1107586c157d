package crawler_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
	"callmatch/store"
)

// asBefore is a call as the crawler stored it before it read deadline
// hours, destination texts, links, portal dates and proposal numbers.
func asBefore(c *funding.Call) {
	for i, d := range c.Deadlines {
		y, m, day := d.In(funding.Brussels).Date()
		c.Deadlines[i] = time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	}
	for i, u := range c.Updates { // zone-less lastChangeDate was read as UTC
		l := u.Date.In(funding.Brussels)
		c.Updates[i].Date = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
	}
	var secs []funding.Section
	for _, s := range c.Sections {
		if s.Title != crawler.DestinationSection {
			secs = append(secs, s)
		}
	}
	c.Sections = secs
	c.Links, c.SubmissionNote, c.PartnerSearch, c.Proposals = nil, "", nil, nil
	c.Mission, c.FocusAreas, c.ProgrammeDivisions, c.PortalChangedAt = nil, nil, nil, nil
	c.ContentHash = c.Hash()
}

// TestRecrawlAfterUpgrade: on a store filled by the previous crawler, the
// first crawl updates each call once (a new hash), the next writes nothing.
func TestRecrawlAfterUpgrade(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(recorded.NewHandler(recorded.Options{}))
	defer srv.Close()
	now := crawlNow
	cfg := crawler.Config{
		SearchURL:         srv.URL + "/search-api/prod/rest/search",
		Programmes:        recorded.ProgrammeIDs(),
		RequestsPerSecond: -1,
		Now:               func() time.Time { return now },
		SpoolDir:          t.TempDir(),
	}
	crawl := func() crawler.Summary {
		t.Helper()
		sum, err := crawler.New(cfg, st, nil).Run(ctx, nil)
		if err != nil {
			t.Fatalf("crawl: %v (%v)", err, sum.Errors)
		}
		return sum
	}
	first := crawl()
	if first.New < 600 {
		t.Fatalf("first crawl: %d new, want the recorded corpus", first.New)
	}

	// Put the calls back as the previous crawler wrote them.
	calls, err := st.Calls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old := 0
	for i := range calls {
		c := &calls[i]
		hash := c.ContentHash
		asBefore(c)
		if c.ContentHash == hash {
			continue
		}
		if _, _, err := st.SaveCall(ctx, c, now); err != nil {
			t.Fatal(err)
		}
		old++
	}
	if old < 600 {
		t.Fatalf("only %d calls differ from the previous crawler's", old)
	}

	now = now.Add(6 * time.Hour)
	upgrade := crawl()
	if upgrade.Changed != old || upgrade.New != 0 || upgrade.Gone != 0 {
		t.Errorf("crawl after the upgrade: %d changed, %d new, %d gone; want %d changed (each old call once)", upgrade.Changed, upgrade.New, upgrade.Gone, old)
	}

	// The same dates re-read in Brussels time alert no subscriber.
	changes, err := st.ChangesSince(ctx, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) < old {
		t.Errorf("%d changes recorded by the upgrade crawl, want %d", len(changes), old)
	}
	for _, ch := range changes {
		if slices.Contains(ch.Fields, "deadlines") || slices.Contains(ch.Fields, "updates") {
			t.Errorf("%s: upgrade recorded %q, want its dates as brussels_time", ch.CallID, ch.Fields)
		}
	}

	gen, err := st.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(6 * time.Hour)
	again := crawl()
	if again.Changed != 0 || again.New != 0 || again.Unchanged != first.New {
		t.Errorf("next crawl: %d changed, %d new, %d unchanged; want nothing written (%d unchanged)", again.Changed, again.New, again.Unchanged, first.New)
	}
	if gen2, _ := st.Generation(ctx); gen2 != gen {
		t.Errorf("store generation moved from %d to %d on a crawl that changed nothing", gen, gen2)
	}
}
