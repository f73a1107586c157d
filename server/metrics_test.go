package server

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsScrapeAfterMixedTraffic sends many methods to many paths at
// once, over real HTTP (fasthttp reuses its buffers between requests),
// then scrapes /metrics: it must answer 200, parse, and name only real
// methods.
func TestMetricsScrapeAfterMixedTraffic(t *testing.T) {
	s, _ := pageServer(t)
	base := listen(t, s)
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"}
	paths := []string{"/", "/healthz", "/readyz", "/api/v1/calls?q=soc", "/api/v1/calls/X", "/api/v1/profiles/abc",
		"/api/v1/profiles/abc/matches", "/profiles/new", "/staff/login", "/signin", "/nothing/here", "/static/none.css",
		"/calls/HORIZON-CL3-2027-02-CS-ECCC-01", "/api/v1/profiles"}
	client := &http.Client{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				m := methods[(i+w)%len(methods)]
				p := paths[(i*7+w)%len(paths)]
				req, err := http.NewRequest(m, base+p, strings.NewReader("x=1"))
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("%s %s: %v", m, p, err)
					return
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	for range 2 { // twice: the first scrape's own series must not break the second
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics = %d, want 200: %s", resp.StatusCode, truncate(string(raw)))
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatalf("parse /metrics: %v", err)
		}
		fam := families["callmatch_http_requests_total"]
		if fam == nil {
			t.Fatal("no callmatch_http_requests_total series")
		}
		known := map[string]bool{"other": true}
		for _, m := range methods {
			known[m] = true
		}
		seen := map[string]bool{}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if !known[labels["method"]] {
				t.Errorf("series with method %q: not a method", labels["method"])
			}
			key := fmt.Sprint(labels)
			if seen[key] {
				t.Errorf("duplicate series %s", key)
			}
			seen[key] = true
		}
	}
}
