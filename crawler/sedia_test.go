package crawler_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
)

// TestSearchRequest checks the request against API-FACTS §1: POST with
// apiKey/text/pageSize/pageNumber in the URL and query, languages and sort
// as multipart *file* parts of type application/json.
func TestSearchRequest(t *testing.T) {
	type seen struct {
		method, ua string
		query      map[string]string
		parts      map[string]string
		partTypes  map[string]string
		files      map[string]bool
	}
	var mu sync.Mutex
	var reqs []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{method: r.Method, ua: r.UserAgent(), query: map[string]string{},
			parts: map[string]string{}, partTypes: map[string]string{}, files: map[string]bool{}}
		for k := range r.URL.Query() {
			s.query[k] = r.URL.Query().Get(k)
		}
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Errorf("content type: %v", err)
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("multipart: %v", err)
				break
			}
			b, _ := io.ReadAll(p)
			s.parts[p.FormName()] = strings.TrimSpace(string(b))
			s.partTypes[p.FormName()] = p.Header.Get("Content-Type")
			s.files[p.FormName()] = p.FileName() != ""
		}
		mu.Lock()
		reqs = append(reqs, s)
		page := len(reqs)
		mu.Unlock()
		// Two pages: 3 results announced, page size 2.
		results := `[{"language":"en","metadata":{"identifier":["T-1"],"type":["1"],"title":["One"],"status":["31094502"]}},
			{"language":"en","metadata":{"identifier":["T-2"],"type":["1"],"title":["Two"],"status":["31094501"]}}]`
		if page == 2 {
			results = `[{"language":"en","metadata":{"identifier":["T-3"],"type":["2"],"title":["Three"],"status":["31094503"]}}]`
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"totalResults":3,"pageNumber":1,"pageSize":2,"results":`+results+`}`)
	}))
	defer srv.Close()

	store := newMemStore()
	c := crawler.New(crawler.Config{
		SearchURL:         srv.URL + "/rest/search",
		Programmes:        []string{"43152860"},
		PageSize:          2,
		RequestsPerSecond: -1,
		UserAgent:         "callmatch-test/1 (+https://example.org/contact)",
		SpoolDir:          t.TempDir(),
	}, store, slog.New(slog.DiscardHandler))
	sum, err := c.Run(context.Background(), nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Pages != 2 || sum.New != 3 {
		t.Errorf("pages %d new %d, want 2 and 3", sum.Pages, sum.New)
	}
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2 (stop when pageNumber*pageSize >= totalResults)", len(reqs))
	}
	for i, r := range reqs {
		wantQuery := map[string]string{"apiKey": "SEDIA", "text": "***", "pageSize": "2", "pageNumber": []string{"1", "2"}[i]}
		if diff := cmp.Diff(wantQuery, r.query); diff != "" {
			t.Errorf("request %d URL query (-want +got):\n%s", i+1, diff)
		}
		if r.method != http.MethodPost || r.ua != "callmatch-test/1 (+https://example.org/contact)" {
			t.Errorf("request %d: %s with User-Agent %q", i+1, r.method, r.ua)
		}
		for _, name := range []string{"query", "languages", "sort"} {
			if !r.files[name] || r.partTypes[name] != "application/json" {
				t.Errorf("part %s: file %v type %q, want a file part of application/json", name, r.files[name], r.partTypes[name])
			}
		}
		var q, sort any
		if err := json.Unmarshal([]byte(r.parts["query"]), &q); err != nil {
			t.Fatalf("query part: %v", err)
		}
		wantQ := map[string]any{"bool": map[string]any{"must": []any{
			map[string]any{"terms": map[string]any{"type": []any{"1", "2", "8"}}},
			map[string]any{"terms": map[string]any{"status": []any{"31094501", "31094502", "31094503"}}},
			map[string]any{"terms": map[string]any{"frameworkProgramme": []any{"43152860"}}},
		}}}
		if diff := cmp.Diff(wantQ, q); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
		_ = json.Unmarshal([]byte(r.parts["sort"]), &sort)
		if diff := cmp.Diff(map[string]any{"field": "identifier", "order": "ASC"}, sort); diff != "" {
			t.Errorf("sort (-want +got):\n%s", diff)
		}
		if r.parts["languages"] != `["en"]` {
			t.Errorf("languages = %s", r.parts["languages"])
		}
	}
	if c := store.get("T-3"); c == nil || c.Kind != funding.KindCallForProposals || c.Status != funding.StatusClosed {
		t.Errorf("T-3 = %+v, want a closed call for proposals", c)
	}
}

func TestResponseFailures(t *testing.T) {
	big := `{"totalResults":1,"results":[` + strings.Repeat(" ", 4096) + `]}`
	tests := []struct {
		name      string
		body      string
		status    int
		wantErr   error
		wantTries int
	}{
		{"body over the cap", big, 200, crawler.ErrBodyTooLarge, 1},
		{"invalid JSON", `{"totalResults":`, 200, crawler.ErrBadResponse, 3},
		{"not a search response", `{"type":"throwable"}`, 200, crawler.ErrBadResponse, 3},
		{"400 is not retried", `{"type":"throwable","message":"Invalid Query format"}`, 400, nil, 1},
		{"501 is not retried", `{}`, 501, nil, 1},
		{"503 is retried", `{}`, 503, nil, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			tries := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				tries++
				mu.Unlock()
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			s := &sleeps{}
			store := newMemStore()
			c := crawler.New(crawler.Config{
				SearchURL: srv.URL, RequestsPerSecond: -1, Retries: 2, MaxBodyBytes: 1024,
				BackoffBase: time.Millisecond, Sleep: s.sleep, SpoolDir: t.TempDir(),
			}, store, nil)
			sum, err := c.Run(context.Background(), nil)
			if err == nil || !sum.Failed {
				t.Fatalf("Run = %v failed %v, want a failed crawl", err, sum.Failed)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			var se *crawler.StatusError
			if tc.status != 200 && (!errors.As(err, &se) || se.Code != tc.status) {
				t.Errorf("error = %v, want a StatusError %d", err, tc.status)
			}
			if tries != tc.wantTries {
				t.Errorf("tries = %d, want %d", tries, tc.wantTries)
			}
			if len(store.runs) != 1 || !store.runs[0].Failed {
				t.Errorf("runs = %+v, want one failed run recorded", store.runs)
			}
		})
	}
}

func TestRateLimitPerHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber")); n > 30 {
			io.WriteString(w, `{"totalResults":30,"results":[]}`)
			return
		}
		io.WriteString(w, `{"totalResults":30,"results":[{"language":"en","metadata":{"identifier":["T-`+r.URL.Query().Get("pageNumber")+`"],"type":["1"],"title":["x"],"status":["31094502"]}}]}`)
	}))
	defer srv.Close()
	c := crawler.New(crawler.Config{SearchURL: srv.URL, PageSize: 1, RequestsPerSecond: 200, SpoolDir: t.TempDir()}, newMemStore(), nil)
	start := time.Now()
	sum, err := c.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 30 pages and the empty one after the last full page: 31 requests at
	// 200/s with a burst of 1 take at least 30*5ms.
	if d := time.Since(start); sum.Pages != 31 || d < 145*time.Millisecond || sum.Held != nil {
		t.Errorf("%d pages in %v, held %v, want 31 pages in at least 150ms", sum.Pages, d, sum.Held)
	}
}

func TestMaxPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"totalResults":1000,"results":[{"language":"en","metadata":{"identifier":["T-`+r.URL.Query().Get("pageNumber")+`"],"type":["1"],"title":["x"]}}]}`)
	}))
	defer srv.Close()
	store := newMemStore()
	c := crawler.New(crawler.Config{SearchURL: srv.URL, PageSize: 1, MaxPages: 3, RequestsPerSecond: -1, SpoolDir: t.TempDir()}, store, nil)
	_, err := c.Run(context.Background(), nil)
	if !errors.Is(err, crawler.ErrTooManyPages) {
		t.Errorf("Run = %v, want ErrTooManyPages", err)
	}
	if len(store.calls) != 0 {
		t.Errorf("stored %d calls of an incomplete listing, want none", len(store.calls))
	}
}

func TestRunCancelled(t *testing.T) {
	e := newEnv(t, recordedSlow())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	sum, err := crawler.New(e.cfg, e.store, nil).Run(ctx, nil)
	if err == nil || !sum.Failed || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v failed %v, want a failed crawl ending with the deadline", err, sum.Failed)
	}
	if len(e.store.runs) != 1 {
		t.Errorf("runs = %d, want the failed run recorded despite the cancelled context", len(e.store.runs))
	}
}

func recordedSlow() recorded.Options { return recorded.Options{Latency: 5 * time.Second} }

func TestShortPageMarksNothingGone(t *testing.T) {
	// The portal announces 5 results but stops after 3: save them, mark nothing gone.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"totalResults":5,"results":[`+
			`{"language":"en","metadata":{"identifier":["T-1"],"type":["1"],"title":["x"],"status":["31094502"],"frameworkProgramme":["43152860"]}},`+
			`{"language":"en","metadata":{"identifier":["T-2"],"type":["1"],"title":["x"],"status":["31094502"],"frameworkProgramme":["43152860"]}},`+
			`{"language":"en","metadata":{"identifier":["T-3"],"type":["1"],"title":["x"],"status":["31094502"],"frameworkProgramme":["43152860"]}}]}`)
	}))
	defer srv.Close()
	store := newMemStore()
	store.calls["T-9"] = &funding.Call{ID: "T-9", Title: "kept", ProgrammeID: "43152860", ContentHash: "h"}
	c := crawler.New(crawler.Config{SearchURL: srv.URL, Programmes: []string{"43152860"}, PageSize: 10, RequestsPerSecond: -1, SpoolDir: t.TempDir()}, store, nil)
	sum, err := c.Run(context.Background(), nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := &funding.GoneHold{Reason: funding.HoldShort, Announced: 5, Listed: 3}
	if sum.New != 3 || sum.Gone != 0 || sum.Missed != 0 || store.get("T-9").GoneAt != nil || store.missed["T-9"] != 0 {
		t.Errorf("new %d gone %d missed %d, T-9 gone %v; want 3 saved, nothing gone or missed", sum.New, sum.Gone, sum.Missed, store.get("T-9").GoneAt)
	}
	if diff := cmp.Diff(want, sum.Held); diff != "" {
		t.Errorf("Held (-want +got):\n%s", diff)
	}
}
