package crawler_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
)

var crawlNow = time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)

// sleeps records the waits the crawler asks for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

type env struct {
	srv     *httptest.Server
	handler *recorded.Handler
	store   *memStore
	sleeps  *sleeps
	cfg     crawler.Config
}

// newEnv serves a recorded portal and configures a fast crawler for it.
func newEnv(t *testing.T, opts recorded.Options, programmes ...string) *env {
	t.Helper()
	h := recorded.NewHandler(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if len(programmes) == 0 {
		programmes = []string{funding.PortalIDDigital}
	}
	e := &env{srv: srv, handler: h, store: newMemStore(), sleeps: &sleeps{}}
	e.cfg = crawler.Config{
		SearchURL:         srv.URL + "/search-api/prod/rest/search",
		Programmes:        programmes,
		PageSize:          10,
		RequestsPerSecond: -1,
		Retries:           3,
		BackoffBase:       time.Millisecond,
		BackoffMax:        5 * time.Millisecond,
		Timeout:           5 * time.Second,
		Sleep:             e.sleeps.sleep,
		Now:               func() time.Time { return crawlNow },
		SpoolDir:          t.TempDir(),
	}
	return e
}

func (e *env) crawl(t *testing.T) (crawler.Summary, error) {
	t.Helper()
	c := crawler.New(e.cfg, e.store, slog.New(slog.DiscardHandler))
	return c.Run(context.Background(), nil)
}

// switchTo points the env's crawler at a new recorded portal (same store).
func (e *env) switchTo(t *testing.T, opts recorded.Options) {
	t.Helper()
	e.handler = recorded.NewHandler(opts)
	srv := httptest.NewServer(e.handler)
	t.Cleanup(srv.Close)
	e.srv = srv
	e.cfg.SearchURL = srv.URL + "/search-api/prod/rest/search"
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestCrawlPagesEveryTopic(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	e.cfg.PageSize = 4
	var progress [][2]int
	c := crawler.New(e.cfg, e.store, slog.New(slog.DiscardHandler))
	sum, err := c.Run(context.Background(), func(done, total int) { progress = append(progress, [2]int{done, total}) })
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := e.handler.Identifiers(funding.PortalIDDigital)
	if len(want) != 15 {
		t.Fatalf("recorded portal serves %d Digital Europe topics, want 15", len(want))
	}
	wantPages := (len(want) + e.cfg.PageSize - 1) / e.cfg.PageSize
	if sum.Pages != wantPages || sum.Seen != len(want) || sum.New != len(want) || sum.Failed || len(sum.Errors) != 0 {
		t.Errorf("summary = pages %d seen %d new %d failed %v errors %q, want pages %d seen/new %d",
			sum.Pages, sum.Seen, sum.New, sum.Failed, sum.Errors, wantPages, len(want))
	}
	if diff := cmp.Diff(sortedIDs(want), sortedIDs(sum.ChangedIDs)); diff != "" {
		t.Errorf("ChangedIDs (-want +got):\n%s", diff)
	}
	if got := e.handler.Requests(); got != wantPages {
		t.Errorf("requests = %d, want one per page (%d)", got, wantPages)
	}
	for _, id := range want {
		c := e.store.get(id)
		if c == nil {
			t.Errorf("%s not stored", id)
			continue
		}
		if c.ContentHash == "" || c.ContentHash != c.Hash() || c.CrawledAt != crawlNow || !strings.Contains(c.SourceURL, "pageNumber=") {
			t.Errorf("%s provenance: hash %q crawled %v source %q", id, c.ContentHash, c.CrawledAt, c.SourceURL)
		}
	}
	if len(progress) == 0 || progress[len(progress)-1][0] != progress[len(progress)-1][1] {
		t.Errorf("progress = %v, want it to end with done == total", progress)
	}
	if len(e.store.runs) != 1 || e.store.runs[0].ID != sum.ID || e.store.runs[0].Pages != sum.Pages {
		t.Errorf("recorded runs = %+v, want the summary", e.store.runs)
	}
}

func TestCrawlSecondRunWritesNothing(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	if _, err := e.crawl(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	before, writes := e.store.snapshot(), e.store.writeCount()
	sum, err := e.crawl(t)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if sum.New != 0 || sum.Changed != 0 || sum.Gone != 0 || sum.Unchanged != sum.Seen || len(sum.ChangedIDs) != 0 {
		t.Errorf("second run = new %d changed %d gone %d unchanged %d seen %d ids %v, want all unchanged",
			sum.New, sum.Changed, sum.Gone, sum.Unchanged, sum.Seen, sum.ChangedIDs)
	}
	if got := e.store.writeCount(); got != writes {
		t.Errorf("store writes = %d after the second run, want %d (none)", got, writes)
	}
	if diff := cmp.Diff(before, e.store.snapshot()); diff != "" {
		t.Errorf("stored calls changed (-before +after):\n%s", diff)
	}
}

func TestCrawlRetries(t *testing.T) {
	tests := []struct {
		name      string
		opts      recorded.Options
		wantSleep []time.Duration // exact waits; nil: only the count is checked
		sleeps    int
	}{
		{name: "500 then success", opts: recorded.Options{FailFirst: 1}, sleeps: 1},
		{name: "429 with Retry-After honoured", opts: recorded.Options{ThrottleFirst: 2, RetryAfter: "7"},
			wantSleep: []time.Duration{7 * time.Second, 7 * time.Second}},
		{name: "truncated body", opts: recorded.Options{TruncateFirst: 1}, sleeps: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			sum, err := e.crawl(t)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			want := e.handler.Identifiers(funding.PortalIDDigital)
			if sum.New != len(want) || sum.Failed {
				t.Errorf("new = %d failed %v, want %d", sum.New, sum.Failed, len(want))
			}
			got := e.sleeps.all()
			if tc.wantSleep != nil {
				if diff := cmp.Diff(tc.wantSleep, got); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			} else if len(got) != tc.sleeps {
				t.Errorf("waits = %v, want %d", got, tc.sleeps)
			}
			for _, d := range got {
				if tc.wantSleep == nil && d > e.cfg.BackoffMax {
					t.Errorf("backoff wait %v exceeds BackoffMax %v", d, e.cfg.BackoffMax)
				}
			}
		})
	}
}

func TestCrawlRetryAfterIsCapped(t *testing.T) {
	e := newEnv(t, recorded.Options{ThrottleFirst: 1, RetryAfter: "86400"})
	e.cfg.RetryAfterMax = 3 * time.Second
	if _, err := e.crawl(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, e.sleeps.all()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestCrawlGivesUpAfterRetries(t *testing.T) {
	e := newEnv(t, recorded.Options{FailFirst: 100})
	sum, err := e.crawl(t)
	if err == nil || !sum.Failed {
		t.Fatalf("Run = %v, failed %v; want a failed crawl", err, sum.Failed)
	}
	var se *crawler.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusInternalServerError {
		t.Errorf("error = %v, want a StatusError 500", err)
	}
	if got := e.handler.Requests(); got != e.cfg.Retries+1 {
		t.Errorf("requests = %d, want %d", got, e.cfg.Retries+1)
	}
	if len(e.store.calls) != 0 {
		t.Errorf("stored %d calls, want none", len(e.store.calls))
	}
}

func TestCrawlFailingHalfWayChangesNothing(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	e.cfg.PageSize = 4
	if _, err := e.crawl(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	before, writes := e.store.snapshot(), e.store.writeCount()

	// The portal changed a topic of page 1 and dropped one, and fails from page 3 on.
	ids := e.handler.Identifiers(funding.PortalIDDigital)
	changedID, droppedID := ids[0], ids[1]
	e.switchTo(t, recorded.Options{
		FailFromPage: 3,
		Drop:         []string{droppedID},
		Mutate: func(r *recorded.Record) {
			if r.Identifier() == changedID {
				r.SetMetadata("title", "A new title")
			}
		},
	})
	sum, err := e.crawl(t)
	if err == nil || !sum.Failed {
		t.Fatalf("Run = %v, failed %v; want a failed crawl", err, sum.Failed)
	}
	if sum.Gone != 0 || sum.New != 0 || sum.Changed != 0 {
		t.Errorf("summary gone %d new %d changed %d, want nothing applied", sum.Gone, sum.New, sum.Changed)
	}
	if got := e.store.writeCount(); got != writes {
		t.Errorf("store writes = %d, want %d", got, writes)
	}
	if diff := cmp.Diff(before, e.store.snapshot()); diff != "" {
		t.Errorf("stored calls changed (-before +after):\n%s", diff)
	}
	if r := e.store.runs[len(e.store.runs)-1]; !r.Failed || len(r.Errors) == 0 {
		t.Errorf("recorded run = %+v, want failed with the error", r)
	}
}

func TestCrawlVanishedAndChangedTopics(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	if _, err := e.crawl(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	ids := e.handler.Identifiers(funding.PortalIDDigital)
	gone, changed := ids[2], ids[3]
	e.switchTo(t, recorded.Options{
		Drop: []string{gone},
		Mutate: func(r *recorded.Record) {
			if r.Identifier() == changed {
				r.SetMetadata("deadlineDate", "2026-12-01T17:00:00.000+0100")
			}
		},
	})
	sum, err := e.crawl(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Gone != 0 || sum.Missed != 1 || sum.Changed != 1 || sum.New != 0 || sum.Held != nil {
		t.Errorf("summary gone %d missed %d changed %d new %d held %v, want 0 1 1 0, not held", sum.Gone, sum.Missed, sum.Changed, sum.New, sum.Held)
	}
	if diff := cmp.Diff([]string{changed}, sum.ChangedIDs); diff != "" {
		t.Errorf("ChangedIDs (-want +got):\n%s", diff)
	}
	if g := e.store.get(gone); g.GoneAt != nil {
		t.Errorf("%s gone after one complete crawl without it, want after two", gone)
	}
	// The second complete crawl in a row without it marks it gone.
	if sum, err = e.crawl(t); err != nil || sum.Gone != 1 || sum.Missed != 0 {
		t.Fatalf("second Run = gone %d missed %d, %v; want 1 gone", sum.Gone, sum.Missed, err)
	}
	g := e.store.get(gone)
	if g == nil || g.GoneAt == nil || !g.GoneAt.Equal(crawlNow) || g.Title == "" || len(g.Sections) == 0 {
		t.Errorf("vanished topic = %+v, want it kept whole and marked gone", g)
	}
	c := e.store.get(changed)
	wantDeadline := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	if c == nil || len(c.Deadlines) == 0 || !c.Deadlines[len(c.Deadlines)-1].Equal(wantDeadline) {
		t.Errorf("changed topic deadlines = %v, want the new one %v", c.Deadlines, wantDeadline)
	}
}

func TestCrawlBadRecords(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	if _, err := e.crawl(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	var withBudget []string
	for _, id := range e.handler.Identifiers(funding.PortalIDDigital) {
		if e.store.get(id).Budget.MaxContribution > 0 {
			withBudget = append(withBudget, id)
		}
	}
	if len(withBudget) < 3 {
		t.Fatalf("only %d Digital topics with a budget", len(withBudget))
	}
	noTitle, badJSON, noBudget := withBudget[0], withBudget[1], withBudget[2]
	before := e.store.get(noTitle)
	e.switchTo(t, recorded.Options{Mutate: func(r *recorded.Record) {
		switch r.Identifier() {
		case noTitle:
			r.SetMetadata("title")
			r.Set("summary", nil)
			r.SetMetadata("deadlineDate", "2027-01-01T00:00:00.000+0000")
		case badJSON:
			r.SetMetadata("actions", `[{"types":[{"typeOfAction":"DIGITAL-CSA`)
			r.SetMetadata("budgetOverview", `{"budgetTopicActionMap":`)
		case noBudget:
			r.SetMetadata("budgetOverview")
		}
	}})
	sum, err := e.crawl(t)
	if err != nil {
		t.Fatalf("Run: %v (a bad record is not a failed crawl)", err)
	}
	if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], noTitle) || sum.Gone != 0 {
		t.Errorf("errors = %q gone %d, want one error about %s and nothing gone", sum.Errors, sum.Gone, noTitle)
	}
	if diff := cmp.Diff(before, e.store.get(noTitle)); diff != "" {
		t.Errorf("unparsable record changed the stored call (-before +after):\n%s", diff)
	}
	if len(sum.Warnings) != 2 || !strings.Contains(strings.Join(sum.Warnings, " "), "actions") {
		t.Errorf("warnings = %q, want actions and budgetOverview", sum.Warnings)
	}
	bad := e.store.get(badJSON)
	if bad == nil || bad.Budget.MaxContribution != 0 || bad.Title == "" || len(bad.Sections) == 0 {
		t.Errorf("record with bad JSON-in-string = %+v, want saved with an empty budget", bad)
	}
	nb := e.store.get(noBudget)
	if nb == nil || nb.Budget.MaxContribution != 0 || nb.Title == "" {
		t.Errorf("record without budgetOverview = %+v, want saved with an empty budget", nb)
	}
	if !slices.Contains(sum.ChangedIDs, badJSON) || !slices.Contains(sum.ChangedIDs, noBudget) || slices.Contains(sum.ChangedIDs, noTitle) {
		t.Errorf("ChangedIDs = %v", sum.ChangedIDs)
	}
}

func TestCrawlTwoStageDeadlines(t *testing.T) {
	e := newEnv(t, recorded.Options{})
	id := e.handler.Identifiers(funding.PortalIDDigital)[0]
	e.switchTo(t, recorded.Options{Mutate: func(r *recorded.Record) {
		if r.Identifier() == id {
			r.SetMetadata("deadlineModel", "two-stage")
			r.SetMetadata("deadlineDate", "2027-04-08T00:00:00.000+0000", "2026-10-01T00:00:00.000+0000")
		}
	}})
	if _, err := e.crawl(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	c := e.store.get(id)
	// 17:00 Brussels: CEST in October, CEST again in April.
	want := []time.Time{time.Date(2026, 10, 1, 15, 0, 0, 0, time.UTC), time.Date(2027, 4, 8, 15, 0, 0, 0, time.UTC)}
	if c == nil || c.DeadlineModel != "two-stage" || !slices.EqualFunc(c.Deadlines, want, time.Time.Equal) {
		t.Fatalf("two-stage call = %v %v, want two-stage %v", c.DeadlineModel, c.Deadlines, want)
	}
	if c.Status != funding.StatusOpen && c.Status != funding.StatusForthcoming {
		t.Errorf("status = %q, want open or forthcoming", c.Status)
	}
}

func TestCrawlUnfilteredPortal(t *testing.T) {
	// The real API ignores a query it does not understand: every language,
	// type-6 news and other programmes come back. The crawler keeps only
	// English type 1/2/8 rows, one per identifier.
	e := newEnv(t, recorded.Options{Unfiltered: true, RawOnly: true})
	e.cfg.PageSize = 100
	sum, err := e.crawl(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := e.handler.Identifiers()
	if sum.Seen != len(want) {
		t.Errorf("seen = %d, want %d (English type 1/2/8 identifiers)", sum.Seen, len(want))
	}
	c := e.store.get("HORIZON-CL4-2025-04-DATA-03")
	if c == nil || c.Status != funding.StatusClosed || len(c.Sections) == 0 || strings.Contains(c.Sections[0].Text, "Förväntat") {
		t.Fatalf("DATA-03 = %+v, want the English closed topic", c)
	}
}

// TestCrawlHorizon crawls the recorded Horizon Europe topics once and checks
// real topics of it.
func TestCrawlHorizon(t *testing.T) {
	e := newEnv(t, recorded.Options{}, funding.PortalIDHorizon)
	if raceEnabled { // keep cluster 3 only
		var drop []string
		for _, id := range e.handler.Identifiers(funding.PortalIDHorizon) {
			if !strings.HasPrefix(id, "HORIZON-CL3-") {
				drop = append(drop, id)
			}
		}
		e.switchTo(t, recorded.Options{Drop: drop})
	}
	e.cfg.PageSize = 100
	sum, err := e.crawl(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := len(e.handler.Identifiers(funding.PortalIDHorizon)); sum.New != want || len(sum.Errors) != 0 {
		t.Fatalf("new = %d errors %q, want %d and none", sum.New, sum.Errors, want)
	}
	const eccc = "HORIZON-CL3-2026-02-CS-ECCC-01"

	t.Run("mojibake repaired", func(t *testing.T) {
		c := e.store.get(eccc)
		var all strings.Builder
		for _, s := range append(slices.Clone(c.Sections), c.Conditions...) {
			all.WriteString(s.Title + s.Text + s.HTML)
		}
		all.WriteString(c.SupportInfo)
		text := all.String()
		for _, bad := range []string{"â€", "Ã", "ï»¿"} {
			if strings.Contains(text, bad) {
				t.Errorf("text still holds mojibake %q", bad)
			}
		}
		if !strings.Contains(text, "Union’s strategic assets") || !strings.Contains(text, "(‘third-countries’)") {
			t.Errorf("repaired text lacks ’ and ‘ ’: %.300s", text)
		}
	})

	t.Run(eccc, func(t *testing.T) {
		c := e.store.get(eccc)
		wantDeadlines := []time.Time{time.Date(2026, 9, 15, 15, 0, 0, 0, time.UTC)} // 17:00 Brussels
		if !slices.EqualFunc(c.Deadlines, wantDeadlines, time.Time.Equal) {
			t.Errorf("deadlines = %v, want %v", c.Deadlines, wantDeadlines)
		}
		if c.Budget.MinContribution != 3_000_000 || c.Budget.MaxContribution != 4_000_000 || c.Budget.ExpectedGrants != 5 {
			t.Errorf("budget = %+v, want 3-4 MEUR, 5 grants (its own entry only)", c.Budget)
		}
		if !slices.Contains(c.TypesOfAction, "RIA") || c.Programme != funding.ProgrammeHorizon || c.Status != funding.StatusOpen {
			t.Errorf("types %v programme %s status %s, want RIA HORIZON open", c.TypesOfAction, c.Programme, c.Status)
		}
		eo, scope := c.Section("Expected Outcome"), c.Section("Scope")
		if eo == nil || scope == nil {
			t.Fatalf("sections = %v, want Expected Outcome and Scope", titles(c.Sections))
		}
		if !strings.HasPrefix(eo.Text, "Proposals are expected to contribute to one or more of the following:\n- Enhanced security frameworks") {
			t.Errorf("expected outcome = %.200q", eo.Text)
		}
		if !strings.HasPrefix(scope.Text, "The increasing complexity and globalisation of software and hardware supply chains") {
			t.Errorf("scope = %.200q", scope.Text)
		}
		for _, s := range []*funding.Section{eo, scope} {
			if strings.ContainsAny(s.Text, "<>") || strings.Contains(s.Text, "  ") || strings.Contains(s.Text, "&amp;") {
				t.Errorf("%s text is not clean: %.200q", s.Title, s.Text)
			}
		}
	})

	t.Run("every topic has text", func(t *testing.T) {
		for _, id := range e.handler.Identifiers(funding.PortalIDHorizon) {
			c := e.store.get(id)
			if c.Title == "" || len(c.Deadlines) == 0 || len(c.TypesOfAction) == 0 {
				t.Errorf("%s: title %q deadlines %v types %v", id, c.Title, c.Deadlines, c.TypesOfAction)
			}
		}
	})
}

func titles(ss []funding.Section) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Title)
	}
	return out
}
