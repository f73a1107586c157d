package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
	"callmatch/match"
)

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestHostileRequestsKeepMemoryBounded sends 2,000 requests of the two
// kinds that grew the heap by gigabytes in the hostile review: staff logins
// with half-megabyte e-mail addresses from many IPv6 networks (limiter
// keys), and profile edits with match lists asked at every limit (match
// cache). The server runs with its defaults; its heap must grow by less
// than 100 MB.
func TestHostileRequestsKeepMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 2,000 requests")
	}
	if raceDetector {
		// Under -race the matching is ten times slower (minutes here) and
		// the heap is not the server's alone: .ci/test runs it without.
		t.Skip("run without -race (as .ci/test does)")
	}
	f := sharedFixture(t)
	s, err := New(Config{Now: func() time.Time { return testNow }, BaseURL: "http://callmatch.test", TrustedProxies: []string{"0.0.0.0"}},
		Deps{Store: f.store, Index: f.index, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	addStaff(t, s, "memory-staff@ncc.example.be", "staff password")
	const profiles = 3
	var ps []created
	for i := range profiles {
		var c created
		req := httptest.NewRequest(http.MethodPost, "/api/v1/profiles", strings.NewReader(toJSON(t, broadProfile())))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
		if code := doReq(t, s, req, &c); code != http.StatusCreated {
			t.Fatalf("POST /api/v1/profiles = %d (%s)", code, c.Error)
		}
		ps = append(ps, c)
	}
	b := newClient(t, s)
	b.get("/staff/login") // the CSRF cookie and token of the login form
	email := strings.Repeat("a", 500<<10) + "@ncc.example.be"

	before := heapInUse()
	start := time.Now()
	statuses := map[string]map[int]int{"login": {}, "edit": {}, "matches": {}}
	for i := range 1000 {
		// Kind 2: a huge address, from a new IPv6 /64 each time, or from
		// new addresses of one /64.
		xff := fmt.Sprintf("2001:db8:%x:%x::1", i/65536, i%65536)
		if i%2 == 1 {
			xff = fmt.Sprintf("2001:db8:ffff:1::%x", i)
		}
		b.header.Set("X-Forwarded-For", xff)
		a := b.post("/staff/login", url.Values{"email": {email}, "password": {"guess"}})
		statuses["login"][a.code]++

		// Kind 3: a profile edit (a new version), or its matches at a new limit.
		p := ps[i%profiles]
		if i%2 == 0 {
			statuses["edit"][do(t, s, http.MethodPut, "/api/v1/profiles/"+p.ID, p.Token, broadProfile(), nil)]++
		} else {
			statuses["matches"][do(t, s, http.MethodGet, fmt.Sprintf("/api/v1/profiles/%s/matches?limit=%d", p.ID, i%100+1), p.Token, nil, nil)]++
		}
	}
	after := heapInUse()
	grew := int64(after) - int64(before)
	entries, cached := s.cache.(*match.MemoryCache).Size()
	t.Logf("2,000 requests in %s: heap %d MB -> %d MB; statuses %v; match cache %d entries, %d MB",
		time.Since(start).Round(time.Millisecond), before>>20, after>>20, statuses, entries, cached>>20)
	if cached > match.DefaultMemoryCacheBytes {
		t.Errorf("match cache holds %d MB, over its bound of %d MB", cached>>20, match.DefaultMemoryCacheBytes>>20)
	}
	if grew > 100<<20 {
		t.Errorf("heap grew by %d MB, want under 100 MB", grew>>20)
	}
	for kind, st := range statuses {
		for code := range st {
			if code >= 500 {
				t.Errorf("%s answered %d", kind, code)
			}
		}
	}
	runtime.KeepAlive(s)
}

// broadProfile is matched with 100 calls of the recorded portal: a full
// answer of about 550 KB, as in the hostile review.
func broadProfile() map[string]any {
	var domains []string
	for _, d := range funding.Domains {
		domains = append(domains, d.Slug)
	}
	return map[string]any{"name": "Broad SME", "email": "broad@example.be", "country": "BE", "size": "small",
		"description": "cybersecurity digital data artificial intelligence cloud network security research innovation health energy",
		"keywords": []string{"cybersecurity", "digital", "data", "artificial intelligence", "cloud", "research", "innovation",
			"security", "network", "energy", "health"},
		"domains": domains}
}

func toJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// doReq sends req through the app and decodes a JSON answer into out.
func doReq(t testing.TB, s *Server, req *http.Request, out any) int {
	t.Helper()
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s = %d: not JSON: %v", req.Method, req.URL, resp.StatusCode, err)
	}
	return resp.StatusCode
}
