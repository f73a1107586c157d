package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"callmatch/funding"
	"callmatch/match"
	"callmatch/search"
)

// Answers that do not change are not recomputed (issue 15): call pages and
// call JSON, search answers and anonymous search pages are kept, rendered,
// in byte-bounded in-process caches, and served with a strong ETag and
// Last-Modified, answering 304 to a request that already has them.
//
// What is kept is only ever the bytes of an answer that is the same for
// everyone who sends the same key: the JSON of the API (it knows no viewer)
// and the pages of anonymous visitors (no session: no name, no follow
// button, no CSRF token in the page). A signed-in visitor's page is
// rendered for each request, as before, with Cache-Control: no-store.
// Headers (cookies, Vary, the security headers) are never kept: the
// middleware sets them afresh for each request.
//
// A key names everything the bytes depend on:
//   - the index generation, which moves whenever a call changes (the call
//     itself, and the earlier rounds a call page shows) or a crawl changes
//     the index: a new generation is a new key, old entries age out;
//   - the language and the path with its query (the language links of a
//     page repeat the query);
//   - time: a call's answer is kept until the first instant its status or
//     one of its "in N days" can change (callValidUntil); a search until
//     the end of the minute, which is also in its key.

// Sizes of the caches and how long browsers may reuse an answer.
const (
	callCacheBytes   = 32 << 20 // call pages and call JSON
	searchCacheBytes = 16 << 20 // search answers (JSON) and anonymous search pages
	callMaxTTL       = time.Hour
	searchTTL        = 2 * time.Minute
	browserMaxAge    = 60 // seconds, Cache-Control max-age of a shared answer
)

// httpCaches are a server's caches of finished answers.
type httpCaches struct {
	calls  *answerCache
	search *answerCache
}

// answerCache is one of them, with its hits and misses counted.
type answerCache struct {
	*match.MemoryCache
	hits, misses prometheus.Counter
	flight       singleflight.Group
}

// responseCacheRequests counts the answers served from (hit) or kept in
// (miss) the response caches, by cache.
func responseCacheRequests() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callmatch_response_cache_requests_total",
		Help: "Call and search answers served from the response cache (hit) or rendered (miss).",
	}, []string{"cache", "result"})
}

func newHTTPCaches(callBytes, searchBytes int64, now func() time.Time, counts *prometheus.CounterVec) *httpCaches {
	mk := func(name string, size int64) *answerCache {
		// Expiry is reckoned on the clock pages are rendered with.
		return &answerCache{MemoryCache: match.NewMemoryCache(size).WithClock(now),
			hits: counts.WithLabelValues(name, "hit"), misses: counts.WithLabelValues(name, "miss")}
	}
	return &httpCaches{calls: mk("calls", callBytes), search: mk("search", searchBytes)}
}

// registerHTTPCaches makes the caches of a server, their counters in m.
func registerHTTPCaches(m *Metrics, now func() time.Time) (*httpCaches, error) {
	counts := responseCacheRequests()
	if err := m.registry.Register(counts); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		counts = are.ExistingCollector.(*prometheus.CounterVec) // several servers, one Metrics
	}
	return newHTTPCaches(callCacheBytes, searchCacheBytes, now, counts), nil
}

// cachedAnswer is one kept answer; it is stored encoded (see encode) in a
// MemoryCache and never changed once stored.
type cachedAnswer struct {
	etag        string // quoted, strong
	modified    time.Time
	expires     time.Time
	contentType string
	body        []byte
}

func (a *cachedAnswer) encode() []byte {
	out := make([]byte, 0, 16+2+len(a.etag)+len(a.contentType)+len(a.body))
	out = binary.BigEndian.AppendUint64(out, uint64(a.modified.Unix()))
	out = binary.BigEndian.AppendUint64(out, uint64(a.expires.UnixNano()))
	out = append(out, byte(len(a.etag)))
	out = append(out, a.etag...)
	out = append(out, byte(len(a.contentType)))
	out = append(out, a.contentType...)
	return append(out, a.body...)
}

func decodeAnswer(b []byte) (cachedAnswer, bool) {
	var a cachedAnswer
	if len(b) < 17 {
		return a, false
	}
	a.modified = time.Unix(int64(binary.BigEndian.Uint64(b)), 0).UTC()
	a.expires = time.Unix(0, int64(binary.BigEndian.Uint64(b[8:])))
	b = b[16:]
	n := int(b[0])
	if len(b) < 1+n+1 {
		return a, false
	}
	a.etag, b = string(b[1:1+n]), b[1+n:]
	n = int(b[0])
	if len(b) < 1+n {
		return a, false
	}
	a.contentType, a.body = string(b[1:1+n]), b[1+n:]
	return a, true
}

// answerPolicy says how a kept answer may be cached downstream.
type answerPolicy int

const (
	policyAPI  answerPolicy = iota // JSON, the same for everyone
	policyPage                     // an anonymous visitor's page
)

// cached serves the answer kept under key, or runs the handlers after this
// one and keeps what they answered (200 only) until the instant the handler
// gave with validUntil (none given: searchTTL from now).
func (s *Server) cached(c *fiber.Ctx, cache *answerCache, key string, policy answerPolicy) error {
	if raw, ok, _ := cache.Get(context.Background(), key); ok {
		if a, ok := decodeAnswer(raw); ok {
			cache.hits.Inc()
			return s.sendAnswer(c, &a, policy)
		}
	}
	if c.Method() != fiber.MethodGet {
		return c.Next() // HEAD: answered, not kept
	}
	// Requests that miss the same key together wait for the first one's
	// answer rather than each computing it (a new index generation, the
	// turn of the minute).
	var leaderErr error
	leader := false
	v, _, _ := cache.flight.Do(key, func() (any, error) {
		leader = true
		if leaderErr = c.Next(); leaderErr != nil {
			return nil, nil
		}
		a := s.keep(c, cache, key, policy)
		if a != nil {
			cache.misses.Inc()
		}
		return a, nil
	})
	a, _ := v.(*cachedAnswer)
	switch {
	case leader && leaderErr != nil:
		return leaderErr
	case leader && a == nil:
		return nil // answered as the handler did, not kept
	case a == nil:
		return c.Next() // the first request's answer was not kept: compute this one
	case !leader:
		cache.hits.Inc()
	}
	return s.sendAnswer(c, a, policy)
}

// keep stores the answer the handlers just gave, when it may be kept, and
// returns it; nil when it may not.
func (s *Server) keep(c *fiber.Ctx, cache *answerCache, key string, policy answerPolicy) *cachedAnswer {
	resp := c.Response()
	if resp.StatusCode() != fiber.StatusOK {
		return nil
	}
	now := s.cfg.Now()
	body := append([]byte(nil), resp.Body()...) // the response buffer is reused
	if policy == policyPage {
		// Never keep a page that carries a per-visitor secret: the pages
		// kept have no form token; if one ever does, it is not kept.
		if tok, _ := c.Locals(localCSRF).(string); tok != "" && bytes.Contains(body, []byte(tok)) {
			return nil
		}
	}
	expires, _ := c.Locals(localValidUntil).(time.Time)
	if expires.IsZero() {
		expires = now.Add(searchTTL)
	}
	if !expires.After(now) {
		return nil
	}
	sum := sha256.Sum256(body)
	a := &cachedAnswer{
		etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		modified:    now.Truncate(time.Second),
		expires:     expires,
		contentType: string(resp.Header.ContentType()),
		body:        body,
	}
	_ = cache.Set(context.Background(), key, a.encode(), expires.Sub(now))
	return a
}

// sendAnswer writes a kept answer, or 304 when the request already has it.
func (s *Server) sendAnswer(c *fiber.Ctx, a *cachedAnswer, policy answerPolicy) error {
	maxAge := int(a.expires.Sub(s.cfg.Now()) / time.Second)
	maxAge = max(0, min(maxAge, browserMaxAge))
	scope := "public"
	if policy == policyPage && setsCookie(c) {
		scope = "private" // this answer carries a cookie: no shared cache may keep it
	}
	c.Set(fiber.HeaderCacheControl, scope+", max-age="+strconv.Itoa(maxAge))
	c.Set(fiber.HeaderETag, a.etag)
	c.Set(fiber.HeaderLastModified, a.modified.Format(http.TimeFormat))
	if notModified(c, a) {
		c.Response().ResetBody()
		c.Response().Header.Del(fiber.HeaderContentType)
		c.Status(fiber.StatusNotModified)
		return nil
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	c.Status(fiber.StatusOK)
	c.Response().SetBodyRaw(a.body) // kept answers are never changed
	return nil
}

func setsCookie(c *fiber.Ctx) bool {
	found := false
	c.Response().Header.VisitAllCookie(func(_, _ []byte) { found = true })
	return found
}

// notModified applies If-None-Match (weak comparison, RFC 9110 13.1.2) and,
// only when it is absent, If-Modified-Since.
func notModified(c *fiber.Ctx, a *cachedAnswer) bool {
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead {
		return false
	}
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == a.etag {
				return true
			}
		}
		return false
	}
	if ims := c.Get(fiber.HeaderIfModifiedSince); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !a.modified.After(t)
	}
	return false
}

// localValidUntil is the instant until which a handler's answer may be
// kept (a time.Time in c.Locals; unset: the cache's default).
const localValidUntil localKey = 100

// validUntil tells the response cache how long this answer stays true.
func validUntil(c *fiber.Ctx, t time.Time) { c.Locals(localValidUntil, t) }

// callValidUntil is the last instant at which what a call's page and JSON
// say about time (its status, "in N days", "N days ago") is still what it
// says at now; capped at callMaxTTL.
func callValidUntil(call *funding.Call, now time.Time) time.Time {
	until := now.Add(callMaxTTL)
	const day = 24 * time.Hour
	for _, d := range call.Deadlines {
		var next time.Time
		if !d.Before(now) {
			k := d.Sub(now) / day // whole days left: the same until d - k days
			next = d.Add(-k * day)
		} else {
			k := now.Sub(d) / day // whole days ago: k+1 from d + (k+1) days
			next = d.Add((k+1)*day - time.Nanosecond)
		}
		if next.Before(until) {
			until = next
		}
	}
	if o := call.OpeningDate; o != nil && o.After(now) && o.Add(-time.Nanosecond).Before(until) {
		until = o.Add(-time.Nanosecond)
	}
	return until
}

// anonymous reports whether the page is for nobody in particular.
func (s *Server) anonymous(c *fiber.Ctx) bool { return s.currentSession(c) == nil }

// cacheCallPage keeps the anonymous call pages (before showCallPage). Only a
// page asked with no query but ?lang= is kept: other parameters (a flash
// message) show on the page.
func (s *Server) cacheCallPage(c *fiber.Ctx) error {
	if !s.anonymous(c) {
		return c.Next()
	}
	only := true
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if string(k) != "lang" {
			only = false
		}
	})
	if !only {
		return c.Next()
	}
	key := "page|" + strconv.FormatInt(s.gen(), 10) + "|" + s.lang(c) + "|" + c.Path()
	return s.cached(c, s.http.calls, key, policyPage)
}

// cacheCallJSON keeps GET /api/v1/calls/{id} (before getCall).
func (s *Server) cacheCallJSON(c *fiber.Ctx) error {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil || !validCallID(id) {
		return c.Next()
	}
	key := "json|" + strconv.FormatInt(s.gen(), 10) + "|" + id
	return s.cached(c, s.http.calls, key, policyAPI)
}

// cacheSearchJSON keeps the answers of GET /api/v1/calls (before
// listCalls), per normalized query and filters: two requests that ask the
// same search (parameters in another order, list values in another order
// or repeated, spaces) share one answer.
func (s *Server) cacheSearchJSON(c *fiber.Ctx) error {
	q, err := s.parseSearchQuery(c)
	if err != nil {
		return c.Next() // the handler says what is wrong
	}
	now := s.cfg.Now()
	validUntil(c, searchValidUntil(now))
	key := "api|" + strconv.FormatInt(s.gen(), 10) + "|" + now.UTC().Format("200601021504") + "|" + searchKey(q)
	return s.cached(c, s.http.search, key, policyAPI)
}

// cacheSearchPage keeps the anonymous search pages (before showSearchPage),
// per language and query as sent (the page repeats the form as typed).
func (s *Server) cacheSearchPage(c *fiber.Ctx) error {
	if !s.anonymous(c) {
		return c.Next()
	}
	v := url.Values{}
	flash := false
	c.Context().QueryArgs().VisitAll(func(k, val []byte) {
		switch key := string(k); key {
		case "lang":
		case "done":
			flash = true
		default:
			v.Add(key, string(val))
		}
	})
	if flash {
		return c.Next()
	}
	now := s.cfg.Now()
	validUntil(c, searchValidUntil(now))
	key := "page|" + strconv.FormatInt(s.gen(), 10) + "|" + now.UTC().Format("200601021504") + "|" + s.lang(c) + "|" + v.Encode()
	return s.cached(c, s.http.search, key, policyPage)
}

// searchValidUntil: a search answer depends on the time (statuses, "open
// now", "in N days"); it is kept to the end of the current minute.
func searchValidUntil(now time.Time) time.Time {
	return now.Truncate(time.Minute).Add(time.Minute - time.Nanosecond)
}

// searchKey is the normalized search: words as the index reads them
// (spaces collapsed), list filters sorted and without repeats, every other
// field of the query as parsed. Now is left out (the caller keys on the minute).
func searchKey(q search.Query) string {
	list := func(l []string) string {
		l = slices.Clone(l)
		slices.Sort(l)
		return strings.Join(slices.Compact(l), ",")
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixNano(), 36)
	}
	var b strings.Builder
	for _, f := range []string{
		strings.Join(strings.Fields(q.Text), " "),
		list(q.Programmes), list(q.Statuses), list(q.Kinds), list(q.TypesOfAction),
		day(q.DeadlineFrom), day(q.DeadlineTo),
		strconv.FormatInt(q.BudgetMin, 10), strconv.FormatInt(q.BudgetMax, 10),
		strconv.FormatBool(q.OpenNow), q.Sort, strconv.Itoa(q.Page), strconv.Itoa(q.Size), strconv.FormatBool(q.NoHighlights),
		strconv.Itoa(q.DeadlineWithin),
	} {
		b.WriteString(strconv.Quote(f))
	}
	return b.String()
}
