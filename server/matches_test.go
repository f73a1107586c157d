package server

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"callmatch/match"
)

// TestOneAnswerPerVersionWhateverTheLimit asks for every limit: the cache
// holds one answer (and one match list), and each answer is cut right.
func TestOneAnswerPerVersionWhateverTheLimit(t *testing.T) {
	shared := match.NewMemoryCache(0)
	s := newTestServer(t, shared)
	p := createProfile(t, s, belgianSOC())
	var all matchesAnswer
	if code := do(t, s, "GET", "/api/v1/profiles/"+p.ID+"/matches?limit=100", p.Token, nil, &all); code != http.StatusOK || all.Cached {
		t.Fatalf("first matches = %d cached %v, want 200 uncached", code, all.Cached)
	}
	if len(all.Matches) < 10 {
		t.Fatalf("%d matches, want at least 10 for this test", len(all.Matches))
	}
	for limit := 1; limit <= 100; limit++ {
		var a matchesAnswer
		if code := do(t, s, "GET", fmt.Sprintf("/api/v1/profiles/%s/matches?limit=%d", p.ID, limit), p.Token, nil, &a); code != http.StatusOK {
			t.Fatalf("limit=%d: %d", limit, code)
		}
		if want := min(limit, len(all.Matches)); len(a.Matches) != want || !a.Cached || a.Matches[want-1].CallID != all.Matches[want-1].CallID {
			t.Fatalf("limit=%d: %d matches (cached %v), want the first %d, cached", limit, len(a.Matches), a.Cached, want)
		}
	}
	if n, _ := s.answers.(*match.MemoryCache).Size(); n != 1 {
		t.Errorf("answers kept in process: %d, want 1 for one profile version", n)
	}
	if n, _ := shared.Size(); n != 2 {
		t.Errorf("entries in the shared cache: %d, want 2 (the match list and the answer)", n)
	}
}

// TestProfileEditsAreLimited: each edit makes a version with its own cached
// matches, so edits are limited per profile; refused edits do not count,
// and other clients' requests do not spend the owner's edits.
func TestProfileEditsAreLimited(t *testing.T) {
	s, _ := pageServer(t, func(c *Config) { c.Limits.EditsPerProfile = Rate{N: 3, Per: time.Hour} })
	p := createProfile(t, s, belgianSOC())
	other := createProfile(t, s, belgianSOC())
	for range 5 {
		do(t, s, "PUT", "/api/v1/profiles/"+p.ID, "", belgianSOC(), nil)          // no token
		do(t, s, "PUT", "/api/v1/profiles/"+p.ID, other.Token, belgianSOC(), nil) // someone else's
		do(t, s, "PUT", "/api/v1/profiles/"+p.ID, p.Token, `{"name":1}`, nil)     // refused
	}
	for i := range 3 {
		if code := do(t, s, "PUT", "/api/v1/profiles/"+p.ID, p.Token, belgianSOC(), nil); code != http.StatusOK {
			t.Fatalf("edit %d = %d, want 200", i+1, code)
		}
	}
	if code := do(t, s, "PUT", "/api/v1/profiles/"+p.ID, p.Token, belgianSOC(), nil); code != http.StatusTooManyRequests {
		t.Errorf("4th edit in the hour = %d, want 429", code)
	}
	if code := do(t, s, "PUT", "/api/v1/profiles/"+other.ID, other.Token, belgianSOC(), nil); code != http.StatusOK {
		t.Errorf("another profile's edit = %d, want 200", code)
	}
}
