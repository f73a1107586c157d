// Package server is callmatch's Fiber app: the JSON API under /api/v1, the
// HTML pages, health and metrics, and the Redis match cache (the match lists
// themselves are package match's).
package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"callmatch/digest"
	"callmatch/match"
	"callmatch/search"
	"callmatch/store"
	"callmatch/ui"
)

// Config holds the server's settings; zero values get defaults in New.
type Config struct {
	BaseURL           string
	MinDaysToDeadline int           // matches drop calls closing sooner (default 14)
	MatchTTL          time.Duration // cache lifetime of a match list (default 15 min, +0-10% jitter)
	RequestTimeout    time.Duration // budget of a request's I/O (default 10 s)
	BodyLimit         int           // bytes (default 1 MiB)
	Now               func() time.Time
	SecretKey         string     // signs CSRF and calendar tokens; empty: a random key kept in the store
	MailFrom          string     // From of sign-in e-mails (default "callmatch <noreply@BASE_URL host>")
	Limits            RateLimits // rate limits of the sensitive forms (defaults in RateLimits)
	// LoginSlowdown is how long a staff login waits once its address had
	// more than Limits.LoginPerEmail attempts from anywhere (default 1 s).
	LoginSlowdown time.Duration
	// UnsubscribeKey checks the List-Unsubscribe links of the digests
	// (digest.VerifyUnsubscribeToken): the key the digest runner signs them
	// with, which main derives from the secret for both. Empty: every
	// unsubscribe link is refused (404).
	UnsubscribeKey string
	// TrustedProxies are the IP addresses and CIDR ranges of the reverse
	// proxies in front of the server (ParseTrustedProxies): only their
	// X-Forwarded-For and X-Forwarded-Proto are believed. Empty: none.
	TrustedProxies []string
}

// Server wires the HTTP layer to the store, the index and the cache.
type Server struct {
	app     *fiber.App
	cfg     Config
	store   *store.Store
	index   *search.Index
	cache   match.Cache // the match cache, for /readyz
	answers match.Cache // finished match answers, in process, in front of the shared cache
	matches *match.Matcher
	metrics *Metrics
	views   *ui.Engine
	health  *cacheHealth
	logger  *slog.Logger
	readyFn func() error // extra readiness condition (e.g. the first crawl is done)
	gen     func() int64 // names the index content in cache keys
	keys    keys
	limiter RateLimiter
	mailer  digest.Mailer
	unsub   []byte         // Config.UnsubscribeKey
	bg      sync.WaitGroup // e-mails being sent after their request answered
	proxies trustedProxies

	http *httpCaches // finished call and search answers (httpcache.go)
}

// Deps are the parts the server works with. Cache and Metrics may be nil
// (an in-process cache, fresh metrics); Ready, when set, is consulted by /readyz.
type Deps struct {
	Store   *store.Store
	Index   *search.Index
	Cache   match.Cache
	Metrics *Metrics
	Logger  *slog.Logger
	Ready   func() error
	Mailer  digest.Mailer // sign-in links and subscription confirmations; nil: logged as not sent
	Limiter RateLimiter   // nil: an in-process limiter
	// Generation names the content of the index for cache keys; default the
	// index's own counter. Several instances pass the store generation their
	// index is synced to, so they share cache entries.
	Generation func() int64
}

// New builds the app.
func New(cfg Config, d Deps) (*Server, error) {
	if cfg.MinDaysToDeadline <= 0 {
		cfg.MinDaysToDeadline = 14
	}
	if cfg.MatchTTL <= 0 {
		cfg.MatchTTL = 15 * time.Minute
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LoginSlowdown <= 0 {
		cfg.LoginSlowdown = time.Second
	}
	if d.Cache == nil {
		d.Cache = match.NewMemoryCache(0)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if err := d.Metrics.registerOnce(newCrawlCollector(d.Store.LastFinishedCrawlRun)); err != nil {
		return nil, err
	}
	if d.Generation == nil {
		d.Generation = d.Index.Generation
	}
	views, err := ui.New()
	if err != nil {
		return nil, err
	}
	cfg.Limits.defaults()
	if d.Limiter == nil {
		d.Limiter = NewMemoryLimiter(cfg.Now)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	secret, err := LoadSecret(ctx, d.Store, cfg.SecretKey)
	cancel()
	if err != nil {
		return nil, err
	}
	httpCaches, err := registerHTTPCaches(d.Metrics, cfg.Now)
	if err != nil {
		return nil, err
	}
	proxies, err := newTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{
		http:    httpCaches,
		proxies: proxies,
		views:   views,
		cfg:     cfg,
		store:   d.Store,
		index:   d.Index,
		cache:   d.Cache,
		metrics: d.Metrics,
		health:  &cacheHealth{logger: d.Logger, errors: d.Metrics.cacheErrors},
		logger:  d.Logger,
		readyFn: d.Ready,
		gen:     d.Generation,
		answers: match.NewMemoryCache(match.AnswersBytes),
		keys:    deriveKeys(secret),
		limiter: d.Limiter,
		mailer:  d.Mailer,
		unsub:   []byte(cfg.UnsubscribeKey),
	}
	s.matches = s.newMatcher()
	if len(s.unsub) == 0 {
		s.logger.Warn("No unsubscribe key configured: the unsubscribe links of digests will be refused")
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "callmatch",
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		WriteBufferSize:       32 << 10,
		// X-Forwarded-Proto (c.Protocol) only from the trusted proxies;
		// X-Forwarded-For is read by clientIP.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
	})
	s.app.Use(recover.New(), s.metrics.middleware)
	s.routes()
	return s, nil
}

// newMatcher builds the server's match lists over its index, store and
// caches (s.answers in front of s.cache).
func (s *Server) newMatcher() *match.Matcher {
	return match.New(match.Config{MinDaysToDeadline: s.cfg.MinDaysToDeadline, TTL: s.cfg.MatchTTL, Timeout: s.cfg.RequestTimeout, Now: s.cfg.Now},
		match.Deps{Index: s.index, Store: s.store, Cache: s.cache, Answers: s.answers, Generation: s.gen, Hooks: match.Hooks{
			Hit: s.metrics.cacheHits.Inc, Miss: s.metrics.cacheMisses.Inc, Failed: s.health.failed,
		}})
}

// Matcher is the server's match lists, for the digests of the same process
// to share its caches.
func (s *Server) Matcher() *match.Matcher { return s.matches }

// App exposes the Fiber app (tests use app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown finishes requests in flight, waiting at most timeout.
func (s *Server) Shutdown(timeout time.Duration) error {
	err := s.app.ShutdownWithTimeout(timeout)
	s.bg.Wait() // sign-in e-mails still being sent
	return err
}

// requestContext bounds a request's I/O: fasthttp never cancels on client disconnect.
func (s *Server) requestContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
}
