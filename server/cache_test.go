package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"callmatch/cluster"
	"callmatch/funding"
	"callmatch/match"
	"callmatch/store/storetest"
)

// redisCacheAt is the shared cache of the instances, as serve builds it.
func redisCacheAt(t testing.TB, addr string) match.Cache {
	t.Helper()
	cl, err := cluster.Open("redis://"+addr+"/0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl.Cache()
}

func getMatches(t *testing.T, s *Server, p created) matchesAnswer {
	t.Helper()
	var a matchesAnswer
	if code := do(t, s, "GET", "/api/v1/profiles/"+p.ID+"/matches", p.Token, nil, &a); code != 200 {
		t.Fatalf("matches = %d %s, want 200", code, a.Error)
	}
	return a
}

func TestRedisCacheHitMissAndInvalidation(t *testing.T) {
	addr, _ := storetest.RedisServer(t)
	s := newTestServer(t, redisCacheAt(t, addr))
	p := createProfile(t, s, belgianSOC())

	if a := getMatches(t, s, p); a.Cached {
		t.Error("first request: cached = true, want a miss")
	}
	second := getMatches(t, s, p)
	if !second.Cached {
		t.Error("second request: cached = false, want a hit")
	}
	if len(second.Matches) == 0 {
		t.Fatal("no matches")
	}

	t.Run("profile edit", func(t *testing.T) {
		edit := belgianSOC()
		edit["keywords"] = []string{"SOC", "MISP"}
		if code := do(t, s, "PUT", "/api/v1/profiles/"+p.ID, p.Token, edit, nil); code != 200 {
			t.Fatalf("PUT = %d", code)
		}
		if a := getMatches(t, s, p); a.Cached {
			t.Error("after a profile edit: cached = true, want the new version computed")
		}
		if a := getMatches(t, s, p); !a.Cached {
			t.Error("after a profile edit, second request: cached = false")
		}
	})

	t.Run("index change", func(t *testing.T) {
		// Reindexing one call, as a crawl that changed it would, bumps the generation.
		f := sharedFixture(t)
		call, err := f.store.Call(context.Background(), second.Matches[0].CallID)
		if err != nil {
			t.Fatal(err)
		}
		before := f.index.Generation()
		if err := f.index.Upsert(context.Background(), []funding.Call{*call}); err != nil {
			t.Fatal(err)
		}
		if f.index.Generation() == before {
			t.Fatal("index generation did not move on upsert")
		}
		if a := getMatches(t, s, p); a.Cached {
			t.Error("after an index change: cached = true, want recomputed")
		}
	})
}

func TestStoppedRedisServesUncached(t *testing.T) {
	addr, stop := storetest.RedisServer(t)
	s := newTestServer(t, redisCacheAt(t, addr))
	p := createProfile(t, s, belgianSOC())
	getMatches(t, s, p)
	stop()
	// A profile whose answer no cache holds: computed, uncached, 200; then
	// served from this process's copy while Redis stays down.
	other := createProfile(t, s, belgianSOC())
	if a := getMatches(t, s, other); a.Cached || len(a.Matches) == 0 {
		t.Errorf("with Redis stopped: cached=%v, %d matches; want an uncached answer", a.Cached, len(a.Matches))
	}
	for i := 0; i < 2; i++ {
		if a := getMatches(t, s, other); len(a.Matches) == 0 {
			t.Errorf("with Redis stopped, request %d got no matches", i+2)
		}
	}
	// The answer computed before still comes from this process's copy.
	if a := getMatches(t, s, p); len(a.Matches) == 0 {
		t.Error("with Redis stopped, the earlier profile got no matches")
	}
	var ready struct {
		Status       string
		Dependencies map[string]dependency
	}
	do(t, s, "GET", "/readyz", "", nil, &ready)
	if ready.Dependencies["cache"].Status != "degraded" {
		t.Errorf("readyz cache = %+v, want degraded", ready.Dependencies["cache"])
	}
	if ready.Dependencies["store"].Status != "ok" || ready.Dependencies["index"].Status != "ok" {
		t.Errorf("readyz = %+v", ready)
	}
}

// hungRedis accepts connections and never answers.
func hungRedis(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestHungRedisStaysFast(t *testing.T) {
	s := newTestServer(t, redisCacheAt(t, hungRedis(t)))
	s.answers = noCache{} // no copy in process: every request asks Redis
	s.matches = s.newMatcher()
	p := createProfile(t, s, belgianSOC())
	getMatches(t, s, p) // warm the index's own caches
	start := time.Now()
	const n = 5
	for i := 1; i <= n; i++ {
		var a matchesAnswer
		if code := do(t, s, "GET", fmt.Sprintf("/api/v1/profiles/%s/matches?limit=%d", p.ID, i), p.Token, nil, &a); code != 200 || a.Cached || len(a.Matches) == 0 {
			t.Errorf("hung Redis: %d, cached=%v, %d matches", code, a.Cached, len(a.Matches))
		}
	}
	// go-redis's defaults would wait 5 s per call here; the tuned client
	// gives up within a few hundred milliseconds. The bound is loose on purpose.
	if per := time.Since(start) / n; per > 2*time.Second {
		t.Errorf("hung Redis: %v per request, want well under 2 s", per)
	}
}

func TestMemoryCacheWithoutRedis(t *testing.T) {
	s := newTestServer(t, nil)
	p := createProfile(t, s, belgianSOC())
	if a := getMatches(t, s, p); a.Cached {
		t.Error("first: cached")
	}
	if a := getMatches(t, s, p); !a.Cached {
		t.Error("second: not cached")
	}
	var ready struct{ Dependencies map[string]dependency }
	do(t, s, "GET", "/readyz", "", nil, &ready)
	if c := ready.Dependencies["cache"]; c.Status != "ok" || c.Detail == "" {
		t.Errorf("readyz cache = %+v, want ok with a note that it is in-process", c)
	}
}
