package server

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
	"callmatch/search"
	"callmatch/store"
)

// TestCrawlHeldIsShown crawls a recorded portal into a fresh store, then
// the same portal with broken paging: the held-back run shows on the staff
// page (in every language), in /readyz and in /metrics, and a good crawl
// clears it everywhere.
func TestCrawlHeldIsShown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "", dir, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	crawl := func(opts recorded.Options) funding.CrawlRun {
		t.Helper()
		portal := httptest.NewServer(recorded.NewHandler(opts))
		defer portal.Close()
		sum, err := crawler.New(crawler.Config{
			SearchURL:         portal.URL + "/search-api/prod/rest/search",
			Programmes:        []string{funding.PortalIDDigital},
			PageSize:          4,
			RequestsPerSecond: -1,
			Now:               func() time.Time { return testNow },
			SpoolDir:          dir,
		}, st, discard).Run(ctx, nil)
		if err != nil {
			t.Fatalf("crawl: %v", err)
		}
		return sum
	}
	if sum := crawl(recorded.Options{}); sum.New != 15 || sum.Held != nil {
		t.Fatalf("good crawl: new %d held %v", sum.New, sum.Held)
	}
	if sum := crawl(recorded.Options{RepeatPages: true}); sum.Held == nil || sum.Held.Reason != funding.HoldRepeated || sum.Gone != 0 {
		t.Fatalf("glitch crawl: held %v gone %d, want held back, nothing gone", sum.Held, sum.Gone)
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), st, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	lots := Rate{N: 10000, Per: time.Hour}
	s, err := New(Config{Now: func() time.Time { return testNow }, BaseURL: "http://callmatch.test",
		Limits: RateLimits{LoginPerIP: lots, LoginPerEmail: lots}},
		Deps{Store: st, Index: ix, Logger: discard, Ready: func() error { return nil }})
	if err != nil {
		t.Fatal(err)
	}

	type readiness struct {
		Status       string
		Dependencies map[string]dependency
	}
	metric := func() string {
		t.Helper()
		resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/metrics", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "callmatch_crawl_") && !strings.HasPrefix(line, "callmatch_crawl_runs") {
				out = append(out, line)
			}
		}
		return strings.Join(out, "\n")
	}

	var ready readiness
	if code := do(t, s, http.MethodGet, "/readyz", "", nil, &ready); code != http.StatusOK || ready.Status != "ready" {
		t.Errorf("/readyz = %d %q, want 200 ready: a held crawl does not stop serving", code, ready.Status)
	}
	c := ready.Dependencies["crawl"]
	if c.Status != "degraded" || c.Reason != funding.HoldRepeated || !strings.Contains(c.Detail, "page 2 repeated") {
		t.Errorf("/readyz crawl = %+v, want degraded, reason repeated, the plain reason", c)
	}
	for _, raw := range []string{"127.0.0.1", "crawler:", "http"} {
		if strings.Contains(c.Detail, raw) {
			t.Errorf("/readyz crawl detail %q holds raw error text %q", c.Detail, raw)
		}
	}
	if got, want := metric(), "callmatch_crawl_gone_held{reason=\"repeated\"} 1\ncallmatch_crawl_missed_calls 0"; got != want {
		t.Errorf("/metrics crawl series:\n%s\nwant:\n%s", got, want)
	}

	addStaff(t, s, "anna@ncc.example.be", "correct horse battery")
	b := newClient(t, s)
	b.get("/staff/login")
	if a := b.post("/staff/login", url.Values{"email": {"anna@ncc.example.be"}, "password": {"correct horse battery"}}); a.code != http.StatusSeeOther {
		t.Fatalf("login = %d", a.code)
	}
	for lang, want := range map[string]string{
		"en": "Nothing was marked gone: page 2 only repeated results already listed (4 distinct of 15 announced)",
		"fr": "Rien n'a été marqué disparu : la page 2 ne faisait que répéter des résultats déjà listés (4 distincts sur 15 annoncés)",
		"nl": "Niets als verdwenen gemarkeerd: pagina 2 herhaalde alleen resultaten die al gegeven waren (4 verschillende van 15 aangekondigd)",
	} {
		a := b.get("/staff?lang=" + lang)
		body := html.UnescapeString(a.body)
		if a.code != http.StatusOK || !strings.Contains(body, `id="crawl-held"`) || strings.Count(body, want) != 2 {
			t.Errorf("staff dashboard (%s) = %d, want the warning above the runs and on the run: %q", lang, a.code, want)
		}
	}

	// The portal is back: the next crawl clears the warning everywhere.
	if sum := crawl(recorded.Options{}); sum.Held != nil {
		t.Fatalf("good crawl after: held %v", sum.Held)
	}
	ready = readiness{}
	do(t, s, http.MethodGet, "/readyz", "", nil, &ready)
	if c := ready.Dependencies["crawl"]; c.Status != "ok" || c.Reason != "" {
		t.Errorf("/readyz crawl after a good crawl = %+v, want ok", c)
	}
	if got, want := metric(), "callmatch_crawl_gone_held{reason=\"\"} 0\ncallmatch_crawl_missed_calls 0"; got != want {
		t.Errorf("/metrics crawl series after a good crawl:\n%s\nwant:\n%s", got, want)
	}
	a := b.get("/staff?lang=en")
	if strings.Contains(a.body, `id="crawl-held"`) || !strings.Contains(html.UnescapeString(a.body), "Nothing was marked gone") {
		t.Errorf("staff dashboard after a good crawl: want no warning on top, the held run still in the list")
	}

	// One call really closes: missed once, said so; not gone yet.
	ids := recorded.NewHandler(recorded.Options{}).Identifiers(funding.PortalIDDigital)
	if sum := crawl(recorded.Options{Drop: ids[:1]}); sum.Held != nil || sum.Missed != 1 || sum.Gone != 0 {
		t.Fatalf("crawl without one call: held %v missed %d gone %d, want 1 missed", sum.Held, sum.Missed, sum.Gone)
	}
	if got, want := metric(), "callmatch_crawl_gone_held{reason=\"\"} 0\ncallmatch_crawl_missed_calls 1"; got != want {
		t.Errorf("/metrics crawl series after a miss:\n%s\nwant:\n%s", got, want)
	}
	if a := b.get("/staff?lang=nl"); !strings.Contains(html.UnescapeString(a.body), "1 één keer ontbrekend") {
		t.Errorf("staff dashboard does not show the call missed once")
	}
}
