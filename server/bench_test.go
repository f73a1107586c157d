package server

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"callmatch/store/storetest"
)

// BenchmarkCachedMatchesHTTP measures GET /api/v1/profiles/{id}/matches over
// real HTTP on loopback once the answer is cached, and reports p50 and p99:
//   - in-process: the answer comes from the process's own copy (what a
//     repeated request meets, whether or not Redis is configured);
//   - redis: the in-process copy is off, so every request reads the answer
//     from a real redis-server on loopback (what another instance, or the
//     first request after a restart, meets).
func BenchmarkCachedMatchesHTTP(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		benchCachedMatches(b, newTestServer(b, nil))
	})
	b.Run("redis", func(b *testing.B) {
		addr, _ := storetest.RedisServer(b)
		s := newTestServer(b, redisCacheAt(b, addr))
		s.answers = noCache{}
		s.matches = s.newMatcher()
		benchCachedMatches(b, s)
	})
}

func benchCachedMatches(b *testing.B, s *Server) {
	p := createProfile(b, s, belgianSOC())
	base := listen(b, s)
	url := base + "/api/v1/profiles/" + p.ID + "/matches"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func() time.Duration {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+p.Token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	get() // compute and cache
	misses := counterValue(s.metrics.cacheMisses)
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			mine = append(mine, get())
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if n := counterValue(s.metrics.cacheMisses) - misses; n > 0 {
		b.Fatalf("%v cache misses: the benchmark must measure cached answers", n)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// noCache holds nothing.
type noCache struct{}

func (noCache) Get(context.Context, string) ([]byte, bool, error)        { return nil, false, nil }
func (noCache) Set(context.Context, string, []byte, time.Duration) error { return nil }
func (noCache) Ping(context.Context) error                               { return nil }
func (noCache) Name() string                                             { return "none" }
func (noCache) Close() error                                             { return nil }

// counterValue reads a Prometheus counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
