package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingLimiter remembers the longest key it was given.
type recordingLimiter struct {
	RateLimiter
	mu      sync.Mutex
	longest int
}

func (r *recordingLimiter) Allow(ctx context.Context, key string, limit int, per time.Duration) (bool, time.Duration, error) {
	r.mu.Lock()
	r.longest = max(r.longest, len(key))
	r.mu.Unlock()
	return r.RateLimiter.Allow(ctx, key, limit, per)
}

// TestLimiterKeysAreBounded sends the fields that become limiter keys at
// their worst: whatever their size, a key is a few bytes.
func TestLimiterKeysAreBounded(t *testing.T) {
	s, _ := pageServer(t)
	rec := &recordingLimiter{RateLimiter: NewMemoryLimiter(nil)}
	s.limiter = rec
	b := newClient(t, s)
	huge := strings.Repeat("a", 200_000) + "@ncc.example.be"
	b.get("/staff/login")
	if a := b.post("/staff/login", url.Values{"email": {huge}, "password": {"x"}}); a.code != http.StatusUnauthorized {
		t.Errorf("login with a 200 KB address = %d, want 401", a.code)
	}
	b.get("/staff/login")
	b.post("/staff/login", url.Values{"email": {"anna@ncc.example.be"}, "password": {strings.Repeat("p", 100_000)}})
	b.get("/signin")
	b.post("/signin", url.Values{"email": {huge}})
	if rec.longest == 0 || rec.longest > 64 {
		t.Errorf("longest limiter key = %d bytes, want at most 64", rec.longest)
	}
}

// TestLimitKeyNormalizes: the same address however written is one key.
func TestLimitKeyNormalizes(t *testing.T) {
	a, b := limitKey("login-email:Anna@NCC.example.be "), limitKey("login-email:anna@ncc.example.be")
	if a != b {
		t.Errorf("limitKey differs by case and spaces: %q, %q", a, b)
	}
	if !strings.HasPrefix(a, "login-email:") || len(a) > 64 {
		t.Errorf("limitKey = %q, want the kind and a short hash", a)
	}
}

// TestMemoryLimiterIsBounded floods a small limiter with new keys: it holds
// no more than its bound, the flood shares one counter, and the keys known
// before keep their counts (a flood cannot reset a limit).
func TestMemoryLimiterIsBounded(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryLimiter(func() time.Time { return testNow })
	m.maxKeys = 100
	for range 3 {
		m.Allow(ctx, "login-ip:victim", 3, time.Hour)
	}
	allowed := 0
	for i := range 1000 {
		if ok, _, _ := m.Allow(ctx, fmt.Sprintf("login-ip:%d", i), 3, time.Hour); ok {
			allowed++
		}
	}
	if n := m.Len(); n > 101 {
		t.Errorf("limiter holds %d keys, want at most 100 and the overflow", n)
	}
	if allowed > 99+3 {
		t.Errorf("%d of 1000 new keys allowed, want the ones that fit and 3 for the shared overflow", allowed)
	}
	if ok, _, _ := m.Allow(ctx, "login-ip:victim", 3, time.Hour); ok {
		t.Error("a key known before the flood lost its count")
	}
}

// TestStaffLockout: wrong passwords for an address from one client lock
// that client out, not the real person: a right password from another
// address opens, after a delay; a wrong one there is a plain failure.
func TestStaffLockout(t *testing.T) {
	const slow = 300 * time.Millisecond
	s, _ := pageServer(t, func(c *Config) {
		c.TrustedProxies = []string{"0.0.0.0"}                                                         // app.Test's peer: X-Forwarded-For says who the client is
		c.Limits.LoginPerIP, c.Limits.LoginPerEmailIP, c.Limits.LoginPerEmail = Rate{}, Rate{}, Rate{} // the defaults
		c.LoginSlowdown = slow
	})
	addStaff(t, s, "lockout@ncc.example.be", "the right password")
	attacker := newClient(t, s)
	attacker.header.Set("X-Forwarded-For", "203.0.113.66")
	for i := range 8 {
		attacker.get("/staff/login")
		if a := attacker.post("/staff/login", url.Values{"email": {"lockout@ncc.example.be"}, "password": {"guess"}}); a.code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d = %d, want 401", i+1, a.code)
		}
	}
	attacker.get("/staff/login")
	if a := attacker.post("/staff/login", url.Values{"email": {"lockout@ncc.example.be"}, "password": {"guess"}}); a.code != http.StatusTooManyRequests {
		t.Errorf("9th wrong password from the same client = %d, want 429", a.code)
	}
	// The attacker's IPv6 /64 neighbours are the attacker too.
	v6 := newClient(t, s)
	for i := range 21 {
		v6.header.Set("X-Forwarded-For", fmt.Sprintf("2001:db8:66:1::%x", i+1))
		v6.get("/staff/login")
		a := v6.post("/staff/login", url.Values{"email": {fmt.Sprintf("x%d@ncc.example.be", i)}, "password": {"guess"}})
		if i == 20 && a.code != http.StatusTooManyRequests {
			t.Errorf("21st attempt from one /64 = %d, want 429", a.code)
		}
	}

	owner := newClient(t, s)
	owner.header.Set("X-Forwarded-For", "198.51.100.7")
	owner.get("/staff/login")
	if a := owner.post("/staff/login", url.Values{"email": {"lockout@ncc.example.be"}, "password": {"typo"}}); a.code != http.StatusUnauthorized {
		t.Errorf("the owner's typo from another address = %d, want 401, not locked out", a.code)
	}
	owner.get("/staff/login")
	start := time.Now()
	a := owner.post("/staff/login", url.Values{"email": {"Lockout@ncc.example.be"}, "password": {"the right password"}})
	took := time.Since(start)
	if a.code != http.StatusSeeOther || a.header.Get("Location") != "/staff" {
		t.Fatalf("the right password from another address = %d to %q, want 303 to /staff", a.code, a.header.Get("Location"))
	}
	if took < slow {
		t.Errorf("login under attack took %s, want the slowdown of %s", took, slow)
	}
}
