package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"callmatch/crawler/recorded"
	"callmatch/store"
	"callmatch/store/storetest"
)

// TestTwoInstancesShareOneStoreAndRedis runs two `callmatch serve` on one
// PostgreSQL and one Redis: only one of them crawls, both serve every call,
// a crawl from a third process reaches both indexes within a minute, and a
// profile, its token and its cached matches work across instances.
func TestTwoInstancesShareOneStoreAndRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	dbURL := storetest.NewPostgresSchema(t)
	redisAddr, _ := storetest.RedisServer(t)

	const changedID = "HORIZON-CL3-2026-02-CS-ECCC-01"
	var changed atomic.Bool
	original := recorded.NewHandler(recorded.Options{})
	amended := recorded.NewHandler(recorded.Options{
		Mutate: func(r *recorded.Record) {
			if r.Identifier() == changedID {
				r.SetMetadata("title", "Security in software and hardware development (amended)")
			}
		},
	})
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if changed.Load() {
			amended.ServeHTTP(w, r)
			return
		}
		original.ServeHTTP(w, r)
	}))
	defer portal.Close()

	baseEnv := map[string]string{
		"DATABASE_URL":      dbURL,
		"REDIS_URL":         "redis://" + redisAddr + "/0",
		"PORTAL_SEARCH_URL": portal.URL + "/search-api/prod/rest/search",
		"PORTAL_PROGRAMMES": strings.Join(recorded.ProgrammeIDs(), ","),
		"LOG_LEVEL":         "warn",
	}
	envFor := func(port int) func(string) string {
		return func(k string) string {
			switch k {
			case "PORT":
				return fmt.Sprint(port)
			case "DATA_DIR":
				return t.TempDir() // each instance keeps its own index
			}
			return baseEnv[k]
		}
	}

	ctx := t.Context()
	var bases []string
	for i := 0; i < 2; i++ {
		port := freePort(t)
		bases = append(bases, fmt.Sprintf("http://127.0.0.1:%d", port))
		defer serveInBackground(t, fmt.Sprintf("instance %d", i), envFor(port))()
	}

	for i, base := range bases {
		eventually(t, 90*time.Second, fmt.Sprintf("instance %d ready", i), func() bool {
			code, _ := getJSON(base+"/readyz", "", nil)
			return code == http.StatusOK
		})
	}
	var total uint64
	for i, base := range bases {
		var page struct{ Total uint64 }
		eventually(t, 90*time.Second, fmt.Sprintf("instance %d serves every call", i), func() bool {
			getJSON(base+"/api/v1/calls?size=1", "", &page)
			return page.Total >= 629
		})
		if i == 0 {
			total = page.Total
		} else if page.Total != total {
			t.Errorf("instance 1 serves %d calls, instance 0 %d", page.Total, total)
		}
	}

	st, err := store.Open(ctx, dbURL, t.TempDir(), discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.CrawlRuns(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("%d crawl runs, want exactly one: only one instance crawls", len(runs))
	}

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get(bases[0] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, series := range []string{"callmatch_index_calls ", "callmatch_index_generation ", "callmatch_http_requests_total{",
			"callmatch_http_request_duration_seconds_bucket{", "callmatch_match_cache_hits_total ", "callmatch_crawl_runs_total"} {
			if !strings.Contains(string(body), series) {
				t.Errorf("/metrics lacks %s", series)
			}
		}
	})

	t.Run("a crawl elsewhere reaches both indexes", func(t *testing.T) {
		changed.Store(true)
		var out bytes.Buffer
		if err := run(ctx, []string{"crawl"}, envFor(freePort(t)), &out, io.Discard); err != nil {
			t.Fatalf("callmatch crawl: %v", err)
		}
		if !strings.Contains(out.String(), "1 changed") {
			t.Errorf("crawl said %q, want one changed call", out.String())
		}
		for i, base := range bases {
			eventually(t, time.Minute, fmt.Sprintf("instance %d sees the amended title", i), func() bool {
				var res struct{ Hits []struct{ ID, Title string } }
				getJSON(base+"/api/v1/calls?q=amended", "", &res)
				return len(res.Hits) > 0 && res.Hits[0].ID == changedID
			})
		}
	})

	t.Run("profiles and cached matches across instances", func(t *testing.T) {
		body := `{"name":"Flemish SOC","email":"soc@example.be","country":"BE","keywords":["SOC","MISP","incident response"],"domains":["threat-intelligence"]}`
		resp, err := http.Post(bases[0]+"/api/v1/profiles", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ ID, Token string }
		decodeBody(t, resp, &p)
		var m struct {
			Cached  bool
			Matches []json.RawMessage
		}
		if code, err := getJSON(bases[0]+"/api/v1/profiles/"+p.ID+"/matches", p.Token, &m); code != 200 || err != nil || m.Cached {
			t.Fatalf("matches on instance 0: %d %v cached=%v", code, err, m.Cached)
		}
		if code, err := getJSON(bases[1]+"/api/v1/profiles/"+p.ID+"/matches", p.Token, &m); code != 200 || err != nil {
			t.Fatalf("matches on instance 1: %d %v", code, err)
		}
		if !m.Cached || len(m.Matches) == 0 {
			t.Errorf("instance 1: cached=%v with %d matches, want the list instance 0 computed, from the shared Redis", m.Cached, len(m.Matches))
		}
	})
}
