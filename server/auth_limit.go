package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// RateLimiter counts attempts per key in fixed windows. The in-process
// MemoryLimiter serves one instance; a shared one (Redis) can take its place
// behind this interface when several instances serve the same users.
type RateLimiter interface {
	// Allow records one attempt under key and reports whether it is within
	// limit attempts per window; when not, retry says when to come back.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retry time.Duration, err error)
	// Refund takes back the last attempt counted under key: for limits that
	// count what succeeded (profiles created), not what was tried.
	Refund(ctx context.Context, key string) error
}

// Rate is a limit: N attempts per Per.
type Rate struct {
	N   int
	Per time.Duration
}

// RateLimits are the limits of the sensitive forms. Zero values get defaults.
type RateLimits struct {
	RegisterPerIP   Rate // profile registrations (pages and API)
	SignInPerIP     Rate // magic-link requests
	SignInPerEmail  Rate
	LoginPerIP      Rate // staff password logins, per address (IPv6: per /64)
	LoginPerEmailIP Rate // staff password logins per staff e-mail address and client address
	// LoginPerEmail counts the logins of a staff e-mail address from
	// anywhere: past it, attempts are slowed down (Config.LoginSlowdown),
	// never refused, so that strangers cannot lock the real person out.
	LoginPerEmail   Rate
	TokenUsePerIP   Rate // magic-link and confirmation-link uses
	CurationsPerKey Rate // staff API writes
	// Profile edits saved per profile (API PUT and the edit page): each
	// makes a new version, with its own cached matches.
	EditsPerProfile Rate
	// Digest subscriptions (pages and API): requests accepted per address
	// of the requester, and confirmation e-mails per subscriber address, so
	// that nobody can flood a mailbox with confirmation requests.
	SubscribePerIP    Rate
	SubscribePerEmail Rate
	// Registrations per address of the profile (pages and API, staff
	// too): each one mails a confirmation link there.
	RegisterPerEmail Rate
}

func (r *RateLimits) defaults() {
	def := func(x *Rate, n int, per time.Duration) {
		if x.N <= 0 || x.Per <= 0 {
			*x = Rate{n, per}
		}
	}
	def(&r.RegisterPerIP, 10, time.Hour)
	def(&r.SignInPerIP, 20, time.Hour)
	def(&r.SignInPerEmail, 5, time.Hour)
	def(&r.LoginPerIP, 20, 15*time.Minute)
	def(&r.LoginPerEmailIP, 8, 15*time.Minute)
	def(&r.LoginPerEmail, 8, 15*time.Minute)
	def(&r.TokenUsePerIP, 30, 15*time.Minute)
	def(&r.CurationsPerKey, 300, time.Hour)
	def(&r.EditsPerProfile, 30, time.Hour)
	def(&r.SubscribePerIP, 20, time.Hour)
	def(&r.SubscribePerEmail, 5, 24*time.Hour)
	def(&r.RegisterPerEmail, 3, 24*time.Hour)
}

// MemoryLimiter is a RateLimiter in process memory. It holds at most
// maxKeys counters: past that, a new key is counted with every other new key
// of its kind (kind:overflow) until windows end, so that a flood of keys
// costs bounded memory and limits itself, and never resets the counters of
// the keys already known.
type MemoryLimiter struct {
	mu      sync.Mutex
	now     func() time.Time
	windows map[string]*window
	calls   int
	maxKeys int
	swept   time.Time
}

// defaultLimiterKeys bounds a MemoryLimiter: about 150 bytes a key (keys
// are hashed to a fixed size by the server), some 15 MB at most.
const defaultLimiterKeys = 100_000

type window struct {
	start time.Time
	per   time.Duration
	n     int
}

// NewMemoryLimiter returns an empty limiter; now is the clock (nil: time.Now).
func NewMemoryLimiter(now func() time.Time) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{now: now, windows: map[string]*window{}, maxKeys: defaultLimiterKeys}
}

// Allow implements RateLimiter.
func (m *MemoryLimiter) Allow(_ context.Context, key string, limit int, per time.Duration) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.calls++; m.calls%1024 == 0 {
		m.sweep(now)
	}
	w := m.windows[key]
	if w == nil && len(m.windows) >= m.maxKeys {
		if now.Sub(m.swept) >= time.Second { // a full sweep at most every second
			m.sweep(now)
		}
		if len(m.windows) >= m.maxKeys {
			key = overflowKey(key)
			w = m.windows[key]
		}
	}
	if w == nil || now.Sub(w.start) >= per {
		w = &window{start: now, per: per}
		m.windows[key] = w
	}
	if w.n >= limit {
		return false, w.start.Add(per).Sub(now), nil
	}
	w.n++
	return true, 0, nil
}

// sweep forgets the windows that ended.
func (m *MemoryLimiter) sweep(now time.Time) {
	m.swept = now
	for k, w := range m.windows {
		if now.Sub(w.start) >= w.per {
			delete(m.windows, k)
		}
	}
}

// Len is the number of counters held.
func (m *MemoryLimiter) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.windows)
}

// Refund implements RateLimiter.
func (m *MemoryLimiter) Refund(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w := m.windows[key]; w != nil && w.n > 0 {
		w.n--
	}
	return nil
}

// overflowKey is the counter that new keys of key's kind share once a
// limiter is full.
func overflowKey(key string) string { return keyKind(key) + ":overflow" }

// limitKey is the form a key is counted under: its kind, then a hash of the
// rest lower-cased and trimmed. Whatever a client sends (a megabyte of
// "e-mail address"), a counter costs the same few bytes, here and in Redis.
func limitKey(key string) string {
	kind, rest, _ := strings.Cut(key, ":")
	if len(kind) > 32 {
		kind = kind[:32]
	}
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(rest))))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(sum[:16])
}

// allow checks one limit; a limiter that fails lets the request through
// (it is logged): a broken limiter must not lock everyone out.
func (s *Server) allow(c *fiber.Ctx, key string, r Rate) (bool, time.Duration) {
	ok, retry, err := s.limiter.Allow(c.UserContext(), limitKey(key), r.N, r.Per)
	if err != nil {
		s.logger.Warn("Rate limiter failed; request allowed", slog.String("key_kind", keyKind(key)), slog.Any("error", err))
		return true, 0
	}
	return ok, retry
}

func keyKind(key string) string {
	for i := range len(key) {
		if key[i] == ':' {
			return key[:i]
		}
	}
	return key
}

// tooMany answers 429 with Retry-After, as a page or as JSON.
func (s *Server) tooMany(c *fiber.Ctx, retry time.Duration) error {
	secs := int(retry/time.Second) + 1
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	if !isPagePath(c.Path()) {
		return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{"error": "too many attempts; try again later"})
	}
	return s.renderError(c, fiber.StatusTooManyRequests, s.tr(c, "error.429"))
}

// limitRegistration guards profile creation, on the page and in the API:
// it counts the profiles an address created, so a form sent back for a
// typo costs nothing.
func (s *Server) limitRegistration(c *fiber.Ctx) error {
	return s.limitAccepted(c, "register:"+s.clientIP(c), s.cfg.Limits.RegisterPerIP)
}

// limitSubscriptions guards digest subscription requests, on the page and
// in the API, as limitRegistration guards registrations.
func (s *Server) limitSubscriptions(c *fiber.Ctx) error {
	return s.limitAccepted(c, "subscribe:"+s.clientIP(c), s.cfg.Limits.SubscribePerIP)
}

// limitAccepted runs the rest of the chain within limit r under key,
// counting only the requests that succeed: one refused (an error, a status
// of 400 or more) is refunded.
func (s *Server) limitAccepted(c *fiber.Ctx, key string, r Rate) error {
	if ok, retry := s.allow(c, key, r); !ok {
		return s.tooMany(c, retry)
	}
	err := c.Next()
	if st := c.Response().StatusCode(); err != nil || st >= 400 {
		s.refund(c, key)
	}
	return err
}

// refund takes back an attempt counted by allow under key.
func (s *Server) refund(c *fiber.Ctx, key string) {
	if err := s.limiter.Refund(c.UserContext(), limitKey(key)); err != nil {
		s.logger.Warn("Rate limiter refund failed", slog.Any("error", err))
	}
}
