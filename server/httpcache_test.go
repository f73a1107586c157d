package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"callmatch/digest"
	"callmatch/funding"
	"callmatch/match"
	"callmatch/search"
	"callmatch/store"
)

const cachedCallID = "HORIZON-CL3-2026-02-CS-ECCC-01"

// cacheServer is a server over a store of its own (a copy of a few calls of
// the fixture, which the test may change) and the fixture's index, with an
// index generation the test moves.
func cacheServer(t *testing.T) (*Server, *store.Store, *atomic.Int64) {
	t.Helper()
	f := sharedFixture(t)
	st, err := store.Open(t.Context(), "", t.TempDir(), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{cachedCallID, "HORIZON-CL3-2025-02-CS-ECCC-01"} {
		call, err := f.store.Call(t.Context(), id)
		if err != nil {
			continue // an earlier round the recording may not hold
		}
		if _, _, err := st.SaveCall(t.Context(), call, testNow); err != nil {
			t.Fatal(err)
		}
	}
	gen := &atomic.Int64{}
	gen.Store(1)
	mailer, err := digest.NewOutboxMailer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lots := Rate{N: 10000, Per: time.Hour}
	cfg := Config{Now: func() time.Time { return testNow }, BaseURL: "http://callmatch.test",
		Limits: RateLimits{RegisterPerIP: lots, RegisterPerEmail: lots, SignInPerIP: lots, SignInPerEmail: lots, LoginPerIP: lots,
			LoginPerEmailIP: lots, LoginPerEmail: lots, TokenUsePerIP: lots, SubscribePerIP: lots, SubscribePerEmail: lots}}
	s, err := New(cfg, Deps{Store: st, Index: f.index, Logger: discard, Mailer: mailer, Generation: gen.Load})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.bg.Wait)
	return s, st, gen
}

// fetch sends a GET with extra headers and returns status, body and headers.
func fetch(t *testing.T, s *Server, path string, header ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{code: resp.StatusCode, body: string(raw), header: resp.Header}
}

func TestCallJSONRevalidates(t *testing.T) {
	s, st, gen := cacheServer(t)
	path := "/api/v1/calls/" + cachedCallID
	first := fetch(t, s, path)
	if first.code != 200 {
		t.Fatalf("GET %s = %d", path, first.code)
	}
	etag, lm := first.header.Get("ETag"), first.header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag %q, want a strong entity tag", etag)
	}
	if _, err := http.ParseTime(lm); err != nil {
		t.Fatalf("Last-Modified %q: %v", lm, err)
	}
	if cc := first.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
		t.Errorf("Cache-Control %q, want public with a max-age", cc)
	}
	second := fetch(t, s, path)
	if second.body != first.body || second.header.Get("ETag") != etag || second.header.Get("Content-Type") != first.header.Get("Content-Type") {
		t.Error("the kept answer differs from the first one")
	}
	for _, h := range [][]string{
		{"If-None-Match", etag}, {"If-None-Match", "W/" + etag}, {"If-None-Match", `"other", ` + etag}, {"If-None-Match", "*"},
		{"If-Modified-Since", lm},
	} {
		a := fetch(t, s, path, h...)
		if a.code != http.StatusNotModified || a.body != "" {
			t.Errorf("%s: %s = %d with %d bytes, want 304 and no body", h[0], h[1], a.code, len(a.body))
		}
		if a.header.Get("ETag") != etag {
			t.Errorf("304 without the ETag (%q)", a.header.Get("ETag"))
		}
	}
	for _, h := range [][]string{
		{"If-None-Match", `"other"`}, {"If-Modified-Since", testNow.Add(-48 * time.Hour).Format(http.TimeFormat)},
		{"If-None-Match", `"other"`, "If-Modified-Since", lm}, // If-None-Match decides
	} {
		if a := fetch(t, s, path, h...); a.code != 200 || a.body != first.body {
			t.Errorf("%v = %d, want 200 and the call", h, a.code)
		}
	}

	// The call changes: a new generation of the index names it, and the
	// answer (and its tag) follows.
	call, err := st.Call(t.Context(), cachedCallID)
	if err != nil {
		t.Fatal(err)
	}
	call.Title = "A changed title for the cache test"
	call.ContentHash = ""
	if _, _, err := st.SaveCall(t.Context(), call, testNow); err != nil {
		t.Fatal(err)
	}
	gen.Add(1)
	changed := fetch(t, s, path, "If-None-Match", etag)
	if changed.code != 200 || !strings.Contains(changed.body, "A changed title for the cache test") {
		t.Fatalf("after a change: %d, changed title shown: %v", changed.code, strings.Contains(changed.body, "A changed title"))
	}
	if changed.header.Get("ETag") == etag {
		t.Error("the changed call kept its ETag")
	}
}

func TestCallPageKeepsOnlyAnonymousPages(t *testing.T) {
	s, _, _ := cacheServer(t)
	path := "/calls/" + cachedCallID

	anon := newClient(t, s)
	a1 := anon.get(path)
	a2 := anon.get(path)
	if a1.code != 200 || a2.code != 200 || a1.body != a2.body {
		t.Fatalf("anonymous page: %d then %d, same body %v", a1.code, a2.code, a1.body == a2.body)
	}
	if strings.Contains(a1.body, `name="_csrf"`) {
		t.Error("the anonymous call page carries a form token")
	}
	if a2.header.Get("ETag") == "" || a2.header.Get("ETag") != a1.header.Get("ETag") {
		t.Errorf("ETags %q then %q", a1.header.Get("ETag"), a2.header.Get("ETag"))
	}
	// The first answer sets the CSRF cookie: no shared cache may keep it.
	if cc := a1.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") {
		t.Errorf("first visit: Cache-Control %q, want private", cc)
	}
	if cc := a2.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
		t.Errorf("second visit: Cache-Control %q, want public", cc)
	}
	if v := a2.header.Get("Vary"); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
		t.Errorf("Vary %q", v)
	}
	if a := anon.get(path + "?x=1"); a.code != 200 || a.header.Get("ETag") != "" {
		t.Errorf("a page with other parameters: %d, ETag %q; want rendered afresh", a.code, a.header.Get("ETag"))
	}

	// Another language: another page, kept on its own.
	fr := newClient(t, s)
	fr.header.Set("Accept-Language", "fr-BE,fr;q=0.9")
	f1 := fr.get(path)
	if f1.code != 200 || !strings.Contains(f1.body, `<html lang="fr">`) || f1.body == a1.body {
		t.Fatalf("French page: %d, lang fr %v", f1.code, strings.Contains(f1.body, `<html lang="fr">`))
	}
	if a := anon.get(path); a.body != a1.body {
		t.Error("the English page changed after a French visit")
	}
	if a := anon.get(path + "?lang=nl"); !strings.Contains(a.body, `<html lang="nl">`) {
		t.Error("?lang=nl did not give the Dutch page")
	}

	// A signed-in SME: its own page (follow button, its name), never kept,
	// never given to anyone else.
	sme := newClient(t, s)
	sme.register(socForm("Cache Leak SME", "leak@example.be"))
	for range 2 {
		p := sme.get(path)
		if p.code != 200 || !strings.Contains(p.body, `id="follow"`) || !strings.Contains(p.body, "Cache Leak SME") {
			t.Fatalf("signed-in page: %d, follow button %v", p.code, strings.Contains(p.body, `id="follow"`))
		}
		if cc := p.header.Get("Cache-Control"); cc != "no-store" || p.header.Get("ETag") != "" {
			t.Errorf("signed-in page: Cache-Control %q, ETag %q; want no-store and no tag", cc, p.header.Get("ETag"))
		}
	}
	for _, c := range []*client{anon, fr, newClient(t, s)} {
		p := c.get(path)
		if strings.Contains(p.body, "Cache Leak SME") || strings.Contains(p.body, `id="follow"`) || strings.Contains(p.body, `name="_csrf"`) {
			t.Error("an anonymous visitor got the signed-in page")
		}
	}
}

func TestSearchAnswersKeptPerNormalizedQuery(t *testing.T) {
	s, _, gen := cacheServer(t)
	a := fetch(t, s, "/api/v1/calls?q=cyber+security&programme=HORIZON,DIGITAL&status=open&size=5")
	if a.code != 200 || a.header.Get("ETag") == "" {
		t.Fatalf("search: %d, ETag %q", a.code, a.header.Get("ETag"))
	}
	entries, _ := s.http.search.Size()
	// The same search written otherwise: the kept answer...
	same := "/api/v1/calls?size=5&status=open&programme=DIGITAL&programme=HORIZON&programme=DIGITAL&q=++cyber+++security+"
	b := fetch(t, s, same)
	if n, _ := s.http.search.Size(); n != entries {
		t.Errorf("an equivalent search made a new entry (%d, then %d)", entries, n)
	}
	// ... is byte for byte what a server with no cache answers.
	fresh, _, _ := cacheServer(t)
	u := fetch(t, fresh, same)
	if b.code != 200 || b.body != a.body || u.body != b.body {
		t.Error("the kept search answer differs from an uncached one")
	}
	if a := fetch(t, s, same, "If-None-Match", b.header.Get("ETag")); a.code != http.StatusNotModified {
		t.Errorf("revalidated search = %d, want 304", a.code)
	}
	// Another page of the same search is another answer.
	if c := fetch(t, s, "/api/v1/calls?q=cyber+security&programme=HORIZON,DIGITAL&status=open&size=5&page=2"); c.body == a.body {
		t.Error("page 2 answered with page 1")
	}
	// A new index generation: computed again.
	before, _ := s.http.search.Size()
	gen.Add(1)
	if c := fetch(t, s, same); c.code != 200 || c.body != a.body {
		t.Errorf("after a new generation: %d", c.code)
	}
	if n, _ := s.http.search.Size(); n != before+1 {
		t.Errorf("after a new generation: %d entries, want %d", n, before+1)
	}
	if m := fetch(t, s, "/metrics"); !strings.Contains(m.body, `callmatch_response_cache_requests_total{cache="search",result="hit"} 2`) {
		t.Errorf("metrics do not count the 2 search hits:\n%s", m.body)
	}
	// Bad parameters are not kept, and still a 400.
	if c := fetch(t, s, "/api/v1/calls?status=nope"); c.code != 400 || c.header.Get("ETag") != "" {
		t.Errorf("bad search: %d, ETag %q", c.code, c.header.Get("ETag"))
	}
}

func TestSearchPageKeptForAnonymousVisitorsOnly(t *testing.T) {
	s, _, _ := cacheServer(t)
	anon := newClient(t, s)
	anon.get("/") // the CSRF cookie
	p1 := anon.get("/?q=cybersecurity")
	p2 := anon.get("/?q=cybersecurity")
	if p1.code != 200 || p1.body != p2.body || p2.header.Get("ETag") == "" || p2.header.Get("ETag") != p1.header.Get("ETag") {
		t.Fatalf("anonymous search page: %d, same body %v, ETag %q", p1.code, p1.body == p2.body, p2.header.Get("ETag"))
	}
	fr := newClient(t, s)
	fr.header.Set("Accept-Language", "fr")
	if f := fr.get("/?q=cybersecurity"); f.body == p1.body || !strings.Contains(f.body, `<html lang="fr">`) {
		t.Error("the French visitor got the English search page")
	}
	if f := anon.get("/?q=cybersecurity&done=saved"); f.header.Get("ETag") != "" || f.body == p1.body {
		t.Error("a page with a flash message was served from the cache")
	}
	sme := newClient(t, s)
	sme.register(socForm("Search Leak SME", "search-leak@example.be"))
	p := sme.get("/?q=cybersecurity")
	if !strings.Contains(p.body, "Search Leak SME") || p.header.Get("Cache-Control") != "no-store" || p.header.Get("ETag") != "" {
		t.Errorf("signed-in search page: name shown %v, Cache-Control %q, ETag %q",
			strings.Contains(p.body, "Search Leak SME"), p.header.Get("Cache-Control"), p.header.Get("ETag"))
	}
	if a := anon.get("/?q=cybersecurity"); strings.Contains(a.body, "Search Leak SME") || a.body != p1.body {
		t.Error("the anonymous search page changed after a signed-in visit")
	}
}

func TestResponseCachesAreBounded(t *testing.T) {
	s, _, _ := cacheServer(t)
	const limit, callLimit = 96 << 10, 1 << 20 // a call page is tens of kilobytes
	s.http = newHTTPCaches(callLimit, limit, s.cfg.Now, responseCacheRequests())
	words := []string{"cyber", "health", "quantum", "energy", "data", "cloud", "robot", "space", "water", "climate"}
	for i := range 60 {
		q := words[i%len(words)] + "&page=" + string(rune('1'+i/len(words)))
		if a := fetch(t, s, "/api/v1/calls?q="+q); a.code != 200 {
			t.Fatalf("search %q = %d", q, a.code)
		}
		if a := fetch(t, s, "/?q="+q); a.code != 200 {
			t.Fatalf("search page %q = %d", q, a.code)
		}
	}
	fetch(t, s, "/calls/"+cachedCallID)
	fetch(t, s, "/api/v1/calls/"+cachedCallID)
	for name, c := range map[string]*match.MemoryCache{"search": s.http.search.MemoryCache, "calls": s.http.calls.MemoryCache} {
		n, b := c.Size()
		if b > c.Limit() || n == 0 {
			t.Errorf("%s cache: %d entries, %d bytes; want some, at most %d bytes", name, n, b, c.Limit())
		}
	}
	if n, _ := s.http.calls.Size(); n != 2 {
		t.Errorf("calls cache: %d entries, want the page and the JSON", n)
	}
	if n, _ := s.http.search.Size(); n >= 120 {
		t.Errorf("search cache kept all %d answers in %d bytes", n, limit)
	}
}

func TestCallValidUntil(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	daysLeft := func(d, at time.Time) int { return int(d.Sub(at).Hours() / 24) }
	for _, d := range []time.Time{
		now.Add(60*time.Hour + 7*time.Minute), now.Add(3 * time.Hour), now, now.Add(-30 * time.Hour), now.Add(-5 * time.Minute),
	} {
		call := &funding.Call{Deadlines: []time.Time{d}, PortalStatus: funding.StatusOpen}
		until := callValidUntil(call, now)
		if !until.After(now) && !until.Equal(now) {
			t.Errorf("deadline %v: until %v is before now", d, until)
		}
		if daysLeft(d, until) != daysLeft(d, now) || d.Before(until) != d.Before(now) || call.StatusAt(until) != call.StatusAt(now) {
			t.Errorf("deadline %v: the answer changes before %v", d, until)
		}
		after := until.Add(time.Nanosecond)
		if until.Before(now.Add(callMaxTTL)) && daysLeft(d, after) == daysLeft(d, now) && d.Before(after) == d.Before(now) {
			t.Errorf("deadline %v: kept until %v, but nothing changes just after", d, until)
		}
	}
	open := now.Add(30 * time.Minute)
	call := &funding.Call{OpeningDate: &open, PortalStatus: funding.StatusForthcoming}
	if until := callValidUntil(call, now); call.StatusAt(until) != funding.StatusForthcoming || call.StatusAt(until.Add(time.Nanosecond)) != funding.StatusOpen {
		t.Errorf("opening at %v: kept until %v", open, until)
	}
	if until := callValidUntil(&funding.Call{}, now); !until.Equal(now.Add(callMaxTTL)) {
		t.Errorf("no dates: kept until %v, want %v", until, now.Add(callMaxTTL))
	}
}

// TestSearchKeyNamesEveryField fails when search.Query gains a field that
// searchKey does not know: two different searches would share an answer.
func TestSearchKeyNamesEveryField(t *testing.T) {
	if n := reflect.TypeOf(search.Query{}).NumField(); n != 16 {
		t.Fatalf("search.Query has %d fields; add the new ones to searchKey and update this count", n)
	}
	base := search.Query{Text: "a b", Sort: "relevance", Page: 1, Size: 20}
	variants := []func(*search.Query){
		func(q *search.Query) { q.Text = "a c" },
		func(q *search.Query) { q.Programmes = []string{"HORIZON"} },
		func(q *search.Query) { q.Statuses = []string{"open"} },
		func(q *search.Query) { q.Kinds = []string{"cascade"} },
		func(q *search.Query) { q.TypesOfAction = []string{"RIA"} },
		func(q *search.Query) { q.DeadlineFrom = testNow },
		func(q *search.Query) { q.DeadlineTo = testNow },
		func(q *search.Query) { q.BudgetMin = 1 },
		func(q *search.Query) { q.BudgetMax = 1 },
		func(q *search.Query) { q.OpenNow = true },
		func(q *search.Query) { q.Sort = "deadline" },
		func(q *search.Query) { q.Page = 2 },
		func(q *search.Query) { q.Size = 21 },
		func(q *search.Query) { q.NoHighlights = true },
		func(q *search.Query) { q.DeadlineWithin = 30 },
	}
	seen := map[string]int{searchKey(base): -1}
	for i, v := range variants {
		q := base
		v(&q)
		k := searchKey(q)
		if j, dup := seen[k]; dup {
			t.Errorf("variant %d has the key of %d", i, j)
		}
		seen[k] = i
	}
	q := base
	q.Text, q.Programmes = "  a   b ", []string{"X", "Y", "X"}
	r := base
	r.Programmes = []string{"Y", "X"}
	if searchKey(q) != searchKey(r) {
		t.Error("equivalent searches have different keys")
	}
}

// TestConcurrentMissesComputeOnce: requests that miss the same key together
// share one computation.
func TestConcurrentMissesComputeOnce(t *testing.T) {
	s, _, _ := cacheServer(t)
	const n = 8
	bodies := make([]string, n)
	done := make(chan int)
	for i := range n {
		go func() {
			defer func() { done <- i }()
			req := httptest.NewRequest(http.MethodGet, "/api/v1/calls?q=quantum+cryptography", nil)
			resp, err := s.App().Test(req, -1)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode == 200 {
				bodies[i] = string(raw)
			}
		}()
	}
	for range n {
		<-done
	}
	for i := range bodies {
		if bodies[i] == "" || bodies[i] != bodies[0] {
			t.Fatalf("request %d: a different or no answer", i)
		}
	}
	m := fetch(t, s, "/metrics").body
	for _, want := range []string{`callmatch_response_cache_requests_total{cache="search",result="miss"} 1`,
		`callmatch_response_cache_requests_total{cache="search",result="hit"} 7`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
